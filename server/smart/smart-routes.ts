import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWK } from 'jose';
import { AppError } from '../../src/lib/domain/errors';
import { LoginRateLimiter, type LoginLimits } from '../auth/rate-limit';
import { readForm } from '../http/body';
import type { RequestContext, Route } from '../http/context';
import { sendJson } from '../http/errors';
import type { Audit } from '../types';
import type { ApiClientStore } from './api-clients';
import { grantScopes } from './scopes';

/**
 * SMART Backend Services (SMART App Launch 2.x): the OAuth 2.0 client
 * credentials grant with a `private_key_jwt` client assertion.
 *
 * - `GET /.well-known/smart-configuration` (also under the FHIR base, where
 *   SMART clients look first): the token endpoint and what it accepts.
 * - `POST /auth/token`: a registered client posts a JWT signed with one of
 *   its registered keys (RS384 or ES384; `kid` names the key) whose `iss`
 *   and `sub` are its client id, `aud` this token endpoint's URL exactly,
 *   `exp` at most five minutes ahead and `jti` never used before (kept until
 *   the assertion expires). Signature and claims are checked by `jose`.
 *   The grant is the intersection of the scopes asked for and those the
 *   client is registered for (scopes.ts); the answer is an opaque bearer
 *   token (kept hashed) for five minutes.
 *
 * Every authentication failure is `invalid_client` (401), as SMART asks; a
 * request without the grant type is `unsupported_grant_type`, one missing a
 * parameter `invalid_request`, one whose scopes give nothing
 * `invalid_scope` (400). Failures are counted per address and per client id
 * (rate limit, 429 with Retry-After), and all requests per address per
 * minute. Issued tokens and refusals of registered clients are audited with
 * the client id.
 */

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ALGS = ['RS384', 'ES384'];
/** Longest an assertion may live, as SMART asks (seconds). */
const MAX_ASSERTION_SECONDS = 300;

export interface SmartOptions {
  /** Seconds an access token lives (default 300). */
  tokenLifetimeSeconds?: number;
  /**
   * The server's public origin (`https://outpost.clinic.example`) when it
   * is reached through a proxy: the token endpoint URL that assertions
   * must name as `aud`. Default: from the request's Host.
   */
  publicUrl?: string;
  /** Clock in milliseconds (tests). */
  now?: () => number;
  /** Failed token requests allowed per address and per client id (default: 30 per address, 10 per client and address, in 15 minutes). */
  failureLimits?: LoginLimits;
  /** Token requests of any outcome per address per minute (default 60). */
  requestsPerMinute?: number;
}

/** A client authenticated by a bearer token. */
export interface ApiClientPrincipal {
  clientId: string;
  clinicId: string;
  scopes: string[];
}

export type BearerResult = { kind: 'none' } | { kind: 'invalid' } | { kind: 'client'; client: ApiClientPrincipal };

export interface SmartService {
  routes: Route[];
  /** The token endpoint's URL as clients must name it (for the CapabilityStatement). */
  tokenEndpoint(req: IncomingMessage): string;
  /** The client behind `Authorization: Bearer …`; `none` without such a header. */
  bearer(req: IncomingMessage): BearerResult;
}

class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'invalid_scope' | 'unsupported_grant_type',
    readonly description: string,
    /** Audit reason (no secrets, no assertion content). */
    readonly reason: string
  ) {
    super(description);
  }
}

const invalidClient = (description: string, reason: string) => new OAuthError(401, 'invalid_client', description, reason);

export function originOf(req: IncomingMessage, publicUrl?: string): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  const scheme = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  return `${scheme}://${req.headers.host ?? 'localhost'}`;
}

