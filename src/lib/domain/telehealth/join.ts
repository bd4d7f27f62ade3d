import { z } from 'zod';
import { languageSchema } from '../languages';
import { GUEST_KINDS } from './participants';
import type { RunningLate } from './running-late';

/**
 * What the patient's join page and the staff screens send and receive.
 * Secrets (the join link's token, the waiting-room ticket) travel in JSON
 * bodies, never in query strings, so they stay out of request logs.
 */

/** 32 random bytes in base64url: 43 characters. */
export const secretSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'Not a valid link');

export const JOIN_SCOPES = ['patient', 'guest'] as const;
export type JoinScope = (typeof JOIN_SCOPES)[number];

export const createLinkSchema = z.discriminatedUnion('scope', [
  z.object({
    scope: z.literal('patient'),
    visitId: z.uuid(),
    patientId: z.uuid(),
    expiresInMinutes: z.number().int().min(5).max(7 * 24 * 60).optional(),
    /** The language the join page opens in (the patient can still switch); absent: the browser's. */
    language: languageSchema.optional()
  }),
  z.object({
    scope: z.literal('guest'),
    visitId: z.uuid(),
    guestKind: z.enum(GUEST_KINDS),
    expiresInMinutes: z.number().int().min(5).max(24 * 60).optional(),
    language: languageSchema.optional()
  })
]);
export type CreateLinkInput = z.infer<typeof createLinkSchema>;

export const enterWaitingRoomSchema = z.object({
  token: secretSchema,
  /** Required for a patient link: the date of birth confirms who opened it. */
  birthDate: z.iso.date('Enter the date as YYYY-MM-DD').optional()
});

export const pollSchema = z.object({ ticket: secretSchema });
export const visitIdSchema = z.object({ visitId: z.uuid() });
export const revokeLinkSchema = z.object({ linkId: z.uuid() });

/** Sending a link by SMS or e-mail: the recipient is checked again on the server (server/messaging/message-provider.ts). */
export const sendLinkSchema = z.object({ linkId: z.uuid(), channel: z.enum(['sms', 'email']), to: z.string().trim().min(1, 'Enter a phone number or e-mail address').max(320) });
export type SendLinkInput = z.infer<typeof sendLinkSchema>;

/** What the patient's page learns when it polls: a token only once a clinician has admitted them; while waiting, the clinician's running-late notice if any. */
export type PollAnswer =
  | { status: 'waiting'; runningLate?: RunningLate }
  | { status: 'admitted'; serverUrl: string; token: string; expiresAt: string }
  | { status: 'closed' };
