import { z } from 'zod';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { isDeviceId } from '../../../src/lib/domain/device-id';
import { summariseUserAgent } from '../../devices/device-registry';
import type { PasskeyService } from '../../auth/passkey-service';
import { isHttps, sessionCookie } from '../../auth/cookies';
import type { SessionUser } from '../../types';
import { parseWith, readJson } from '../body';
import { requireUser, type Route } from '../context';
import { sendJson } from '../errors';

/**
 * Passkeys over HTTP (auth/passkey-service.ts): the signed-in user's list,
 * registering and removing (password asked again), the second step of a
 * pending sign-in, and sign-in with a passkey alone. Bodies are the JSON
 * shapes @simplewebauthn/browser sends; their bytes are checked by the
 * service, their shape here.
 */

const b64url = z.string().max(8192).regex(/^[A-Za-z0-9_-]*$/, 'Not base64url');
const registrationResponse = z.object({
  id: b64url.min(1),
  rawId: b64url.min(1),
  type: z.literal('public-key'),
  response: z.object({ clientDataJSON: b64url, attestationObject: b64url, transports: z.array(z.string().max(32)).max(10).optional() }).loose(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.string().max(32).optional()
});
const authenticationResponse = z.object({
  id: b64url.min(1),
  rawId: b64url.min(1),
  type: z.literal('public-key'),
  response: z.object({ clientDataJSON: b64url, authenticatorData: b64url, signature: b64url, userHandle: b64url.optional() }).loose(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.string().max(32).optional()
});
const password = z.string().min(1, 'Enter your password').max(1024);
const optionsSchema = z.object({ password });
const registerSchema = z.object({ response: registrationResponse, name: z.string().trim().min(1, 'Give this passkey a name').max(60, 'Use at most 60 characters') });
const removeSchema = z.object({ id: b64url.min(1), password });
const pendingSchema = z.object({ pendingToken: z.string().min(1, 'The sign-in has no pending step').max(200) });
const secondStepSchema = pendingSchema.extend({ response: authenticationResponse });
const signInSchema = z.object({ response: authenticationResponse, deviceId: z.string().max(64).refine(isDeviceId, 'Not a device id').optional() });

/**
 * The passkey routes a patient account may use (patient-gate.ts): its own
 * passkeys, and signing in with one. A patient passkey opens a patient
 * session, held to the same gate as a password sign-in.
 */
export const PATIENT_PASSKEY_ROUTES = [
  'GET /api/auth/passkeys',
  'POST /api/auth/passkeys/options',
  'POST /api/auth/passkeys',
  'POST /api/auth/passkeys/remove',
  'POST /api/auth/login/passkey/options',
  'POST /api/auth/login/passkey',
  'POST /api/auth/passkey-sign-in/options',
  'POST /api/auth/passkey-sign-in'
] as const;

export function passkeyRoutes(passkeys: PasskeyService, withSettings: (u: SessionUser) => unknown): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/auth/passkeys',
      handler(ctx) {
        sendJson(ctx.res, 200, { passkeys: passkeys.list(requireUser(ctx)) });
      }
    },
    {
      method: 'POST',
      path: '/api/auth/passkeys/options',
      async handler(ctx) {
        const user = requireUser(ctx);
        const body = parseWith(optionsSchema, await readJson(ctx.req, 4 * 1024));
        sendJson(ctx.res, 200, await passkeys.registrationOptions(user, body.password, ctx.ip));
      }
    },
    {
      method: 'POST',
      path: '/api/auth/passkeys',
      async handler(ctx) {
        const user = requireUser(ctx);
        const body = parseWith(registerSchema, await readJson(ctx.req, 32 * 1024));
        sendJson(ctx.res, 201, { passkey: await passkeys.register(user, body.response as RegistrationResponseJSON, body.name, ctx.ip) });
      }
    },
    {
      method: 'POST',
      path: '/api/auth/passkeys/remove',
      async handler(ctx) {
        const user = requireUser(ctx);
        const body = parseWith(removeSchema, await readJson(ctx.req, 4 * 1024));
        await passkeys.remove(user, body.id, body.password, ctx.ip);
        sendJson(ctx.res, 200, { passkeys: passkeys.list(user) });
      }
    },
    {
      method: 'POST',
      path: '/api/auth/login/passkey/options',
      async handler({ req, res, ip }) {
        const body = parseWith(pendingSchema, await readJson(req, 4 * 1024));
        sendJson(res, 200, await passkeys.secondFactorOptions(body.pendingToken, ip));
      }
    },
    {
      method: 'POST',
      path: '/api/auth/login/passkey',
      async handler({ req, res, ip }) {
        const body = parseWith(secondStepSchema, await readJson(req, 16 * 1024));
        const result = await passkeys.secondFactor(body.pendingToken, body.response as AuthenticationResponseJSON, ip);
        res.setHeader('Set-Cookie', sessionCookie(result.token, result.maxAgeSeconds, isHttps(req)));
        sendJson(res, 200, { user: withSettings(result.user) });
      }
    },
    {
      method: 'POST',
      path: '/api/auth/passkey-sign-in/options',
      async handler({ res, ip }) {
        sendJson(res, 200, await passkeys.signInOptions(ip));
      }
    },
    {
      method: 'POST',
      path: '/api/auth/passkey-sign-in',
      async handler({ req, res, ip }) {
        const body = parseWith(signInSchema, await readJson(req, 16 * 1024));
        const device = body.deviceId ? { id: body.deviceId.toLowerCase(), userAgent: summariseUserAgent(req.headers['user-agent']) } : null;
        const result = await passkeys.signIn(body.response as AuthenticationResponseJSON, device, ip);
        res.setHeader('Set-Cookie', sessionCookie(result.token, result.maxAgeSeconds, isHttps(req)));
        sendJson(res, 200, { user: withSettings(result.user) });
      }
    }
  ];
}
