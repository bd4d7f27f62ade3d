import { z } from 'zod';

/**
 * The decisions a video call makes, as pure functions so they can be tested
 * without a network: what a disconnect means for the person on the call,
 * when poor quality is bad enough to drop video, and what a chat message
 * looks like on the wire.
 */

export type CallQuality = 'excellent' | 'good' | 'poor' | 'lost' | 'unknown';

/** Why a call is no longer connected, in the terms the screen needs. */
export type CallEnd =
  /** This person left (hung up). */
  | 'left'
  /** The clinician ended the visit for everyone. */
  | 'ended'
  /** The connection dropped and reconnecting gave up (or never got through): offer Rejoin. */
  | 'lost';

/**
 * LiveKit's numeric disconnect reasons (protocol enum DisconnectReason),
 * mapped to what happened from the participant's point of view.
 */
const ENDED_BY_SERVICE = new Set([
  4, // PARTICIPANT_REMOVED
  5, // ROOM_DELETED (the clinician pressed End visit)
  10 // ROOM_CLOSED
]);
const LEFT = new Set([
  1, // CLIENT_INITIATED
  2 // DUPLICATE_IDENTITY: the same person joined from another tab or device
]);

export function callEndFor(reason: number | undefined): CallEnd {
  if (reason !== undefined && LEFT.has(reason)) return 'left';
  if (reason !== undefined && ENDED_BY_SERVICE.has(reason)) return 'ended';
  return 'lost';
}

/**
 * How long the local connection must stay poor (or lost) before video is
 * dropped automatically. A short dip (a lift, a busy cell) should not cost
 * the picture; a link that stays poor keeps the voice clear without it.
 */
export const POOR_QUALITY_SECONDS = 10;

export function isPoor(q: CallQuality): boolean {
  return q === 'poor' || q === 'lost';
}

/** True when quality has been poor since `poorSince` for long enough to switch to audio only. */
export function shouldDropVideo(poorSince: number | null, now: number, seconds = POOR_QUALITY_SECONDS): boolean {
  return poorSince !== null && now - poorSince >= seconds * 1000;
}

/** In-call chat travels as LiveKit data on this topic; anything else on the data channel is ignored. */
export const CHAT_TOPIC = 'outpost-chat';
export const CHAT_MAX_CHARS = 2000;

export const chatWireSchema = z.object({
  text: z.string().trim().min(1).max(CHAT_MAX_CHARS),
  sentAt: z.number().int().nonnegative()
});
export type ChatWire = z.infer<typeof chatWireSchema>;

/** Reads a chat message off the data channel; null for anything malformed (never throws on a peer's bytes). */
export function decodeChat(bytes: Uint8Array): ChatWire | null {
  try {
    const parsed = chatWireSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function encodeChat(text: string, sentAt: number): Uint8Array<ArrayBuffer> {
  const wire = chatWireSchema.parse({ text, sentAt });
  return new Uint8Array(new TextEncoder().encode(JSON.stringify(wire)));
}

/** "4:05" or "1:02:09": a visit timer and a waiting time. */
export function clockDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
