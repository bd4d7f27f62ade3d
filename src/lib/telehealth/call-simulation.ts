import { ConnectionQuality, RoomEvent } from 'livekit-client';
import type { CallQuality } from './call-policy';
import { callSimulationAllowed } from './telehealth.service';
import { createRoom, VideoCall } from './video-call.svelte';

/**
 * A simulated video call for end-to-end tests on machines where no LiveKit
 * server can run. It is the real in-call screen over livekit-client's own
 * Room: `connect` is replaced by the Room's `simulateParticipants` (one
 * remote participant without media, a local dummy camera and
 * microphone), and the test drives the Room's own events (connection
 * quality, reconnecting, giving up) through `window.outpostCallSimulation`.
 *
 * Two locks keep it out of real use: the console's address must carry
 * `?simulate-call=1` AND the server must answer that simulation is allowed,
 * which only a server started from code with `callSimulation: true` does
 * (see TelehealthConfig). Loaded with a dynamic import, so it is not in the
 * console's bundle unless both hold.
 */
export const SIMULATION_FLAG = 'simulate-call';

export interface CallSimulationControls {
  /** Emits livekit-client's ConnectionQualityChanged for the local or the (first) remote participant. */
  quality(who: 'local' | 'remote', quality: Exclude<CallQuality, 'unknown'>): void;
  /** Emits Reconnecting, as the Room does when its transport drops. */
  reconnecting(): void;
  reconnected(): void;
  /** Emits Disconnected without a reason, as the Room does when reconnecting gives up. */
  giveUp(): void;
}

declare global {
  interface Window {
    outpostCallSimulation?: CallSimulationControls;
  }
}

const LEVEL: Record<Exclude<CallQuality, 'unknown'>, ConnectionQuality> = {
  excellent: ConnectionQuality.Excellent,
  good: ConnectionQuality.Good,
  poor: ConnectionQuality.Poor,
  lost: ConnectionQuality.Lost
};

/** Both locks: the address asks for it, and the server allows it. Any failure means no. */
export async function callSimulationRequested(url: URL): Promise<boolean> {
  if (url.searchParams.get(SIMULATION_FLAG) !== '1') return false;
  return callSimulationAllowed().catch(() => false);
}

/** A clinician's call over a simulated Room, with its controls on `window` for the test. */
export function simulatedCall(): VideoCall {
  const room = createRoom();
  room.connect = (async () => {
    // Remote participants without tracks: simulating their media constructs an RTCRtpReceiver, which Chromium refuses ("Illegal constructor").
    await room.simulateParticipants({ participants: { count: 2, video: false, audio: false }, publish: { audio: true, video: true, useRealTracks: false } });
  }) as typeof room.connect;
  window.outpostCallSimulation = {
    quality(who, quality) {
      const p = who === 'local' ? room.localParticipant : [...room.remoteParticipants.values()][0];
      if (p) room.emit(RoomEvent.ConnectionQualityChanged, LEVEL[quality], p);
    },
    reconnecting: () => void room.emit(RoomEvent.Reconnecting),
    reconnected: () => void room.emit(RoomEvent.Reconnected),
    giveUp: () => void room.emit(RoomEvent.Disconnected, undefined)
  };
  return new VideoCall({ role: 'clinician', room });
}
