import { z } from 'zod';
import { AppError } from '../domain/errors';
import { apiClient } from './api-client';
import { sessionUserSchema, userResponseSchema, type SessionUser } from './session-user';

/**
 * The second factor (TOTP) as the app talks to the server about it: the
 * second step of a sign-in, setting up an authenticator (at sign-in when
 * the clinic requires it, or later from the security page), and recovery
 * codes. The server decides everything; these calls only carry it.
 */

/** What the password step answers: a session, or a second step before one. */
export const loginAnswerSchema = z.union([
  userResponseSchema,
  z.object({
    secondFactor: z.enum(['code', 'enrol']),
    pendingToken: z.string().min(1),
    expiresInSeconds: z.number(),
    /** Which second steps the user has: an authenticator app, a passkey, or both. Older servers do not say: the app's code. */
    methods: z.array(z.enum(['totp', 'passkey'])).default(['totp'])
  })
]);

export type SecondFactorMethod = 'totp' | 'passkey';

/** The second step the sign-in screen shows: a code, or setting up an authenticator first. */
export interface SecondStep {
  /** `device`: signed in with a passkey alone; the password opens this device's store (checked here, never sent). */
  kind: 'code' | 'enrol' | 'device';
  username: string;
  /** For `code`: what the user can use (a passkey is offered first). */
  methods: SecondFactorMethod[];
}

export const enrolmentSchema = z.object({ secret: z.string().regex(/^[A-Z2-7]+=*$/), uri: z.string().startsWith('otpauth://totp/') });
export type Enrolment = z.infer<typeof enrolmentSchema>;

const recoveryCodesSchema = z.object({ recoveryCodes: z.array(z.string()).min(1) });

export const secondFactorStatusSchema = z.object({
  enrolled: z.boolean(),
  required: z.boolean(),
  recoveryCodesLeft: z.number().int().min(0),
  confirmedAt: z.string().nullable(),
  /** Passkeys the server accepts as the second step (older servers do not say). */
  passkeys: z.number().int().min(0).default(0)
});
export type SecondFactorStatus = z.infer<typeof secondFactorStatusSchema>;

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new AppError('internal', 'The clinic server sent an answer this app cannot read');
  return parsed.data;
}

export const secondFactorApi = {
  async verify(pendingToken: string, proof: { code: string } | { recoveryCode: string }): Promise<SessionUser> {
    const body = await apiClient.request<unknown>('/api/auth/login/second-factor', { method: 'POST', body: { pendingToken, ...proof } });
    return parse(userResponseSchema, body).user;
  },
  async beginAtSignIn(pendingToken: string): Promise<Enrolment> {
    return parse(enrolmentSchema, await apiClient.request<unknown>('/api/auth/login/enrol', { method: 'POST', body: { pendingToken } }));
  },
  async confirmAtSignIn(pendingToken: string, code: string): Promise<{ user: SessionUser; recoveryCodes: string[] }> {
    const body = await apiClient.request<unknown>('/api/auth/login/enrol/confirm', { method: 'POST', body: { pendingToken, code } });
    return parse(recoveryCodesSchema.extend({ user: sessionUserSchema }), body);
  },
  async status(): Promise<SecondFactorStatus> {
    return parse(secondFactorStatusSchema, await apiClient.request<unknown>('/api/auth/second-factor'));
  },
  async begin(): Promise<Enrolment> {
    return parse(enrolmentSchema, await apiClient.request<unknown>('/api/auth/second-factor/enrol', { method: 'POST', body: {} }));
  },
  async confirm(code: string): Promise<string[]> {
    const body = await apiClient.request<unknown>('/api/auth/second-factor/enrol/confirm', { method: 'POST', body: { code } });
    return parse(recoveryCodesSchema, body).recoveryCodes;
  },
  async regenerate(code: string): Promise<string[]> {
    const body = await apiClient.request<unknown>('/api/auth/second-factor/recovery-codes', { method: 'POST', body: { code } });
    return parse(recoveryCodesSchema, body).recoveryCodes;
  }
};

/** The secret in groups of four, easier to type into an app by hand. */
export function groupSecret(secret: string): string {
  return secret.replace(/=+$/, '').match(/.{1,4}/g)?.join(' ') ?? secret;
}

/** The recovery codes as a text file to keep (download or print). */
export function recoveryCodesText(codes: readonly string[], username: string, clinicName: string | null): string {
  return [`Outpost recovery codes for ${username}${clinicName ? ` (${clinicName})` : ''}`, 'Each code works once.', '', ...codes, ''].join('\n');
}
