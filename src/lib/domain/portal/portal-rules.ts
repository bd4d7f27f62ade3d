/**
 * The rules of patient accounts, shared by the server (which enforces them)
 * and the app (which explains them). Pure: no IO.
 */

/** Who an account reads a record as: the patient, or someone acting for them. */
export const PORTAL_RELATIONS = ['self', 'proxy'] as const;
export type PortalRelation = (typeof PORTAL_RELATIONS)[number];

/** Who may act for a patient: a parent (of a child), a legal guardian, or a carer the patient named. */
export const PROXY_KINDS = ['parent', 'guardian', 'carer'] as const;
export type ProxyKind = (typeof PROXY_KINDS)[number];

/** An invitation works for this long after the clinic issues it (a week: time to get home, not time to leak). */
export const INVITATION_DAYS = 7;

/**
 * Wrong dates of birth an invitation takes before it is burnt; the patient
 * then asks the clinic for a new one. Five, as the join link's own limit is a
 * handful (telehealth/join-links.ts): enough for a typo, too few to guess
 * (a date of birth has about 36,500 values in a century).
 */
export const MAX_BIRTH_DATE_FAILURES = 5;

/**
 * Two openings of the record less than this apart are one visit: the
 * "new since your last visit" marker compares with the visit before this one,
 * so reloading the page does not clear it.
 */
export const VISIT_GAP_MS = 30 * 60_000;

/** The invitation link's path; the secret travels in the fragment, which browsers never send to a server or put in its logs. */
export const ACTIVATION_PATH = '/activate';

export function activationLink(origin: string, secret: string): string {
  return `${origin}${ACTIVATION_PATH}#${secret}`;
}

/** A YYYY-MM-DD calendar date that exists (2023-02-30 does not). */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/**
 * Whether the previous visit is over: the marker moves to this visit's
 * start only when the last opening is older than VISIT_GAP_MS.
 */
export function nextViewMarks(
  now: number,
  last: number | null,
  previous: number | null
): { last: number; previous: number | null } {
  if (last !== null && now - last < VISIT_GAP_MS) return { last: now, previous };
  return { last: now, previous: last };
}

/** The screens a patient account may be on (its record, and its own sign-in security); any other path sends it to /my. */
export function patientAreaPath(pathname: string): boolean {
  return pathname === '/my' || pathname.startsWith('/my/') || pathname === '/security' || pathname === '/quick-unlock';
}
