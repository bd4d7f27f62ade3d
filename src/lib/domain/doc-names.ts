import { hasClinicalRole, type Role } from './roles';

/**
 * Every shared document has a name `<kind>:<uuid>`. One document per unit of
 * access: the administrative record (`patient:`) is readable by the front
 * desk, the clinical record (`chart:`) only by clinical roles, and the
 * clinic's appointment book (`schedule:<clinicId>`) by the front desk and
 * clinical staff of that clinic, the clinic's own visit templates
 * (`templates:<clinicId>`) by its clinical staff and administrators.
 * The part of a chart a patient asked to restrict (mental-health or HIV
 * notes and problems) is kept in `restricted:<patientId>`, which the server
 * opens only to the care-team members the restriction names and to
 * emergency access (server/access/).
 */
export const DOC_KINDS = ['patient', 'chart', 'schedule', 'templates', 'restricted', 'fees', 'registries', 'tasks', 'messages'] as const;
export type DocKind = (typeof DOC_KINDS)[number];

/** Kinds that belong to a clinic (named by the clinic's id), not to one patient. */
export type ClinicDocKind = 'schedule' | 'templates' | 'fees' | 'registries' | 'tasks';

const CLINIC_DOC_KINDS: readonly string[] = ['schedule', 'templates', 'fees', 'registries', 'tasks'] satisfies ClinicDocKind[];

/** The kinds that belong to one patient (named by the patient's id). */
export type PatientDocKind = Exclude<DocKind, ClinicDocKind>;

export function isClinicDocKind(kind: DocKind): kind is ClinicDocKind {
  return CLINIC_DOC_KINDS.includes(kind);
}

export type DocName =
  | {
      kind: PatientDocKind;
      /** The patient's id (a lowercase UUID). */
      patientId: string;
    }
  | {
      kind: ClinicDocKind;
      /** The clinic whose appointments (or templates) it holds: the name itself binds the document to that clinic. */
      clinicId: string;
      /**
       * A `schedule:` document named with a month (`schedule:<clinicId>:<YYYY-MM>`)
       * holds only the appointments that start in that month (UTC); without
       * one it is the book's settings (time zone, providers, hours, types).
       */
      month?: string;
    };

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}

/** A calendar month `YYYY-MM` (years 2000–2199, months 01–12). */
const MONTH_RE = /^(20|21)\d\d-(0[1-9]|1[0-2])$/;

export function isMonth(value: unknown): value is string {
  return typeof value === 'string' && MONTH_RE.test(value);
}

/**
 * Parses `patient:<uuid>` / `chart:<uuid>` / `restricted:<uuid>` / `schedule:<uuid>` /
 * `schedule:<uuid>:<YYYY-MM>` / `templates:<uuid>` …; returns null for anything else.
 */
export function parseDocName(name: string): DocName | null {
  const i = name.indexOf(':');
  if (i < 0) return null;
  const kind = name.slice(0, i);
  let id = name.slice(i + 1);
  if (kind === 'schedule' && id.length > 36) {
    const month = id.slice(37);
    id = id.slice(0, 36);
    if (name[i + 37] !== ':' || !isMonth(month) || !isUuid(id)) return null;
    return { kind: 'schedule', clinicId: id, month };
  }
  if (!(DOC_KINDS as readonly string[]).includes(kind) || !isUuid(id)) return null;
  if (CLINIC_DOC_KINDS.includes(kind)) return { kind: kind as ClinicDocKind, clinicId: id };
  return { kind: kind as PatientDocKind, patientId: id };
}

export function docName(kind: PatientDocKind, patientId: string): string {
  return `${kind}:${patientId}`;
}

/** The name of a clinic's appointment book settings (time zone, providers, hours, appointment types). */
export function scheduleName(clinicId: string): string {
  return `schedule:${clinicId}`;
}

/** The name of the document holding a clinic's appointments that start in `month` (`YYYY-MM`, UTC). */
export function scheduleMonthName(clinicId: string, month: string): string {
  if (!isMonth(month)) throw new Error(`Not a month: ${month}`);
  return `schedule:${clinicId}:${month}`;
}

/** The month document an appointment belongs to: the UTC month of its start, so every device and the server agree without knowing the clinic's time zone. */
export function monthOfStart(start: string | number): string {
  const t = typeof start === 'number' ? start : Date.parse(start);
  if (Number.isNaN(t)) throw new Error('Not a time');
  return new Date(t).toISOString().slice(0, 7);
}

/** `month` moved by `delta` months (`2026-12` + 1 = `2027-01`). */
export function addMonths(month: string, delta: number): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7)) - 1 + delta;
  const year = y + Math.floor(m / 12);
  const mm = ((m % 12) + 12) % 12;
  return `${year}-${String(mm + 1).padStart(2, '0')}`;
}

