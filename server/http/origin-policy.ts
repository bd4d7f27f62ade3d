/**
 * Which web pages may act with the user's cookie: a state-changing request
 * or a sync websocket whose `Origin` names another site is refused. Browsers
 * do not apply CORS to websockets, so without this check any page the user
 * visits could open `/sync/<doc>` with their session (cross-site websocket
 * hijacking); the SameSite=Strict cookie already blocks that in current
 * browsers, and this makes the refusal explicit on the server.
 *
 * A request with no `Origin` is allowed: browsers always send it on
 * websocket upgrades and cross-site POSTs, so its absence means a
 * non-browser client (tests, scripts, the admin's tools), which carries a
 * cookie only if its owner gave it one and cannot be tricked into sending
 * one (it is no CSRF victim).
 */

export type OriginDecision =
  | { allowed: true; why: 'no-origin' | 'same-origin' | 'configured' }
  | { allowed: false; why: 'other-origin' | 'malformed' };

/**
 * Same origin means the `Origin`'s host and port equal the `Host` the
 * request was sent to (so the app works under any name or address it is
 * reached by, and behind a proxy that keeps `Host`); `allowed` lists
 * further origins (`OUTPOST_ALLOWED_ORIGINS`), e.g. for a proxy that
 * rewrites `Host`. `Origin: null` (sandboxed frames, files) is refused.
 */
export function checkOrigin(origin: string | undefined, host: string | undefined, allowed: readonly string[] = []): OriginDecision {
  if (origin === undefined || origin === '') return { allowed: true, why: 'no-origin' };
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return { allowed: false, why: 'malformed' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { allowed: false, why: 'malformed' };
  if (allowed.includes(url.origin)) return { allowed: true, why: 'configured' };
  if (host && url.host === normalizedHost(host, url.protocol)) return { allowed: true, why: 'same-origin' };
  return { allowed: false, why: 'other-origin' };
}

/** `Host` as URL would write it under the Origin's scheme (lower case, default port dropped); null when it is no host. */
function normalizedHost(host: string, protocol: string): string | null {
  try {
    const url = new URL(`${protocol}//${host}`);
    return url.pathname === '/' && !url.username && !url.password ? url.host : null;
  } catch {
    return null;
  }
}

/**
 * Parses `OUTPOST_ALLOWED_ORIGINS`: comma-separated origins such as
 * `https://outpost.clinic.example`. Throws on anything that is not a plain
 * http(s) origin, so a typo stops the server at start instead of silently
 * refusing every browser.
 */
export function parseAllowedOrigins(raw: string | undefined): string[] {
  if (!raw?.trim()) return [];
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      let url: URL;
      try {
        url = new URL(entry);
      } catch {
        throw new Error(`OUTPOST_ALLOWED_ORIGINS: "${entry}" is not an origin (e.g. https://outpost.clinic.example)`);
      }
      const plain = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
      if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !plain) {
        throw new Error(`OUTPOST_ALLOWED_ORIGINS: "${entry}" is not an origin (scheme://host[:port], no path)`);
      }
      return url.origin;
    });
}
