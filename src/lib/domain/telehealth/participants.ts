/**
 * Who takes part in a video visit and what each may send. The policy is
 * pure so the server (which mints tokens) and the app (which shows what is
 * allowed) agree. Least privilege: nobody gets room admin; only the
 * clinician can share a screen (results, images); guests (an interpreter,
 * family) have the patient's rights.
 */

export const PARTICIPANT_ROLES = ['clinician', 'patient', 'guest'] as const;
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number];

/** Fixed labels for a guest: shown in the call instead of a typed name, so no free text about the patient's family reaches the video service. */
export const GUEST_KINDS = ['interpreter', 'family', 'caregiver'] as const;
export type GuestKind = (typeof GUEST_KINDS)[number];

export const GUEST_LABELS: Record<GuestKind, string> = {
  interpreter: 'Interpreter',
  family: 'Family member',
  caregiver: 'Caregiver'
};

export type MediaSource = 'camera' | 'microphone' | 'screen_share';

export interface MediaPolicy {
  canPublishSources: MediaSource[];
  canSubscribe: true;
  /** Data messages carry the in-call chat. */
  canPublishData: true;
}

export function mediaPolicy(role: ParticipantRole): MediaPolicy {
  const base: MediaSource[] = ['camera', 'microphone'];
  return {
    canPublishSources: role === 'clinician' ? [...base, 'screen_share'] : base,
    canSubscribe: true,
    canPublishData: true
  };
}

/**
 * Identities in the video room are `<role>-<random>`: the role prefix lets
 * the server read webhooks without a lookup, and the random part carries no
 * patient or user data.
 */
export function roleOfIdentity(identity: string): ParticipantRole | null {
  const prefix = identity.split('-')[0];
  return (PARTICIPANT_ROLES as readonly string[]).includes(prefix) ? (prefix as ParticipantRole) : null;
}
