import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isHttps } from '../auth/cookies';

/**
 * Security headers sent on every response. The Content-Security-Policy
 * allows scripts only from this origin plus the exact inline boot scripts of
 * the built index.html (by hash), so an injected script never runs even if
 * some text slips into the page unescaped.
 */

/** sha256 CSP sources for each inline <script> (one without src) in an HTML page. */
export function inlineScriptHashes(html: string): string[] {
  const out: string[] = [];
  const re = /<script\b([^>]*)>([\s\S]*?)<\/script>/gi;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    if (/\bsrc\s*=/i.test(m[1])) continue;
    if (m[2].length === 0) continue;
    out.push(`'sha256-${createHash('sha256').update(m[2], 'utf8').digest('base64')}'`);
  }
  return out;
}

/** A Host header we are willing to echo into the policy; anything odd is left out. */
const SAFE_HOST = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The connect-src sources a LiveKit server at `url` needs: its origin in the
 * websocket form (the signalling socket, `<url>/rtc`) and in the http form
 * (livekit-client's `<url>/rtc/validate` after a failed connect, its HEAD
 * probes of the server, and LiveKit Cloud's `/settings/regions`). LiveKit
 * maps http→ws and https→wss, so `wss://lk.example.org` gives
 * `wss://lk.example.org https://lk.example.org`. Only the origin is allowed,
 * never a wildcard: LiveKit Cloud's fallback to another region's host is
 * therefore blocked, and calls use the configured host only.
 *
 * Anything but a ws:, wss:, http: or https: URL with a plain host (no user
 * or password, no odd characters) gives no sources, so nothing from the
 * setting is echoed into the header unless it is safe to.
 */
export function liveKitConnectSources(url: string | undefined): string[] {
  if (!url) return [];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const secure = parsed.protocol === 'wss:' || parsed.protocol === 'https:';
  if (!secure && parsed.protocol !== 'ws:' && parsed.protocol !== 'http:') return [];
  if (parsed.username || parsed.password || !parsed.hostname || !SAFE_HOST.test(parsed.host)) return [];
  return secure ? [`wss://${parsed.host}`, `https://${parsed.host}`] : [`ws://${parsed.host}`, `http://${parsed.host}`];
}

/**
 * The policy for a response. `connectSources` are further origins the app
 * may connect to (the LiveKit server's, see liveKitConnectSources); they
 * must already be checked, as they go into the header as they are.
 */
export function contentSecurityPolicy(
  scriptHashes: readonly string[],
  host: string | undefined,
  connectSources: readonly string[] = []
): string {
  const sockets = host && SAFE_HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  const others = connectSources.map((s) => ` ${s}`).join('');
  return [
    "default-src 'self'",
    `script-src 'self'${scriptHashes.map((h) => ` ${h}`).join('')}`,
    // Inline style attributes appear in the app shell and in component markup; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "media-src 'self' blob:",
    `connect-src 'self'${sockets}${others}`,
    "worker-src 'self'",
    "manifest-src 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'"
  ].join('; ');
}

export function applySecurityHeaders(
  req: IncomingMessage,
  res: ServerResponse,
  scriptHashes: readonly string[],
  connectSources: readonly string[] = []
): void {
  res.setHeader('Content-Security-Policy', contentSecurityPolicy(scriptHashes, req.headers.host, connectSources));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Permissions-Policy', 'camera=(self), microphone=(self), geolocation=(), payment=(), usb=()');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('X-Frame-Options', 'DENY');
  // Only over https: HSTS on a plain-http LAN server would lock browsers out of it.
  if (isHttps(req)) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
}
