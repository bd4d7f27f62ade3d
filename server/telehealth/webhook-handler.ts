import type Database from 'better-sqlite3';
import { AppError } from '../../src/lib/domain/errors';
import { roleOfIdentity } from '../../src/lib/domain/telehealth/participants';
import { deriveVisitState, type RoomEventKind } from '../../src/lib/domain/telehealth/visit-status';
import type { Audit, AuditAction } from '../types';
import type { LiveKitKeys } from './livekit-tokens';
import { createWebhookEventStore, createWebhookVerifier } from './livekit-webhooks';
import { summarize, type VisitStore } from './visits';

const AUDITED: Partial<Record<RoomEventKind, AuditAction>> = {
  participant_joined: 'telehealth.join',
  participant_left: 'telehealth.leave',
  room_finished: 'telehealth.end'
};

/**
 * Handles one LiveKit webhook: verify the signature, drop a redelivery (by
 * event id), store the event, re-derive the visit's status and duration from
 * all its events in time order, and audit joins, leaves and the room's end.
 * Events for rooms this server did not create, and kinds it does not use,
 * are acknowledged (so the video service stops retrying) and ignored.
 */
export function createWebhookHandler(deps: { db: Database.Database; audit: Audit; visits: VisitStore; livekit: LiveKitKeys; now: () => number }) {
  const verify = createWebhookVerifier(deps.livekit);
  const events = createWebhookEventStore(deps.db, deps.now);
  const participantUser = deps.db.prepare('SELECT user_id FROM telehealth_participants WHERE identity = ? AND visit_id = ?');

  return async function receiveWebhook(rawBody: string, authorization: string | undefined, ip: string) {
    let verified;
    try {
      verified = await verify(rawBody, authorization);
    } catch (err) {
      // A forged or altered event, or a misconfigured key: either is worth an administrator's eye. Nothing of the body is kept.
      const reason = err instanceof AppError && err.code === 'unauthenticated' ? 'signature' : 'malformed';
      deps.audit.record({ action: 'telehealth.webhook', outcome: 'failure', target: null, detail: { reason, bytes: Buffer.byteLength(rawBody) }, ip });
      throw err;
    }
    if (!verified.relevant) return { ok: true, ignored: 'event-kind' } as const;
    const e = verified.event;
    const v = deps.visits.byRoom(e.room);
    if (!v) return { ok: true, ignored: 'unknown-room' } as const;
    if (!events.add(v.visit_id, e)) return { ok: true, duplicate: true } as const;
    const saved = deps.visits.saveDerived(v, deriveVisitState(events.forVisit(v.visit_id), deps.now()));
    const action = AUDITED[e.kind];
    if (action) {
      // A clinician's identity was minted for their user, so their joins and leaves are attributed to them.
      const row = e.identity ? (participantUser.get(e.identity, v.visit_id) as { user_id: string | null } | undefined) : undefined;
      deps.audit.record({
        action,
        outcome: 'success',
        userId: row?.user_id ?? null,
        target: `visit:${v.visit_id}`,
        detail: {
          source: 'video-service',
          eventId: e.id,
          at: new Date(e.at).toISOString(),
          ...(e.identity ? { identity: e.identity, role: roleOfIdentity(e.identity) } : {}),
          ...(action === 'telehealth.end' ? { durationSeconds: saved.duration_seconds } : {})
        },
        ip
      });
    }
    return { ok: true, visit: summarize(saved) } as const;
  };
}
