import { z } from 'zod';
import type { Role } from './roles';

/**
 * The clinic's money at the front desk: a patient's ledger of charges,
 * payments and reversals, and the sums read from it (balance, the day's
 * cash report). Pure, so the app, the server's write policy and the tests
 * share one set of rules.
 *
 * - Amounts are integer minor units of the clinic's currency (cents,
 *   shillings): no floating point ever holds money.
 * - An entry is never edited or deleted. A mistake is undone by a
 *   `reversal` entry that names the entry it undoes and why; a reversal is
 *   itself final (a wrong reversal is fixed by charging or taking the
 *   payment again).
 * - Two desks taking payments offline each add their own entries under
 *   fresh ids, so both count after sync: sums are read from all entries,
 *   never kept as a running total that two writers could overwrite.
 */

export const LEDGER_KINDS = ['charge', 'payment', 'reversal'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

export const PAYMENT_METHODS = ['cash', 'card', 'mobile-money'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** Who may take a payment (or reverse one): the people who hold the cash drawer. */
export const PAYMENT_ROLES: readonly Role[] = ['frontdesk'];
/** Who may put a charge on a bill (or reverse one): the desk and the clinicians who did the work. */
export const CHARGE_ROLES: readonly Role[] = ['frontdesk', 'clinician', 'nurse'];

/** Far above any clinic bill (ten billion major units at two decimals), far below 2^53. */
export const MAX_AMOUNT = 1_000_000_000_000;

export const BILLING_LIMITS = { reason: 200, reference: 60, serviceName: 80, serviceCode: 20 } as const;

export interface LedgerEntry {
  id: string;
  kind: LedgerKind;
  /** Minor units, always positive; the kind says which way it counts. */
  amount: number;
  currency: string;
  /** The clinic whose desk recorded it. */
  clinicId: string;
  /** The bill (one visit) a charge belongs to. */
  superbillId?: string;
  serviceCode?: string;
  serviceName?: string;
  method?: PaymentMethod;
  /** The mobile-money transaction code or card slip number. */
  reference?: string;
  /** The entry a reversal undoes. */
  reverses?: string;
  reason?: string;
  createdAt: string;
  createdBy: string;
  createdById: string;
}

export function canTakePayments(roles: readonly Role[]): boolean {
  return roles.some((r) => PAYMENT_ROLES.includes(r));
}

export function canCharge(roles: readonly Role[]): boolean {
  return roles.some((r) => CHARGE_ROLES.includes(r));
}

export function isMinorAmount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 && v <= MAX_AMOUNT;
}

/** ISO 4217 code the platform can format; the minor digits come from it. */
export function isCurrency(v: unknown): v is string {
  if (typeof v !== 'string' || !/^[A-Z]{3}$/.test(v)) return false;
  try {
    new Intl.NumberFormat('en', { style: 'currency', currency: v });
    return true;
  } catch {
    return false;
  }
}

/** Digits after the decimal point in this currency (2 for USD, 0 for UGX, 3 for KWD), per ISO 4217 as the platform knows it. */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/**
 * Reads an amount typed at the desk ("150", "12.5", "12,50", "1 200.00")
 * into minor units, by string arithmetic (no float ever holds it). A point
 * or a comma is the decimal mark (desks write either); grouping commas are
 * not read, because "1,200" is twelve hundred at one desk and one point two
 * at the next: such an amount is refused rather than guessed. Null when it
 * is not a positive amount with at most the currency's decimals.
 */
export function parseAmount(text: string, currency: string): number | null {
  const digits = minorDigits(currency);
  const t = text.replace(/\s/g, '');
  const m = /^(\d{1,13})(?:[.,](\d*))?$/.exec(t);
  if (!m) return null;
  const frac = m[2] ?? '';
  if (frac.length > digits) return null;
  const minor = Number(m[1] + frac.padEnd(digits, '0'));
  return isMinorAmount(minor) ? minor : null;
}

/** Minor units as the locale writes this currency ("KES 1,250.00", "1 250,00 KES"). */
export function formatAmount(minor: number, currency: string, locale = 'en'): string {
  const digits = minorDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  // Whole and fractional parts apart, so formatting never divides money by a float.
  const whole = Math.floor(abs / 10 ** digits);
  const frac = String(abs % 10 ** digits).padStart(digits, '0');
  const f = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits });
  const parts = f.formatToParts(whole);
  return (
    sign +
    parts
      .map((p) => (p.type === 'fraction' ? frac : p.value))
      .join('')
  );
}

