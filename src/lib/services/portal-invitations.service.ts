import { z } from 'zod';
import type { ProxyKind } from '../domain/portal/portal-rules';
import { apiClient } from './api-client';

/** The front desk's and clinicians' side of patient accounts: invitations and who may read a record. */
const issuedSchema = z.object({ id: z.string(), link: z.string(), expiresAt: z.string(), relation: z.enum(['self', 'proxy']) });
export type IssuedInvitation = z.infer<typeof issuedSchema>;

const accessSchema = z.object({
  invitations: z.array(z.object({ id: z.string(), relation: z.enum(['self', 'proxy']), proxyKind: z.string().nullable(), proxyName: z.string().nullable(), createdAt: z.string(), expiresAt: z.string(), state: z.string() })),
  accounts: z.array(z.object({ id: z.string(), relation: z.enum(['self', 'proxy']), proxyKind: z.string().nullable(), proxyName: z.string().nullable(), grantedAt: z.string(), revokedAt: z.string().nullable() }))
});
export type PatientAccess = z.infer<typeof accessSchema>;

export type InvitationRequest = { relation: 'self' } | { relation: 'proxy'; proxyKind: ProxyKind; proxyName: string };

export async function issueInvitation(patientId: string, request: InvitationRequest): Promise<IssuedInvitation> {
  return issuedSchema.parse(await apiClient.request<unknown>('/api/portal/invitations', { method: 'POST', body: { patientId, ...request } }));
}

export async function patientAccess(patientId: string): Promise<PatientAccess> {
  return accessSchema.parse(await apiClient.request<unknown>(`/api/portal/patients/${encodeURIComponent(patientId)}/access`));
}

export async function revokeInvitation(id: string): Promise<void> {
  await apiClient.request(`/api/portal/invitations/${encodeURIComponent(id)}/revoke`, { method: 'POST', body: {} });
}

export async function revokeAccess(id: string): Promise<void> {
  await apiClient.request(`/api/portal/access/${encodeURIComponent(id)}/revoke`, { method: 'POST', body: {} });
}

/** Sets up the account an invitation offers (no session needed). */
export async function activateAccount(input: { secret: string; birthDate: string; username: string; password: string }): Promise<{ username: string }> {
  return z.object({ username: z.string() }).parse(await apiClient.request<unknown>('/api/portal/activate', { method: 'POST', body: input }));
}
