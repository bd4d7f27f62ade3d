import type Database from 'better-sqlite3';
import { WebhookReceiver, type WebhookEvent } from 'livekit-server-sdk';
import { AppError } from '../../src/lib/domain/errors';
import { ROOM_EVENT_KINDS, type RoomEvent, type RoomEventKind } from '../../src/lib/domain/telehealth/visit-status';
import type { LiveKitKeys } from './livekit-tokens';

/**
 * Verified, de-duplicated video events. The signature check is LiveKit's own
 * (WebhookReceiver: a JWT signed with our API secret in the Authorization
 * header whose `sha256` claim must match the raw body), so a forged or
 * altered event is refused before anything is read from it. Each event id is
 * stored once; a retry of a delivered event is acknowledged and ignored.
 */
export const WEBHOOK_CONTENT_TYPE = 'application/webhook+json';

export interface VerifiedRoomEvent extends RoomEvent {
  room: string;
}

export type Verified = { relevant: true; event: VerifiedRoomEvent } | { relevant: false; kind: string };

export function createWebhookVerifier(keys: LiveKitKeys) {
  const receiver = new WebhookReceiver(keys.apiKey, keys.apiSecret);
  return async function verify(rawBody: string, authorization: string | undefined): Promise<Verified> {
    let event: WebhookEvent;
    try {
      event = await receiver.receive(rawBody, authorization?.replace(/^Bearer\s+/i, ''));
    } catch {
      // The reason (expired, bad signature, body changed) is not told to the sender.
      throw new AppError('unauthenticated', 'The webhook signature is not valid.');
    }
    if (!(ROOM_EVENT_KINDS as readonly string[]).includes(event.event)) return { relevant: false, kind: event.event };
    const room = event.room?.name ?? '';
    if (!event.id || !room) throw new AppError('invalid', 'The webhook event has no id or room.');
    return {
      relevant: true,
      event: {
        id: event.id,
        kind: event.event as RoomEventKind,
        // LiveKit stamps events in whole seconds since the epoch.
        at: Number(event.createdAt) * 1000,
        identity: event.participant?.identity || undefined,
        room
      }
    };
  };
}

export function createWebhookEventStore(db: Database.Database, now: () => number) {
  const insert = db.prepare(
    'INSERT OR IGNORE INTO telehealth_webhook_events (event_id, visit_id, kind, at_ms, identity, received_at) VALUES (?, ?, ?, ?, ?, ?)'
  );
  const forVisit = db.prepare('SELECT event_id AS id, kind, at_ms AS at, identity FROM telehealth_webhook_events WHERE visit_id = ?');
  return {
    /** False when this event id was already stored (a redelivery). */
    add: (visitId: string, e: RoomEvent): boolean =>
      insert.run(e.id, visitId, e.kind, e.at, e.identity ?? null, new Date(now()).toISOString()).changes > 0,
    forVisit: (visitId: string): RoomEvent[] =>
      (forVisit.all(visitId) as { id: string; kind: RoomEventKind; at: number; identity: string | null }[]).map((r) => ({
        id: r.id,
        kind: r.kind,
        at: r.at,
        ...(r.identity ? { identity: r.identity } : {})
      }))
  };
}
