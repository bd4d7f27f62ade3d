/**
 * SMART system scopes, as far as Outpost serves them: reading and searching.
 *
 * - v2 syntax: `system/<Type|*>.<perms>` where perms are letters of `cruds`
 *   in that order (`system/*.rs`, `system/Patient.r`);
 * - v1 syntax: `system/<Type|*>.read` (read and search), `.write`, `.*`.
 *
 * Only `r` (read) and `s` (search) are ever granted: the API writes nothing
 * for clients. A grant is the intersection of what was asked and what the
 * client is registered for, e.g. asking `system/*.rs` with `system/Patient.rs`
 * allowed gives `system/Patient.rs`; asking `system/Observation.rs` with
 * `system/*.r` allowed gives `system/Observation.r`. Anything else in the
 * request (`launch`, `openid`, user/ or patient/ scopes) is not granted.
 */

export interface SystemScope {
  /** A resource type, or `*`. */
  type: string;
  read: boolean;
  search: boolean;
  /** Asked in v1 syntax: answered in v1 syntax when both read and search are granted. */
  v1: boolean;
}

const SCOPE_RE = /^system\/(\*|[A-Z][A-Za-z]+)\.(read|write|\*|c?r?u?d?s?)$/;

export function parseScope(raw: string): SystemScope | null {
  const m = SCOPE_RE.exec(raw);
  if (!m || m[2] === '') return null;
  const [, type, perms] = m;
  if (perms === 'read' || perms === '*') return { type, read: true, search: true, v1: true };
  if (perms === 'write') return { type, read: false, search: false, v1: true };
  return { type, read: perms.includes('r'), search: perms.includes('s'), v1: false };
}

export function formatScope(s: SystemScope): string {
  if (s.v1 && s.read && s.search) return `system/${s.type}.read`;
  return `system/${s.type}.${s.read ? 'r' : ''}${s.search ? 's' : ''}`;
}

/** True when every scope in the list is one this server understands (registration refuses others). */
export function allValid(scopes: readonly string[]): boolean {
  return scopes.length > 0 && scopes.every((s) => parseScope(s) !== null);
}

/** The scopes to grant: each requested scope narrowed by each allowed one, duplicates dropped, empty ones left out. */
export function grantScopes(requested: readonly string[], allowed: readonly string[]): string[] {
  const out = new Set<string>();
  const allow = allowed.map(parseScope).filter((s): s is SystemScope => s !== null);
  for (const raw of requested) {
    const want = parseScope(raw);
    if (!want) continue;
    for (const a of allow) {
      let type: string;
      if (want.type === '*') type = a.type;
      else if (a.type === '*' || a.type === want.type) type = want.type;
      else continue;
      const read = want.read && a.read;
      const search = want.search && a.search;
      if (!read && !search) continue;
      out.add(formatScope({ type, read, search, v1: want.v1 }));
    }
  }
  return [...out];
}

/** Whether granted scopes allow this interaction on this type. */
export function permits(granted: readonly string[], type: string, interaction: 'read' | 'search'): boolean {
  return granted.some((raw) => {
    const s = parseScope(raw);
    if (!s || (s.type !== '*' && s.type !== type)) return false;
    return interaction === 'read' ? s.read : s.search;
  });
}
