import { z } from 'zod';
import { AppError } from './errors';
import type { Role } from './roles';
import type { Observation, Report } from './clinical';
import { POINT_OF_CARE_TESTS, POPULATIONS } from './point-of-care';

/**
 * Laboratory and imaging orders (CPOE), shaped as FHIR R4 ServiceRequest:
 * a LOINC-coded test from a compact built-in catalogue, a category, a
 * priority, a reason and a status that moves only along the transitions
 * below. Results that arrive later (an Observation or DiagnosticReport) are
 * linked to their order by `basedOn` when the sender says so, otherwise by
 * the test's code.
 */

export const LOINC_SYSTEM = 'http://loinc.org';

export const ORDER_CATEGORIES = ['laboratory', 'imaging'] as const;
export type OrderCategory = (typeof ORDER_CATEGORIES)[number];

/** FHIR ServiceRequest.priority. */
export const ORDER_PRIORITIES = ['routine', 'urgent', 'asap', 'stat'] as const;
export type OrderPriority = (typeof ORDER_PRIORITIES)[number];

/** The FHIR ServiceRequest.status values an order made here moves through. */
export const ORDER_STATUSES = ['draft', 'active', 'completed', 'revoked', 'entered-in-error'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderableTest {
  /** LOINC code of the order (for panels, the panel code). */
  code: string;
  display: string;
  /** The short name people use ("CBC", "HbA1c"), which search also matches. */
  short: string;
  category: OrderCategory;
  /** Other LOINC codes whose result answers this order (the same test by another method). */
  alsoAnsweredBy?: readonly string[];
}

/**
 * Common primary-care orders. Codes and long names are LOINC's (LOINC is
 * copyright Regenstrief Institute, used under the LOINC licence); the panel
 * codes are the ones Synthea and most US laboratories report under.
 * Not a full compendium: anything else is ordered through the laboratory's
 * own requisition.
 */
export const ORDER_CATALOGUE: readonly OrderableTest[] = [
  { code: '58410-2', display: 'CBC panel - Blood by Automated count', short: 'CBC', category: 'laboratory', alsoAnsweredBy: ['57021-8'] },
  { code: '51990-0', display: 'Basic metabolic panel - Blood', short: 'BMP', category: 'laboratory', alsoAnsweredBy: ['24321-2'] },
  { code: '24323-8', display: 'Comprehensive metabolic 2000 panel - Serum or Plasma', short: 'CMP', category: 'laboratory' },
  { code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', short: 'HbA1c', category: 'laboratory', alsoAnsweredBy: ['17856-6'] },
  { code: '57698-3', display: 'Lipid panel with direct LDL - Serum or Plasma', short: 'Lipid panel', category: 'laboratory', alsoAnsweredBy: ['24331-1'] },
  { code: '3016-3', display: 'Thyrotropin [Units/volume] in Serum or Plasma', short: 'TSH', category: 'laboratory' },
  { code: '24356-8', display: 'Urinalysis complete panel - Urine', short: 'Urinalysis', category: 'laboratory' },
  { code: '24325-3', display: 'Hepatic function panel - Serum or Plasma', short: 'Liver panel', category: 'laboratory' },
  { code: '9318-7', display: 'Albumin/Creatinine [Mass Ratio] in Urine', short: 'Urine albumin/creatinine', category: 'laboratory' },
  { code: '2857-1', display: 'Prostate specific Ag [Mass/volume] in Serum or Plasma', short: 'PSA', category: 'laboratory' },
  { code: '57905-2', display: 'Hemoglobin.gastrointestinal [Presence] in Stool by Immunologic method', short: 'FIT', category: 'laboratory', alsoAnsweredBy: ['29771-3'] },
  { code: '36643-5', display: 'XR Chest 2 Views', short: 'Chest X-ray', category: 'imaging' },
  { code: '24606-6', display: 'MG Breast Screening', short: 'Screening mammogram', category: 'imaging' },
  // Point-of-care tests, INR and PT, with how their results are entered and flagged: see point-of-care.ts.
  ...POINT_OF_CARE_TESTS.map(({ code, display, short, category, alsoAnsweredBy }) => ({ code, display, short, category, alsoAnsweredBy }))
];

export function orderableByCode(code: string): OrderableTest | undefined {
  return ORDER_CATALOGUE.find((t) => t.code === code);
}

/** Catalogue entries whose short name, long name or code contain every word typed. */
export function searchOrderables(query: string, category?: OrderCategory): OrderableTest[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return ORDER_CATALOGUE.filter(
    (t) => (!category || t.category === category) && words.every((w) => `${t.short} ${t.display} ${t.code}`.toLowerCase().includes(w))
  );
}

// ── State machine ───────────────────────────────────────────────────────

/**
 * Allowed moves of an order's status (FHIR request-status semantics): a
 * draft is signed (active) or withdrawn (revoked); an active order is
 * fulfilled (completed) or cancelled (revoked); anything but an error may be
 * marked entered-in-error. Nothing returns to draft or active, so a signed
 * order is never silently un-signed and a cancelled one never revived.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  draft: ['active', 'revoked', 'entered-in-error'],
  active: ['completed', 'revoked', 'entered-in-error'],
  completed: ['entered-in-error'],
  revoked: ['entered-in-error'],
  'entered-in-error': []
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

/** Throws AppError('conflict') for a move the state machine forbids. */
export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) throw new AppError('conflict', `An order that is ${from} cannot become ${to}`);
}