/** Why an entry may not join this ledger (empty when it may): one list for the app's form and the server's write policy. */
export function ledgerProblems(entry: Partial<Record<keyof LedgerEntry, unknown>>, existing: ReadonlyMap<string, LedgerEntry>): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  const add = (field: string, message: string) => out.push({ field, message });
  if (!(LEDGER_KINDS as readonly unknown[]).includes(entry.kind)) add('kind', 'A money entry is a charge, a payment or a reversal');
  if (!isMinorAmount(entry.amount)) add('amount', 'An amount is a positive whole number of minor units (no decimals, not negative)');
  if (!isCurrency(entry.currency)) add('currency', 'An amount names its currency (ISO 4217)');
  const text = (f: 'reason' | 'reference' | 'serviceName' | 'serviceCode', required: boolean, what: string) => {
    const v = entry[f];
    if (v === undefined && !required) return;
    if (typeof v !== 'string' || (required && v.trim() === '')) add(f, `${what} is required`);
    else if (v.length > BILLING_LIMITS[f]) add(f, `${what} holds at most ${BILLING_LIMITS[f]} characters`);
  };
  if (entry.kind === 'charge') {
    if (typeof entry.superbillId !== 'string' || entry.superbillId === '') add('superbillId', 'A charge belongs to a visit bill');
    text('serviceCode', true, 'The service code');
    text('serviceName', true, 'The service name');
  }
  if (entry.kind === 'payment') {
    if (!(PAYMENT_METHODS as readonly unknown[]).includes(entry.method)) add('method', 'A payment is by cash, card or mobile money');
    text('reference', entry.method === 'mobile-money', 'The mobile-money transaction reference');
  }
  if (entry.kind === 'reversal') {
    text('reason', true, 'The reason for a reversal');
    const original = typeof entry.reverses === 'string' ? existing.get(entry.reverses) : undefined;
    if (!original) add('reverses', 'A reversal names an entry of this account');
    else if (original.kind === 'reversal') add('reverses', 'A reversal is final: record the charge or payment again instead');
    else {
      if (entry.amount !== original.amount || entry.currency !== original.currency) add('amount', 'A reversal undoes the whole amount of the entry it names');
    }
  }
  return out;
}

/**
 * The reversal that counts for each reversed entry: the first recorded
 * (by time, then id). Two desks offline may both reverse one payment; the
 * server keeps both (refusing the second would wedge an honest device),
 * and the sums count one.
 */
export function effectiveReversals(entries: readonly LedgerEntry[]): Map<string, LedgerEntry> {
  const out = new Map<string, LedgerEntry>();
  for (const e of entries) {
    if (e.kind !== 'reversal' || !e.reverses) continue;
    const first = out.get(e.reverses);
    if (!first || e.createdAt < first.createdAt || (e.createdAt === first.createdAt && e.id < first.id)) out.set(e.reverses, e);
  }
  return out;
}

/** Ids of entries undone by a reversal. */
export function reversedIds(entries: readonly LedgerEntry[]): Set<string> {
  return new Set(entries.filter((e) => e.kind === 'reversal' && e.reverses).map((e) => e.reverses as string));
}

export interface Balance {
  /** Charges not reversed. */
  charged: number;
  /** Payments not reversed. */
  paid: number;
  /** What the patient owes (negative: the clinic owes the patient). */
  due: number;
}

/**
 * A patient's balance (optionally one bill's): charges minus payments,
 * leaving out every entry a reversal undid. Two reversals of one entry (two
 * desks offline) still undo it once.
 */
export function balanceOf(entries: readonly LedgerEntry[], superbillId?: string): Balance {
  const undone = reversedIds(entries);
  let charged = 0;
  let paid = 0;
  for (const e of entries) {
    if (undone.has(e.id)) continue;
    if (e.kind === 'charge' && (superbillId === undefined || e.superbillId === superbillId)) charged += e.amount;
    if (e.kind === 'payment' && superbillId === undefined) paid += e.amount;
  }
  return { charged, paid, due: charged - paid };
}

export interface CashReportLine {
  key: string;
  /** Payments taken (before reversals). */
  taken: number;
  /** Reversals of payments recorded in the period. */
  reversed: number;
  /** taken − reversed: what the drawer should hold. */
  net: number;
  count: number;
}

export interface CashReport {
  byMethod: CashReportLine[];
  byUser: CashReportLine[];
  total: CashReportLine;
}

/**
 * The front desk's daily cash report: payments taken in [from, to) (ISO
 * instants), per method and per person, less the reversals of payments
 * recorded in the same period (counted against the method of the payment
 * they undo and the person who reversed it — who handed the money back).
 * Charges are not cash and are left out.
 */
