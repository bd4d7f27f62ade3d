import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../../src/lib/domain/errors';
import type { SessionUser } from '../types';

/** What a route handler gets: the request, a parsed URL, the client address and the session user, if any. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  ip: string;
  /** The signed-in user, or null. Resolved once per request. */
  user: SessionUser | null;
  /** Decoded `:name` segments of the route's path (`/cds-services/:id` → `{ id }`); empty for exact paths. */
  params: Record<string, string>;
}

/**
 * A request that needed a session and had none. Its own class so the
 * request handler can count these 401s for the audit summary apart from
 * failed sign-ins (audited one by one) and other refusals.
 */
export class SignInRequired extends AppError {
  constructor() {
    super('unauthenticated', 'Sign in to continue.');
  }
}

/** The signed-in user, or a 401 for the client to show its sign-in screen. */
export function requireUser(ctx: RequestContext): SessionUser {
  if (!ctx.user) throw new SignInRequired();
  return ctx.user;
}

export type RouteHandler = (ctx: RequestContext) => void | Promise<void>;

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** An exact path, or one with `:name` segments that each match one path segment. */
  path: string;
  handler: RouteHandler;
}

/**
 * Client address for rate limits and the audit log. X-Forwarded-For is
 * believed only when the server is told it sits behind a proxy; otherwise a
 * client could name any address and dodge the per-address limit. Even then
 * only its last entry is: a proxy appends the address it received the
 * request from, while every earlier entry is whatever the client sent.
 * (Behind a chain of proxies that is the last proxy's view; one proxy in
 * front of Outpost is the supported setup.)
 */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const fwd = req.headers['x-forwarded-for'];
    const last = (Array.isArray(fwd) ? fwd.join(',') : fwd)?.split(',').at(-1)?.trim();
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}