/**
 * Who may do what: clinicians sign (activate) orders; nurses may draft,
 * withdraw a draft, and record that an order was fulfilled. Marking an
 * order entered-in-error is open to both, since either may have made it.
 */
export function mayMoveOrder(roles: readonly Role[], from: OrderStatus, to: OrderStatus): boolean {
  if (roles.includes('clinician')) return true;
  if (!roles.includes('nurse')) return false;
  if (to === 'active') return false;
  if (to === 'revoked') return from === 'draft';
  return true;
}

export function mayPlaceOrder(roles: readonly Role[]): 'sign' | 'draft' | 'none' {
  if (roles.includes('clinician')) return 'sign';
  if (roles.includes('nurse')) return 'draft';
  return 'none';
}

// ── The order as input and as stored ────────────────────────────────────

export const orderInputSchema = z.object({
  code: z.string().refine((c) => !!orderableByCode(c), 'Choose a test from the list'),
  priority: z.enum(ORDER_PRIORITIES).default('routine'),
  reason: z.string().trim().max(300, 'Keep the reason under 300 characters').default(''),
  note: z.string().trim().max(1000).default('')
});
export type OrderInput = z.input<typeof orderInputSchema>;

/** Limits on a test ordered by name because the catalogue lacks it. */
export const FREE_TEXT_LIMITS = { text: 200, code: 40, resultText: 1000, unit: 30, lot: 60 } as const;

/**
 * A test not in the catalogue: its name as written, a code if the clinician
 * knows one (not checked), and a category. Stored marked `notInCatalogue`,
 * and its result is never range-checked.
 */
export const freeTextOrderSchema = z.object({
  text: z
    .string()
    .trim()
    .min(1, 'Write the name of the test')
    .max(FREE_TEXT_LIMITS.text, `Keep the test name under ${FREE_TEXT_LIMITS.text} characters`),
  code: z.string().trim().max(FREE_TEXT_LIMITS.code, `Keep the code under ${FREE_TEXT_LIMITS.code} characters`).default(''),
  category: z.enum(ORDER_CATEGORIES, { message: 'Choose laboratory or imaging' }),
  priority: z.enum(ORDER_PRIORITIES).default('routine'),
  reason: z.string().trim().max(300, 'Keep the reason under 300 characters').default('')
});
export type FreeTextOrderInput = z.input<typeof freeTextOrderSchema>;

/** The result of a test not in the catalogue: free text, or a number with a unit; never flagged. */
export const freeTextResultSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('text'),
    text: z.string().trim().min(1, 'Write the result').max(FREE_TEXT_LIMITS.resultText, `Keep the result under ${FREE_TEXT_LIMITS.resultText} characters`)
  }),
  z.object({
    kind: z.literal('quantity'),
    value: z.number({ message: 'The value is a number' }).finite('The value is a number'),
    unit: z.string().trim().max(FREE_TEXT_LIMITS.unit, `Keep the unit under ${FREE_TEXT_LIMITS.unit} characters`).default('')
  })
]);
export type FreeTextResultInput = z.input<typeof freeTextResultSchema>;

/**
 * A point-of-care test done now: the order and its result in one step. For
 * a panel (urine dipstick) `answers` holds one answer per component code;
 * otherwise `value` is the number read or `answer` the qualitative answer.
 */
export const pointOfCareInputSchema = z.object({
  code: z.string(),
  value: z.number().finite().optional(),
  answer: z.string().optional(),
  answers: z.record(z.string(), z.string()).optional(),
  /** Whose range applies, for a test whose range differs by sex or pregnancy. */
  population: z.enum(POPULATIONS).optional(),
  kitLotNumber: z.string().trim().max(FREE_TEXT_LIMITS.lot, `Keep the lot number under ${FREE_TEXT_LIMITS.lot} characters`).default(''),
  reason: z.string().trim().max(300, 'Keep the reason under 300 characters').default('')
});
export type PointOfCareInput = z.input<typeof pointOfCareInputSchema>;

