import { z } from 'zod';
import { AppError } from '../domain/errors';
import { ROLES } from '../domain/roles';
import { api } from './api-client';

/**
 * The admin console's calls to the clinic server (server/admin/*). Each
 * answer is validated at the boundary; the server decides who may do what
 * (an administrator, within their own clinic), so nothing here is a rule.
 * Works online only: every function fails with AppError('unavailable')
 * when the server cannot be reached.
 */

export const STAFF_ROLES = ['admin', 'clinician', 'nurse', 'frontdesk'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

const adminUserSchema = z.object({
  id: z.string(),
  username: z.string(),
  name: z.string(),
  roles: z.array(z.enum(ROLES)),
  disabled: z.boolean(),
  createdAt: z.string()
});
export type AdminUser = z.infer<typeof adminUserSchema>;

const openSessionSchema = z.object({ id: z.string(), createdAt: z.string(), lastSeenAt: z.string(), expiresAt: z.string(), current: z.boolean(), deviceId: z.string().nullable().optional() });
export type OpenSession = z.infer<typeof openSessionSchema>;

const settingValues = z.object({ idleLockMinutes: z.number(), patientLinkMinutes: z.number(), guestLinkMinutes: z.number() });
const settingsSchema = z.object({
  effective: settingValues,
  overrides: z.object({ idleLockMinutes: z.number().nullable(), patientLinkMinutes: z.number().nullable(), guestLinkMinutes: z.number().nullable() }),
  defaults: settingValues,
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable()
});
export type ClinicSettings = z.infer<typeof settingsSchema>;
export type SettingKey = keyof ClinicSettings['effective'];

const apiClientSchema = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  keyIds: z.array(z.string()),
  disabled: z.boolean(),
  createdBy: z.string(),
  createdAt: z.string()
});
export type RegisteredClient = z.infer<typeof apiClientSchema>;

function read<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new AppError('internal', 'The clinic server sent an answer this app cannot read');
  return parsed.data;
}

const post = (path: string, body: unknown) => api<unknown>(path, { method: 'POST', body });
const userPath = (id: string, tail = '') => `/api/admin/users/${encodeURIComponent(id)}${tail}`;

export async function listUsers(query = ''): Promise<AdminUser[]> {
  const q = query.trim() ? `?q=${encodeURIComponent(query.trim())}` : '';
  return read(z.object({ users: z.array(adminUserSchema) }), await api<unknown>(`/api/admin/users${q}`)).users;
}

export async function createUser(input: { username: string; name: string; roles: StaffRole[]; password?: string }): Promise<{ user: AdminUser; generatedPassword?: string }> {
  return read(z.object({ user: adminUserSchema, generatedPassword: z.string().optional() }), await post('/api/admin/users', input));
}

export async function getUser(id: string): Promise<{ user: AdminUser; sessions: OpenSession[] }> {
  return read(z.object({ user: adminUserSchema, sessions: z.array(openSessionSchema) }), await api<unknown>(userPath(id)));
}

export async function setRoles(id: string, roles: StaffRole[]): Promise<AdminUser> {
  return read(z.object({ user: adminUserSchema }), await post(userPath(id, '/roles'), { roles })).user;
}

export async function setDisabled(id: string, disabled: boolean): Promise<{ user: AdminUser; sessionsEnded: number }> {
  return read(z.object({ user: adminUserSchema, sessionsEnded: z.number() }), await post(userPath(id, '/disabled'), { disabled }));
}

export async function resetPassword(id: string, password?: string): Promise<{ sessionsEnded: number; generatedPassword?: string }> {
  return read(z.object({ sessionsEnded: z.number(), generatedPassword: z.string().optional() }), await post(userPath(id, '/password'), password ? { password } : {}));
}

/** Ends one session, or all of the user's when no id is given. */
export async function revokeSessions(id: string, sessionId?: string): Promise<number> {
  return read(z.object({ sessionsEnded: z.number() }), await post(userPath(id, '/sessions/revoke'), sessionId ? { sessionId } : {})).sessionsEnded;
}

