import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../../src/lib/domain/errors';
import { clearedSessionCookie, isHttps } from '../auth/cookies';
import type { SessionUser } from '../types';
import { setBodyIdleTimeout } from './body';
import { clientIp, SignInRequired, type RequestContext, type Route } from './context';
import { checkOrigin } from './origin-policy';
import { sendError } from './errors';
import { describeError, type Logger } from './logger';
import { RouteTable } from './route-table';
import { applySecurityHeaders } from './security-headers';
import type { StaticSite } from './static-files';

export interface RequestHandlerDeps {
  routes: Route[];
  site: StaticSite;
  authenticate(req: IncomingMessage): SessionUser | null;
  logger: Logger;
  trustProxy: boolean;
  /** Origins besides the request's own whose pages may send state-changing requests (see origin-policy.ts). */
  allowedOrigins?: readonly string[];
  /**
   * Paths whose clients expect another error shape than AppErrorBody (FHIR
   * clients read an OperationOutcome). The first matching prefix answers
   * every error under it, unknown endpoints included.
   */
  errorShapes?: { prefix: string; send: ErrorSender }[];
  /**
   * Told of every request refused for want of a session (401), with the
   * client address and the route pattern (never the path as sent), for the
   * audit summary.
   */
  onSignInRequired?(ip: string, route: string): void;
  /**
   * Origins besides this one that the app's pages may connect to, for the
   * CSP's connect-src (the LiveKit server's, from liveKitConnectSources).
   */
  connectSources?: readonly string[];
  /** How long a request body may send nothing before it is abandoned with 408 (default 15 s). */
  bodyIdleTimeoutMs?: number;
}

export type ErrorSender = (res: ServerResponse, err: unknown, logger: Logger, where: string) => void;

/**
 * The path as it may appear in a log line. A patient's join link carries its
 * secret in the path (`/join/<token>`): the log keeps only `/join/…`, so a
 * log reader cannot enter someone's visit.
 */
export function loggablePath(pathname: string): string {
  return pathname.startsWith('/join/') ? '/join/…' : pathname;
}

/** Paths the app never renders: API, FHIR, CDS Hooks, sync, the health probe and the SMART token endpoint and configuration. They answer JSON, never index.html. */
export function isApiPath(pathname: string): boolean {
  return /^\/(api|fhir|sync|cds-services)(\/|$)/.test(pathname) || pathname === '/healthz' || pathname === '/auth/token' || pathname === '/.well-known/smart-configuration';
}

/**
 * The HTTP entry point: security headers on everything, then either a JSON
 * route or the static app. Logs one line per request (method, path without
 * query, status, duration).
 */
export function createRequestHandler(deps: RequestHandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const table = new RouteTable(deps.routes);
  const errorSender = (pathname: string): ErrorSender =>
    deps.errorShapes?.find((s) => pathname === s.prefix || pathname.startsWith(`${s.prefix}/`))?.send ?? sendError;

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    let route = url.pathname;
    if (deps.bodyIdleTimeoutMs !== undefined) setBodyIdleTimeout(req, deps.bodyIdleTimeoutMs);
    try {
      const found = table.lookup(req.method ?? '', url.pathname);
      if (found.kind === 'wrong-method') {
        res.setHeader('Allow', found.allow.join(', '));
        throw new AppError('invalid', `${req.method} is not supported here.`);
      }
      if (found.kind === 'bad-param') throw new AppError('invalid', 'Malformed request address.');
      if (found.kind === 'none') throw new AppError('not-found', 'There is no such API endpoint.');
      route = found.match.route.path;
      if (req.method !== 'GET') refuseCrossSite(req, deps.allowedOrigins);
      const ctx: RequestContext = {
        req,
        res,
        url,
        ip: clientIp(req, deps.trustProxy),
        user: deps.authenticate(req),
        params: found.match.params
      };
      await found.match.route.handler(ctx);
    } catch (err) {
      if (err instanceof SignInRequired) noteSignInRequired(clientIp(req, deps.trustProxy), `${req.method} ${route}`);
      // The wipe signal also drops the dead session cookie (httpOnly: the app cannot), so the cleared device starts clean.
      if (err instanceof AppError && err.code === 'device-revoked' && !res.headersSent) res.setHeader('Set-Cookie', clearedSessionCookie(isHttps(req)));
      errorSender(url.pathname)(res, err, deps.logger, `${req.method} ${url.pathname}`);
    }
  }

  function noteSignInRequired(ip: string, route: string): void {
    try {
      deps.onSignInRequired?.(ip, route);
    } catch (err) {
      // The 401 still goes out; a failing audit must not turn it into a 500.
      deps.logger.error(`could not count a refused request for the audit: ${describeError(err)}`);
    }
  }

  return (req, res) => {
    const started = performance.now();
    let pathname = '/';
    res.on('finish', () => {
      const ms = (performance.now() - started).toFixed(1);
      deps.logger.info(`${req.method} ${loggablePath(pathname)} ${res.statusCode} ${ms}ms`);
    });
    applySecurityHeaders(req, res, deps.site.scriptHashes, deps.connectSources);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendError(res, new AppError('invalid', 'Malformed request address.'), deps.logger, 'url');
      return;
    }
    pathname = url.pathname;
    if (isApiPath(pathname)) {
      void handleApi(req, res, url);
      return;
    }
    try {
      deps.site.handle(req, res);
    } catch (err) {
      sendError(res, err, deps.logger, `${req.method} static`);
    }
  };
}

/**
 * A state-changing request whose Origin names another site is refused. The
 * SameSite=Strict cookie already keeps such requests anonymous; this makes
 * the refusal explicit and covers browsers that treat "same site" loosely.
 */
function refuseCrossSite(req: IncomingMessage, allowedOrigins: readonly string[] = []): void {
  if (!checkOrigin(req.headers.origin, req.headers.host, allowedOrigins).allowed) throw new AppError('forbidden', 'Cross-site request refused.');
}
