import { AccessToken, TrackSource } from 'livekit-server-sdk';
import { mediaPolicy, type MediaSource, type ParticipantRole } from '../../src/lib/domain/telehealth/participants';

/**
 * Minting of LiveKit join tokens. Called only from admit: a token is the
 * right to enter the room, so none exists before a clinician lets the
 * patient in. Grants follow `mediaPolicy` (least privilege, never room
 * admin). The lifetime bounds only how long the token can be used to
 * connect; a participant already in the call stays connected, and the
 * video service refreshes its own session.
 */
export const JOIN_TOKEN_TTL_SECONDS = 10 * 60;

const SOURCES: Record<MediaSource, TrackSource> = {
  camera: TrackSource.CAMERA,
  microphone: TrackSource.MICROPHONE,
  screen_share: TrackSource.SCREEN_SHARE
};

export interface LiveKitKeys {
  apiKey: string;
  apiSecret: string;
}

export interface JoinTokenRequest {
  room: string;
  identity: string;
  role: ParticipantRole;
  /** Display name in the call; staff names and fixed guest labels only, never the patient's name. */
  name?: string;
}

export async function mintJoinToken(
  keys: LiveKitKeys,
  req: JoinTokenRequest,
  now: number = Date.now(),
  ttlSeconds: number = JOIN_TOKEN_TTL_SECONDS
): Promise<{ token: string; expiresAt: string }> {
  const at = new AccessToken(keys.apiKey, keys.apiSecret, {
    identity: req.identity,
    ttl: ttlSeconds,
    ...(req.name ? { name: req.name } : {})
  });
  const policy = mediaPolicy(req.role);
  at.addGrant({
    room: req.room,
    roomJoin: true,
    canPublish: true,
    canPublishSources: policy.canPublishSources.map((s) => SOURCES[s]),
    canSubscribe: policy.canSubscribe,
    canPublishData: policy.canPublishData,
    canUpdateOwnMetadata: false
  });
  return { token: await at.toJwt(), expiresAt: new Date(now + ttlSeconds * 1000).toISOString() };
}