export async function getClinic(): Promise<{ clinic: { id: string; name: string }; settings: ClinicSettings }> {
  return read(z.object({ clinic: z.object({ id: z.string(), name: z.string() }), settings: settingsSchema }), await api<unknown>('/api/admin/clinic'));
}

/** A number sets the value; null goes back to the server's default (anything else is refused by the server, readably). */
export async function saveSettings(patch: Partial<Record<SettingKey, number | null | string>>): Promise<ClinicSettings> {
  return read(z.object({ settings: settingsSchema }), await post('/api/admin/clinic/settings', patch)).settings;
}

export async function listApiClients(): Promise<RegisteredClient[]> {
  return read(z.object({ clients: z.array(apiClientSchema) }), await api<unknown>('/api/admin/api-clients')).clients;
}

export async function registerApiClient(input: { name: string; jwks: string; scopes: string }): Promise<RegisteredClient> {
  return read(z.object({ client: apiClientSchema }), await post('/api/admin/api-clients', input)).client;
}

export async function setApiClientDisabled(id: string, disabled: boolean): Promise<RegisteredClient> {
  return read(z.object({ client: apiClientSchema }), await post(`/api/admin/api-clients/${encodeURIComponent(id)}/disabled`, { disabled })).client;
}

const destinationSchema = z.object({ id: z.string(), name: z.string(), url: z.string() });
export type Destination = z.infer<typeof destinationSchema>;

export async function listDestinations(): Promise<Destination[]> {
  return read(z.object({ destinations: z.array(destinationSchema) }), await api<unknown>('/api/admin/transfer-destinations')).destinations;
}

export async function addDestination(input: { name: string; url: string; key?: string }): Promise<Destination> {
  return read(z.object({ destination: destinationSchema }), await post('/api/admin/transfer-destinations', input)).destination;
}

/** A key for a clinic that will send records here; the answer is the only time it is seen. */
export async function issueTransferKey(name: string): Promise<{ id: string; key: string }> {
  return read(z.object({ id: z.string(), key: z.string() }), await post('/api/admin/transfer-keys', { name }));
}