export function createSmartService(deps: { clients: ApiClientStore; audit: Audit }, opts: SmartOptions = {}): SmartService {
  const { clients, audit } = deps;
  const now = opts.now ?? Date.now;
  const lifetime = opts.tokenLifetimeSeconds ?? 300;
  const failures = new LoginRateLimiter(opts.failureLimits ?? { windowMs: 15 * 60_000, perPair: 10, perIp: 30, perUsername: 100 }, now);
  const perMinute = opts.requestsPerMinute ?? 60;
  const recent = new Map<string, number[]>();

  function tooMany(ip: string): number | null {
    const t = now();
    const list = (recent.get(ip) ?? []).filter((x) => x > t - 60_000);
    if (list.length >= perMinute) return Math.max(1, Math.ceil((list[0] + 60_000 - t) / 1000));
    list.push(t);
    recent.set(ip, list);
    if (recent.size > 10_000) recent.delete(recent.keys().next().value as string);
    return null;
  }

  function configuration(ctx: RequestContext): Record<string, unknown> {
    return {
      token_endpoint: `${originOf(ctx.req, opts.publicUrl)}/auth/token`,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ALGS,
      grant_types_supported: ['client_credentials'],
      scopes_supported: ['system/*.rs', 'system/*.read', 'system/Patient.rs', 'system/*.r', 'system/*.s'],
      capabilities: ['client-confidential-asymmetric']
    };
  }

  /** Checks the assertion; the registered client it authenticates. */
  async function authenticate(assertion: string, tokenUrl: string): Promise<{ id: string; clinicId: string; scopes: string[] }> {
    let claimed: string | undefined;
    let kid: string | undefined;
    try {
      claimed = decodeJwt(assertion).iss;
      kid = decodeProtectedHeader(assertion).kid;
    } catch {
      throw invalidClient('The client assertion is not a JWT', 'malformed');
    }
    if (!claimed) throw invalidClient('The client assertion names no issuer', 'no-iss');
    const client = clients.get(claimed);
    if (!client) throw invalidClient('Unknown client', 'unknown-client');
    if (client.disabled) throw invalidClient('This client is disabled', 'disabled');
    if (!kid) throw invalidClient('The client assertion header names no key (kid)', 'no-kid');
    let payload;
    try {
      ({ payload } = await jwtVerify(assertion, createLocalJWKSet(client.jwks as { keys: JWK[] }), {
        issuer: client.id,
        subject: client.id,
        audience: tokenUrl,
        algorithms: ALGS,
        requiredClaims: ['exp', 'jti'],
        currentDate: new Date(now())
      }));
    } catch (err) {
      const reason =
        err instanceof joseErrors.JWTExpired ? 'expired'
        : err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JOSENotSupported ? 'alg'
        : err instanceof joseErrors.JWTClaimValidationFailed ? `claim-${err.claim}`
        : err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWSSignatureVerificationFailed ? 'signature'
        : 'invalid';
      throw Object.assign(invalidClient('The client assertion was not accepted', reason), { clientId: client.id });
    }
    // jose accepts an aud array that contains the URL; SMART names one audience, the token endpoint.
    if (payload.aud !== tokenUrl) throw Object.assign(invalidClient('The client assertion was not accepted', 'claim-aud'), { clientId: client.id });
    const nowSec = Math.floor(now() / 1000);
    const exp = payload.exp as number;
    if (exp - nowSec > MAX_ASSERTION_SECONDS) {
      throw Object.assign(invalidClient('The client assertion must expire within five minutes', 'exp-too-far'), { clientId: client.id });
    }
    if (typeof payload.jti !== 'string' || !payload.jti || !clients.useAssertion(client.id, payload.jti, exp, nowSec)) {
      throw Object.assign(invalidClient('This client assertion was already used', 'replay'), { clientId: client.id });
    }
    return client;
  }

  async function token(ctx: RequestContext): Promise<void> {
    const retry = tooMany(ctx.ip);
    if (retry !== null) {
      ctx.req.resume();
      ctx.res.setHeader('Retry-After', String(retry));
      sendJson(ctx.res, 429, { error: 'invalid_request', error_description: 'Too many token requests; try again later' });
      return;
    }
    let form: URLSearchParams;
    try {
      form = await readForm(ctx.req);
    } catch (err) {
      if (err instanceof AppError && err.code === 'invalid') {
        sendJson(ctx.res, 400, { error: 'invalid_request', error_description: err.message });
        return;
      }
      throw err;
    }
    const assertion = form.get('client_assertion') ?? '';
    let claimedId = '';
    try {
      claimedId = decodeJwt(assertion).iss ?? '';
    } catch {
      /* reported below */
    }
    const limited = failures.check(claimedId, ctx.ip);
    if (limited.limited) {
      ctx.res.setHeader('Retry-After', String(limited.retryAfterSeconds));
      sendJson(ctx.res, 429, { error: 'invalid_request', error_description: 'Too many failed token requests; try again later' });
      return;
    }
    try {
      if (form.get('grant_type') !== 'client_credentials') {
        throw new OAuthError(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported', 'grant-type');
      }
      if (form.get('client_assertion_type') !== ASSERTION_TYPE || !assertion) {
        throw new OAuthError(400, 'invalid_request', `Send client_assertion_type=${ASSERTION_TYPE} and a client_assertion`, 'no-assertion');
      }
      const client = await authenticate(assertion, `${originOf(ctx.req, opts.publicUrl)}/auth/token`);
      const requested = (form.get('scope') ?? '').split(' ').filter(Boolean);
      const granted = grantScopes(requested, client.scopes);
      if (granted.length === 0) {
        throw Object.assign(new OAuthError(400, 'invalid_scope', 'None of the requested scopes is allowed for this client', 'scope'), { clientId: client.id });
      }
      const nowSec = Math.floor(now() / 1000);
      const accessToken = clients.issue({ clientId: client.id, clinicId: client.clinicId, scopes: granted }, nowSec + lifetime, nowSec);
      failures.recordSuccess(client.id, ctx.ip);
      audit.record({ action: 'auth.token', outcome: 'success', userId: null, target: `api-client:${client.id}`, ip: ctx.ip, detail: { clientId: client.id, scopes: granted, expiresIn: lifetime } });
      ctx.res.setHeader('Pragma', 'no-cache');
      sendJson(ctx.res, 200, { access_token: accessToken, token_type: 'bearer', expires_in: lifetime, scope: granted.join(' ') });
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      failures.recordFailure(claimedId, ctx.ip);
      const clientId = (err as OAuthError & { clientId?: string }).clientId;
      // Only registered clients are named: an unknown iss is whatever the caller typed.
      audit.record({ action: 'auth.token', outcome: 'failure', userId: null, target: clientId ? `api-client:${clientId}` : null, ip: ctx.ip, detail: { error: err.code, reason: err.reason, ...(clientId ? { clientId } : {}) } });
      sendJson(ctx.res, err.status, { error: err.code, error_description: err.description });
    }
  }

  return {
    routes: [
      { method: 'GET', path: '/.well-known/smart-configuration', handler: (ctx) => sendJson(ctx.res, 200, configuration(ctx)) },
      { method: 'GET', path: '/fhir/R4/.well-known/smart-configuration', handler: (ctx) => sendJson(ctx.res, 200, configuration(ctx)) },
      { method: 'POST', path: '/auth/token', handler: token }
    ],
    tokenEndpoint: (req) => `${originOf(req, opts.publicUrl)}/auth/token`,
    bearer(req) {
      const header = req.headers.authorization;
      if (!header || !/^bearer\s/i.test(header)) return { kind: 'none' };
      const token = header.slice(6).trim();
      const found = token ? clients.lookup(token, Math.floor(now() / 1000)) : null;
      if (!found) return { kind: 'invalid' };
      return { kind: 'client', client: { clientId: found.clientId, clinicId: found.clinicId, scopes: found.scopes } };
    }
  };
}
