import { z } from 'zod';

/**
 * The people looking after a patient, shown on the chart summary: FHIR R4
 * CareTeam.participant (member, role, period). Leaving the team ends the
 * membership (period end) instead of deleting it, so the chart keeps who
 * was responsible when.
 */

/** Roles offered when adding a member; FHIR CareTeam.participant.role is a free concept, these cover primary care. */
export const CARE_TEAM_ROLES = [
  'Primary care physician',
  'Nurse practitioner',
  'Physician assistant',
  'Registered nurse',
  'Care coordinator',
  'Community health worker',
  'Pharmacist',
  'Behavioral health',
  'Specialist',
  'Other'
] as const;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const careTeamMemberInputSchema = z.object({
  name: z.string().trim().min(1, 'Name is required').max(120),
  role: z.string().trim().min(1, 'Role is required').max(80),
  /** Outpost user id when the member is a user of this clinic. */
  userId: z.string().max(100).optional(),
  since: z.string().regex(DATE, 'Use YYYY-MM-DD')
});
export type CareTeamMemberInput = z.input<typeof careTeamMemberInputSchema>;

export interface CareTeamMember {
  id: string;
  name: string;
  role: string;
  userId?: string;
  since: string;
  addedAt: string;
  addedBy: string;
  endedAt?: string;
  endedBy?: string;
}

/** Current members, longest-standing first. */
export function currentCareTeam(members: readonly CareTeamMember[]): CareTeamMember[] {
  return members.filter((m) => !m.endedAt).sort((a, b) => a.since.localeCompare(b.since) || a.name.localeCompare(b.name));
}