const conceptSchema = z.object({ text: z.string(), coding: z.array(z.object({ system: z.string().optional(), code: z.string().optional(), display: z.string().optional() })).optional() });

/** An order as read back from the chart; unreadable fields fall back rather than hide the order. */
export const orderRecordSchema = z.object({
  status: z.enum(ORDER_STATUSES).catch('draft'),
  intent: z.string().catch('order'),
  category: z.enum(ORDER_CATEGORIES).catch('laboratory'),
  code: conceptSchema,
  priority: z.enum(ORDER_PRIORITIES).catch('routine'),
  reasonText: z.string().catch(''),
  note: z.string().catch(''),
  authoredOn: z.string().catch(''),
  requester: z.object({ reference: z.string(), display: z.string() }).optional().catch(undefined),
  statusReason: z.string().optional().catch(undefined),
  statusChangedAt: z.string().optional().catch(undefined),
  statusChangedBy: z.string().optional().catch(undefined),
  /** Set when a result marked the order completed without a person doing it. */
  completedByResult: z.string().optional().catch(undefined),
  /** A test ordered by name: not in the catalogue, its result not range-checked. */
  notInCatalogue: z.boolean().optional().catch(undefined),
  /** Done on the spot: ordered and resulted in one step. */
  pointOfCare: z.boolean().optional().catch(undefined)
});
export type OrderRecord = z.infer<typeof orderRecordSchema> & {
  id: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
};

// ── Results that answer an order ────────────────────────────────────────

export interface OrderResult {
  kind: 'observation' | 'report';
  id: string;
  title: string;
  at: string;
  /** True when the result names the order in `basedOn`; false when matched by code only. */
  linked: boolean;
  final: boolean;
}

const FINAL = ['final', 'amended', 'corrected', 'appended'];
const codesOf = (c: { coding?: { code?: string; system?: string }[] }) => (c.coding ?? []).map((x) => x.code ?? '').filter(Boolean);

function answers(order: OrderRecord, codes: string[]): boolean {
  const own = codesOf(order.code);
  const test = own.map(orderableByCode).find(Boolean);
  const accepted = new Set([...own, ...(test?.alsoAnsweredBy ?? [])]);
  return codes.some((c) => accepted.has(c));
}

/**
 * The results that answer an order: those naming it in `basedOn`, and those
 * of the same test taken on or after the order was placed (a lab result
 * that came without the order's id). Entered-in-error and cancelled results
 * never count. Newest first.
 */
export function resultsForOrder(
  order: OrderRecord,
  observations: readonly (Observation & { basedOn?: string[] })[],
  reports: readonly (Report & { basedOn?: string[] })[]
): OrderResult[] {
  const since = order.authoredOn || order.createdAt;
  const out: OrderResult[] = [];
  const consider = (kind: OrderResult['kind'], r: { id: string; status: string; code: { text: string; coding?: { code?: string }[] }; effectiveDateTime: string; issued?: string; createdAt: string; basedOn?: string[] }) => {
    if (r.status === 'entered-in-error' || r.status === 'cancelled') return;
    const linked = (r.basedOn ?? []).includes(order.id);
    const at = r.effectiveDateTime || r.issued || r.createdAt;
    if (!linked && !(answers(order, codesOf(r.code)) && at >= since.slice(0, at.length))) return;
    out.push({ kind, id: r.id, title: r.code.text, at, linked, final: FINAL.includes(r.status) });
  };
  for (const r of reports) consider('report', r);
  // An observation reported inside a linked report is shown through the report.
  const inReports = new Set(out.flatMap((x) => reports.find((r) => r.id === x.id)?.result ?? []));
  for (const o of observations) if (!inReports.has(o.id)) consider('observation', o);
  return out.sort((a, b) => b.at.localeCompare(a.at));
}

/**
 * Whether a result completes the order without anyone acting: only a final
 * result that names the order in `basedOn` does. A result matched by code
 * alone is offered to the clinician, who completes the order.
 */
export function autoCompletingResult(order: OrderRecord, results: readonly OrderResult[]): OrderResult | undefined {
  if (order.status !== 'active') return undefined;
  return results.find((r) => r.linked && r.final);
}

export const ORDER_STATUS_LABEL: Record<OrderStatus, string> = {
  draft: 'Draft (awaiting signature)',
  active: 'Active',
  completed: 'Completed',
  revoked: 'Cancelled',
  'entered-in-error': 'Entered in error'
};
