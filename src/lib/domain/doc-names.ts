import { hasClinicalRole, type Role } from './roles';

/**
 * Every shared document has a name `<kind>:<uuid>`. One document per unit of
 * access: the administrative record (`patient:`) is readable by the front
 * desk, the clinical record (`chart:`) only by clinical roles.
 */
export const DOC_KINDS = ['patient', 'chart'] as const;
export type DocKind = (typeof DOC_KINDS)[number];

export interface DocName {
  kind: DocKind;
  /** The patient's id (a lowercase UUID). */
  patientId: string;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}

/** Parses `patient:<uuid>` / `chart:<uuid>`; returns null for anything else. */
export function parseDocName(name: string): DocName | null {
  const i = name.indexOf(':');
  if (i < 0) return null;
  const kind = name.slice(0, i);
  const patientId = name.slice(i + 1);
  if (!(DOC_KINDS as readonly string[]).includes(kind) || !isUuid(patientId)) return null;
  return { kind: kind as DocKind, patientId };
}

export function docName(kind: DocKind, patientId: string): string {
  return `${kind}:${patientId}`;
}

export type DocAccess = 'write' | 'read' | 'none';

/**
 * What a user with these roles may do with a document of this kind, within
 * their own clinic (the clinic check is separate). Pure, so the server's
 * upgrade handler, the batch endpoint and the UI all agree.
 *
 * - `patient:` — front desk and clinical roles write; admin reads (support).
 * - `chart:`   — clinical roles only.
 */
export function docAccess(roles: readonly Role[], kind: DocKind): DocAccess {
  if (kind === 'patient') {
    if (roles.includes('frontdesk') || hasClinicalRole(roles)) return 'write';
    if (roles.includes('admin')) return 'read';
    return 'none';
  }
  return hasClinicalRole(roles) ? 'write' : 'none';
}