/** Every month from the one holding `from` to the one holding `to` (inclusive; UTC ISO or epoch ms), in order; empty when `to` is before `from`. */
export function monthsBetween(from: string | number, to: string | number): string[] {
  const first = monthOfStart(from);
  const last = monthOfStart(to);
  const out: string[] = [];
  for (let m = first; m <= last; m = addMonths(m, 1)) out.push(m);
  return out;
}

/** How many months a staff device keeps: the previous month through the next three. Older and further months are fetched when someone goes there, online. */
export const DEVICE_MONTHS = { before: 1, after: 3 } as const;

/** The months a staff device keeps on hand at `now`. */
export function deviceMonths(now: number = Date.now()): string[] {
  const here = monthOfStart(now);
  const out: string[] = [];
  for (let d = -DEVICE_MONTHS.before; d <= DEVICE_MONTHS.after; d++) out.push(addMonths(here, d));
  return out;
}

/** The name of a clinic's own registry definitions. */
export function registriesName(clinicId: string): string {
  return `registries:${clinicId}`;
}

/** The name of a patient's secure messages with the care team. */
export function messagesName(patientId: string): string {
  return `messages:${patientId}`;
}

/** The name of a clinic's task list. */
export function tasksName(clinicId: string): string {
  return `tasks:${clinicId}`;
}

/** The name of a clinic's own visit templates. */
export function templatesName(clinicId: string): string {
  return `templates:${clinicId}`;
}

/** The name of a clinic's fee schedule (billing). */
export function feesName(clinicId: string): string {
  return `fees:${clinicId}`;
}

/**
 * The clinic a document belongs to by its name alone, or null when only the
 * server's records can say (patient documents are bound to the clinic that
 * first wrote them). A `schedule:` name answers for itself, so another
 * clinic cannot claim it even before its first write.
 */
export function clinicOfName(parsed: DocName): string | null {
  // A month of the book (`schedule:<clinicId>:<YYYY-MM>`) belongs to the clinic its name carries, like the book itself.
  return 'clinicId' in parsed ? parsed.clinicId : null;
}

export type DocAccess = 'write' | 'read' | 'none';

/**
 * What a user with these roles may do with a document of this kind, within
 * their own clinic (the clinic check is separate). Pure, so the server's
 * upgrade handler, the batch endpoint and the UI all agree.
 *
 * - `patient:`  — front desk and clinical roles write; admin reads (support).
 * - `chart:`    — clinical roles only.
 * - `restricted:` — clinical roles only, and among them only those the
 *   patient's restriction names or who broke the glass (checked by the
 *   server beside this, server/access/access-gate.ts).
 * - `schedule:` — front desk and clinical roles write (clinicians move their
 *   own appointments too); admin reads. It holds which patient comes when,
 *   no clinical content.
 * - Any kind — an account holding the `patient` role: none, whatever else it holds.
 * - `templates:` — clinicians and administrators write (they define how the
 *   clinic's notes start); nurses read (they use them in visits); the front
 *   desk has no use for them.
 * - `registries:` — the clinic's own registry definitions (rules, no
 *   patient data): clinicians and administrators write, nurses read.
 * - `tasks:` — the clinic's tasks: the front desk and clinical roles write
 *   (the desk books the follow-ups tasks ask for); administrators read.
 * - `messages:` — a patient's secure messages with the care team: the front
 *   desk and clinical roles write (they answer; the write policy lets them
 *   add only their own replies, server/policy/rules/messages.ts);
 *   administrators none (what patients write is not theirs to read). The
 *   patient reads and writes them through the portal routes only.
 */
export function docAccess(roles: readonly Role[], kind: DocKind): DocAccess {
  // A patient account never opens a shared document raw, its own included:
  // it reads the server-made view (server/portal/patient-view.ts).
  if (roles.includes('patient')) return 'none';
  // `fees:` — the clinic's prices: administrators set them; the desk and clinical staff read them to charge.
  if (kind === 'fees') {
    if (roles.includes('admin')) return 'write';
    return roles.includes('frontdesk') || hasClinicalRole(roles) ? 'read' : 'none';
  }
  // Same audiences as the templates and the appointment book.
  if (kind === 'registries') return docAccess(roles, 'templates');
  if (kind === 'tasks') return docAccess(roles, 'schedule');
  if (kind === 'messages') return roles.includes('frontdesk') || hasClinicalRole(roles) ? 'write' : 'none';
  if (kind === 'templates') {
    if (roles.includes('clinician') || roles.includes('admin')) return 'write';
    return roles.includes('nurse') ? 'read' : 'none';
  }
  if (kind === 'patient' || kind === 'schedule') {
    if (roles.includes('frontdesk') || hasClinicalRole(roles)) return 'write';
    if (roles.includes('admin')) return 'read';
    return 'none';
  }
  return hasClinicalRole(roles) ? 'write' : 'none';
}