export function cashReport(entries: readonly LedgerEntry[], from: string, to: string): CashReport {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const counted = new Set([...effectiveReversals(entries).values()].map((r) => r.id));
  const inPeriod = (e: LedgerEntry) => Date.parse(e.createdAt) >= Date.parse(from) && Date.parse(e.createdAt) < Date.parse(to);
  const methods = new Map<string, CashReportLine>();
  const users = new Map<string, CashReportLine>();
  const total: CashReportLine = { key: 'total', taken: 0, reversed: 0, net: 0, count: 0 };
  const line = (m: Map<string, CashReportLine>, key: string) => {
    let l = m.get(key);
    if (!l) m.set(key, (l = { key, taken: 0, reversed: 0, net: 0, count: 0 }));
    return l;
  };
  for (const e of entries) {
    if (!inPeriod(e) || (e.kind === 'reversal' && !counted.has(e.id))) continue;
    const original = e.kind === 'reversal' && e.reverses ? byId.get(e.reverses) : undefined;
    const payment = e.kind === 'payment' ? e : original?.kind === 'payment' ? original : undefined;
    if (!payment?.method) continue;
    for (const l of [line(methods, payment.method), line(users, e.createdBy), total]) {
      if (e.kind === 'payment') {
        l.taken += e.amount;
        l.count += 1;
      } else l.reversed += e.amount;
      l.net = l.taken - l.reversed;
    }
  }
  const order = (a: CashReportLine, b: CashReportLine) => a.key.localeCompare(b.key);
  return {
    byMethod: PAYMENT_METHODS.filter((m) => methods.has(m)).map((m) => methods.get(m)!),
    byUser: [...users.values()].sort(order),
    total
  };
}

/** Start and end (ISO instants) of a calendar day `YYYY-MM-DD` in the device's time zone. */
export function localDayBounds(day: string): { from: string; to: string } {
  const [y, mo, d] = day.split('-').map(Number);
  return { from: new Date(y, mo - 1, d).toISOString(), to: new Date(y, mo - 1, d + 1).toISOString() };
}

// ---- The fee schedule ------------------------------------------------------

export const FEE_STATUSES = ['active', 'retired'] as const;
export type FeeStatus = (typeof FEE_STATUSES)[number];

/**
 * A service code: a HCPCS Level II code where one applies (a letter A–V and
 * four digits, e.g. G0008 "administration of influenza virus vaccine";
 * CMS HCPCS Level II code set, https://www.cms.gov/medicare/coding-billing/healthcare-common-procedure-system)
 * or the clinic's own code (letters, digits, dot or dash, up to 20).
 */
export const HCPCS_LEVEL_II = /^[A-V][0-9]{4}$/;
export const SERVICE_CODE = /^[A-Za-z0-9][A-Za-z0-9.-]{0,19}$/;

export function isHcpcsLevelII(code: string): boolean {
  return HCPCS_LEVEL_II.test(code);
}

export const feeServiceInputSchema = z.object({
  code: z.string().trim().regex(SERVICE_CODE, 'A code is letters and digits (a HCPCS Level II code such as G0008, or the clinic’s own), up to 20'),
  name: z.string().trim().min(1, 'A service has a name').max(BILLING_LIMITS.serviceName, `A name holds at most ${BILLING_LIMITS.serviceName} characters`),
  price: z.number().int('A price is a whole number of minor units').min(0, 'A price is not negative').max(MAX_AMOUNT)
});
export type FeeServiceInput = z.infer<typeof feeServiceInputSchema>;

export interface FeeService extends FeeServiceInput {
  id: string;
  status: FeeStatus;
}

// ---- Bills (superbills) ----------------------------------------------------

export interface Diagnosis {
  /** ICD-10-CM code. */
  code: string;
  display: string;
}

/** One visit's bill: the visit's diagnoses and, through the ledger, its charges. */
export interface Superbill {
  id: string;
  /** The encounter (visit) in the chart it bills, when known. */
  encounterId: string;
  /** The visit's date, YYYY-MM-DD. */
  visitDate: string;
  diagnoses: Diagnosis[];
  createdAt: string;
  createdBy: string;
}

export const diagnosisSchema = z.object({ code: z.string().regex(/^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$/), display: z.string().max(250) });

/**
 * The coded diagnoses of a visit's assessment: the visit workspace writes
 * each as a line "<title> (ICD-10-CM <code>)" (encounter.service.ts
 * `addDiagnosis`). In order, each code once.
 */
export function diagnosesFromAssessment(text: string): Diagnosis[] {
  const out: Diagnosis[] = [];
  for (const line of text.split('\n')) {
    const m = /^(.*?)\s*\(ICD-10-CM ([A-Z0-9.]+)\)\s*$/.exec(line.trim());
    if (m && diagnosisSchema.safeParse({ code: m[2], display: m[1] }).success && !out.some((d) => d.code === m[2])) out.push({ code: m[2], display: m[1] });
  }
  return out;
}
