/**
 * A video visit's status and duration, derived from the video service's
 * events. Webhooks arrive late, twice, or out of order, so nothing is
 * updated incrementally: the server keeps every distinct event and derives
 * the answer from all of them, sorted, each time. Same events in, same
 * answer out, whatever the arrival order.
 */

export const ROOM_EVENT_KINDS = ['room_started', 'participant_joined', 'participant_left', 'room_finished'] as const;
export type RoomEventKind = (typeof ROOM_EVENT_KINDS)[number];

export interface RoomEvent {
  id: string;
  kind: RoomEventKind;
  /** When the video service says it happened (ms since epoch). */
  at: number;
  /** The participant's opaque identity, for join and leave. */
  identity?: string;
}

export type VisitStatus = 'waiting' | 'in-call' | 'ended';

export interface VisitState {
  status: VisitStatus;
  /** Identities connected now. */
  connected: string[];
  /** When the first participant joined (ms), or null. */
  startedAt: number | null;
  /** When the room closed (ms), or null. */
  endedAt: number | null;
  /** Seconds during which at least one participant was connected. */
  durationSeconds: number;
}

/**
 * Event times have one-second resolution, so ties are common; within a
 * second a room starts before anyone joins, joins come before leaves and
 * the room finishes last, then the id breaks the tie.
 */
export function orderEvents(events: readonly RoomEvent[]): RoomEvent[] {
  const rank = (k: RoomEventKind) => ROOM_EVENT_KINDS.indexOf(k);
  return [...events].sort((a, b) => a.at - b.at || rank(a.kind) - rank(b.kind) || a.id.localeCompare(b.id));
}

/** Status and duration from all of a visit's events; `now` closes a call still in progress for the duration. */
export function deriveVisitState(events: readonly RoomEvent[], now: number): VisitState {
  const connected = new Set<string>();
  let startedAt: number | null = null;
  let endedAt: number | null = null;
  let since: number | null = null;
  let total = 0;
  for (const e of orderEvents(events)) {
    if (endedAt !== null) break;
    if (e.kind === 'participant_joined' && e.identity) {
      if (connected.size === 0) since = e.at;
      connected.add(e.identity);
      startedAt ??= e.at;
    } else if (e.kind === 'participant_left' && e.identity && connected.delete(e.identity) && connected.size === 0) {
      total += e.at - (since ?? e.at);
      since = null;
    } else if (e.kind === 'room_finished') {
      endedAt = e.at;
    }
  }
  if (since !== null) total += (endedAt ?? now) - since;
  if (endedAt !== null) connected.clear();
  const status: VisitStatus = endedAt !== null ? 'ended' : connected.size > 0 ? 'in-call' : 'waiting';
  return { status, connected: [...connected].sort(), startedAt, endedAt, durationSeconds: Math.max(0, Math.round(total / 1000)) };
}