const deviceSchema = z.object({
  id: z.string(),
  name: z.string(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  state: z.enum(['in-use', 'lost', 'wiped']),
  lostAt: z.string().nullable(),
  lostBy: z.string().nullable(),
  wipeConfirmedAt: z.string().nullable()
});
export type AdminDevice = z.infer<typeof deviceSchema>;

const userSecondFactorSchema = z.object({ enrolled: z.boolean(), required: z.boolean(), confirmedAt: z.string().nullable(), recoveryCodesLeft: z.number() });
export type UserSecondFactor = z.infer<typeof userSecondFactorSchema>;

/** A user's devices and second factor (server/admin/admin-security-routes.ts). */
export async function getUserSecurity(id: string): Promise<{ devices: AdminDevice[]; secondFactor: UserSecondFactor }> {
  return read(z.object({ devices: z.array(deviceSchema), secondFactor: userSecondFactorSchema }), await api<unknown>(userPath(id, '/security')));
}

/** Reports the device lost: its sessions end now and it erases itself at its next contact with the server. */
export async function markDeviceLost(userId: string, deviceId: string): Promise<{ sessionsEnded: number; device: AdminDevice }> {
  return read(z.object({ sessionsEnded: z.number(), device: deviceSchema }), await post(userPath(userId, `/devices/${encodeURIComponent(deviceId)}/lost`), {}));
}

/** Removes the user's authenticator and recovery codes: they enrol again at their next sign-in if the clinic requires it. */
export async function resetSecondFactor(userId: string): Promise<{ hadAuthenticator: boolean; secondFactor: UserSecondFactor }> {
  return read(z.object({ hadAuthenticator: z.boolean(), secondFactor: userSecondFactorSchema }), await post(userPath(userId, '/second-factor/reset'), {}));
}

export async function getSecondFactorPolicy(): Promise<(typeof ROLES)[number][]> {
  return read(z.object({ roles: z.array(z.enum(ROLES)) }), await api<unknown>('/api/admin/clinic/second-factor')).roles;
}

export async function saveSecondFactorPolicy(roles: (typeof ROLES)[number][]): Promise<(typeof ROLES)[number][]> {
  return read(z.object({ roles: z.array(z.enum(ROLES)) }), await post('/api/admin/clinic/second-factor', { roles })).roles;
}

const releasePolicySchema = z.union([
  z.object({ mode: z.literal('immediate') }),
  z.object({ mode: z.literal('after-review') }),
  z.object({ mode: z.literal('after-days'), days: z.number() })
]);
const releaseViewSchema = z.object({ policy: releasePolicySchema, updatedAt: z.string().nullable(), updatedBy: z.string().nullable() });
export type ResultReleaseView = z.infer<typeof releaseViewSchema>;

export async function getResultRelease(): Promise<ResultReleaseView> {
  return read(releaseViewSchema, await api<unknown>('/api/admin/clinic/result-release'));
}

/** `days` as typed: the server says what is wrong with it. */
export async function saveResultRelease(mode: string, days?: number | string): Promise<ResultReleaseView> {
  return read(releaseViewSchema, await post('/api/admin/clinic/result-release', mode === 'after-days' ? { mode, days } : { mode }));
}

const devicePanelViewSchema = z.object({
  setting: z.union([
    z.object({ mode: z.literal('all') }),
    z.object({ mode: z.literal('panel'), seenMonths: z.number(), scheduledDays: z.number(), openedDays: z.number() })
  ]),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable()
});
export type DevicePanelView = z.infer<typeof devicePanelViewSchema>;

export async function getDevicePanel(): Promise<DevicePanelView> {
  return read(devicePanelViewSchema, await api<unknown>('/api/admin/clinic/device-panel'));
}

/** The numbers as typed: the server says what is wrong with them. */
export async function saveDevicePanel(setting: { mode: 'all' } | { mode: 'panel'; seenMonths: unknown; scheduledDays: unknown; openedDays: unknown }): Promise<DevicePanelView> {
  return read(devicePanelViewSchema, await post('/api/admin/clinic/device-panel', setting));
}

const clinicRowSchema = z.object({ id: z.string(), name: z.string(), createdAt: z.string(), users: z.number(), yours: z.boolean() });
export type ClinicRow = z.infer<typeof clinicRowSchema>;

export async function listClinics(): Promise<ClinicRow[]> {
  return read(z.object({ clinics: z.array(clinicRowSchema) }), await api<unknown>('/api/admin/clinics')).clinics;
}

/** A new clinic and its first administrator; the generated password is in this answer only. */
export async function createClinic(input: { name: string; admin: { username: string; name: string } }): Promise<{ clinic: ClinicRow; admin: AdminUser; generatedPassword: string }> {
  return read(z.object({ clinic: clinicRowSchema, admin: adminUserSchema, generatedPassword: z.string() }), await post('/api/admin/clinics', input));
}

/** A replicated update the hub refused and set aside (server/replication/replication-quarantine.ts): which document, why, when. */
const heldUpdateSchema = z.object({ docName: z.string(), via: z.string(), rules: z.array(z.string()), reason: z.string(), lastAt: z.number(), times: z.number() });
const edgeRowSchema = z.object({
  id: z.string(),
  name: z.string(),
  enrolledAt: z.number(),
  lastSeenAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
  auditEntries: z.number(),
  heldCount: z.number().default(0),
  held: z.array(heldUpdateSchema).default([])
});
export type EdgeRow = z.infer<typeof edgeRowSchema>;

/** The clinic boxes enrolled for this clinic (server/replication/). */
export async function listEdges(): Promise<EdgeRow[]> {
  return read(z.object({ edges: z.array(edgeRowSchema) }), await api<unknown>('/api/admin/edges')).edges;
}

/** A one-time enrolment code for a new box; the code is in this answer only. */
export async function createEnrolmentCode(name: string): Promise<{ code: string; expiresAt: string }> {
  return read(z.object({ code: z.string(), expiresAt: z.string() }), await post('/api/admin/edges/enrolment-codes', { name }));
}

export async function revokeEdge(id: string): Promise<void> {
  await post(`/api/admin/edges/${encodeURIComponent(id)}/revoke`, {});
}
