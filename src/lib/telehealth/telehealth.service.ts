import { z } from 'zod';
import { AppError } from '../domain/errors';
import { LANGUAGES, type Language } from '../domain/languages';
import type { PollAnswer } from '../domain/telehealth/join';
import { GUEST_KINDS, type GuestKind } from '../domain/telehealth/participants';
import { runningLateAnswerSchema, type RunningLate } from '../domain/telehealth/running-late';
import { api } from '../services/api-client';

/**
 * The video-visit API, for the clinician's console and the patient's join
 * page. Join secrets go only in JSON bodies (never in a URL), and every
 * answer is validated before the screen uses it.
 */

const linkSchema = z.object({ linkId: z.string(), path: z.string(), token: z.string(), expiresAt: z.string() });
export type JoinLink = z.infer<typeof linkSchema>;

const waitingSchema = z.object({
  visit: z.object({ status: z.string().optional() }).passthrough(),
  patientId: z.uuid().optional(),
  waiting: z.array(z.object({ entryId: z.string(), role: z.enum(['patient', 'guest']), label: z.string(), enteredAt: z.string(), admitted: z.boolean() })),
  runningLate: runningLateAnswerSchema.nullable().optional()
});
export type WaitingList = z.infer<typeof waitingSchema>;
export type WaitingEntry = WaitingList['waiting'][number];

const credentialsSchema = z.object({ serverUrl: z.string(), token: z.string(), expiresAt: z.string() });
const admitSchema = credentialsSchema.extend({ admitted: z.number() });
export type AdmitAnswer = z.infer<typeof admitSchema>;

const checkSchema = z.object({
  scope: z.enum(['patient', 'guest']),
  needsBirthDate: z.boolean(),
  guestLabel: z.string().nullable(),
  /** The language the clinic chose for the page; an unknown one (a newer server) counts as none. */
  language: z.enum(LANGUAGES).nullable().optional().catch(null)
});
export type LinkCheck = z.infer<typeof checkSchema>;

const enterSchema = z.object({ ticket: z.string(), status: z.literal('waiting') });

const pollSchema: z.ZodType<PollAnswer> = z.discriminatedUnion('status', [
  z.object({ status: z.literal('waiting'), runningLate: runningLateAnswerSchema.optional() }),
  z.object({ status: z.literal('admitted'), serverUrl: z.string(), token: z.string(), expiresAt: z.string() }),
  z.object({ status: z.literal('closed') })
]);

function read<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError('internal', 'The clinic server sent an answer this app cannot read');
  return parsed.data;
}

/** True for the server's answer when LiveKit is not set up (503 'Video is not configured…'). */
export function isVideoNotConfigured(error: unknown): boolean {
  return error instanceof AppError && error.code === 'unavailable' && /not configured/i.test(error.message);
}

export const VIDEO_NOT_CONFIGURED = 'Video is not configured on this server.';

/** The patient's link; `expiresInMinutes` (5 min to 7 days) overrides the server's default of 24 hours; `language` is the one its page opens in. */
export async function createPatientLink(visitId: string, patientId: string, expiresInMinutes?: number, language?: Language): Promise<JoinLink> {
  return read(linkSchema, await api('/api/telehealth/links', { body: { scope: 'patient', visitId, patientId, expiresInMinutes, language } }));
}

/**
 * How long a link sent from the schedule should live: until two hours after
 * the appointment ends (a patient may join late or be kept waiting), at
 * least an hour, at most the server's limit of 7 days.
 */
export function linkMinutesForAppointment(appointmentEnd: string, now = Date.now()): number {
  const minutes = Math.ceil((Date.parse(appointmentEnd) + 2 * 3_600_000 - now) / 60_000);
  return Math.min(7 * 24 * 60, Math.max(60, Number.isFinite(minutes) ? minutes : 60));
}

/** A separate, shorter-lived link for an interpreter or family member; it joins the same visit with the patient's rights. */
export async function createGuestLink(visitId: string, guestKind: GuestKind, language?: Language): Promise<JoinLink> {
  return read(linkSchema, await api('/api/telehealth/links', { body: { scope: 'guest', visitId, guestKind, language } }));
}

const existingSchema = z.object({
  links: z.array(
    z.object({
      linkId: z.string(),
      scope: z.enum(['patient', 'guest']),
      guestKind: z.enum(GUEST_KINDS).nullable(),
      createdAt: z.string(),
      expiresAt: z.string(),
      language: z.enum(LANGUAGES).nullable().catch(null),
      /** Null when the server cannot show this link again (made before links were kept sealed). */
      path: z.string().nullable(),
      token: z.string().nullable()
    })
  )
});
export type ExistingLink = z.infer<typeof existingSchema>['links'][number];

/** The visit's links that still work (oldest first), made here or on another device: shown instead of making another. */
export async function existingLinks(visitId: string): Promise<ExistingLink[]> {
  return read(existingSchema, await api(`/api/telehealth/links?visitId=${encodeURIComponent(visitId)}`)).links;
}

const sentSchema = z.object({ sent: z.literal(true), provider: z.string(), to: z.string() });

/** Sends a working link by SMS or e-mail through the clinic's message provider; answers the masked recipient. */
export async function sendLink(linkId: string, channel: 'sms' | 'email', to: string): Promise<z.infer<typeof sentSchema>> {
  return read(sentSchema, await api('/api/telehealth/links/send', { body: { linkId, channel, to } }));
}

/** Stops a link working at once; whoever holds it sees the clinic's "not valid" message. */
export async function revokeLink(linkId: string): Promise<void> {
  await api('/api/telehealth/links/revoke', { body: { linkId } });
}

/** Tells the waiting room the clinician is running about `minutes` late; null withdraws the notice. */
export async function sendRunningLate(visitId: string, minutes: number | null): Promise<RunningLate | null> {
  const answer = read(z.object({ runningLate: runningLateAnswerSchema.nullable() }), await api('/api/telehealth/running-late', { body: { visitId, minutes } }));
  return answer.runningLate;
}

/** Whether this (test) server allows the simulated call; false on any deployed server. */
export async function callSimulationAllowed(): Promise<boolean> {
  return read(z.object({ allowed: z.boolean() }), await api('/api/telehealth/call-simulation')).allowed;
}

export async function fetchWaiting(visitId: string, signal?: AbortSignal): Promise<WaitingList> {
  return read(waitingSchema, await api(`/api/telehealth/waiting?visitId=${encodeURIComponent(visitId)}`, { signal }));
}

export async function admit(visitId: string, entryId?: string): Promise<AdmitAnswer> {
  return read(admitSchema, await api('/api/telehealth/admit', { body: { visitId, ...(entryId ? { entryId } : {}) } }));
}

export async function endVisit(visitId: string): Promise<void> {
  await api('/api/telehealth/end', { body: { visitId } });
}

export async function checkJoinLink(token: string): Promise<LinkCheck> {
  return read(checkSchema, await api('/api/telehealth/join/check', { body: { token } }));
}

export async function enterWaitingRoom(token: string, birthDate?: string): Promise<string> {
  return read(enterSchema, await api('/api/telehealth/join/enter', { body: { token, ...(birthDate ? { birthDate } : {}) } })).ticket;
}

export async function pollWaitingRoom(ticket: string): Promise<PollAnswer> {
  return read(pollSchema, await api('/api/telehealth/join/poll', { body: { ticket } }));
}
