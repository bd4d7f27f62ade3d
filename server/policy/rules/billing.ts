import {
  canCharge,
  canTakePayments,
  diagnosisSchema,
  FEE_STATUSES,
  isCurrency,
  ledgerProblems,
  MAX_AMOUNT,
  SERVICE_CODE,
  BILLING_LIMITS,
  type LedgerEntry
} from '../../../src/lib/domain/billing';
import { hasClinicalRole } from '../../../src/lib/domain/roles';
import { listLedger } from '../../../src/lib/chart/billing-doc';
import type { RuleInput, RuleOutput, Violation } from '../policy-types';
import { locate, valueOf } from '../node-values';
import { plain } from '../yjs-view';

/**
 * The clinic's money (domain/billing.ts), held by the server whatever a
 * client sends:
 *
 * - `fees.role` (refuse): only an administrator of the clinic changes its
 *   fee schedule and currency (`fees:<clinicId>`); the desk and clinical
 *   staff only read it (doc-names.ts `docAccess`), this is the backstop.
 * - `fees.entry` (refuse): a service has a code (HCPCS Level II or the
 *   clinic's own), a name, a whole non-negative price in minor units and a
 *   status; the currency is an ISO 4217 code.
 * - `billing.append-only` (refuse): a money entry (`ledger` in the
 *   patient's document) is never changed or deleted once written; a
 *   mistake is reversed by a new entry with a reason.
 * - `billing.entry` (refuse): amounts are positive integers of minor units;
 *   a payment names its method (mobile money its reference); a reversal
 *   names an entry of this account that is not itself a reversal, gives a
 *   reason, and undoes its whole amount; no field the app does not write.
 * - `billing.role` (refuse): payments, and reversals of payments, are taken
 *   by the front desk (who hold the cash); charges by the desk and clinical
 *   staff.
 * - `billing.clinic` (refuse): an entry names the clinic whose document it
 *   is in (an entry copied in from another clinic is refused).
 * - `billing.superbill` (refuse): a bill names a visit date; its diagnoses
 *   are ICD-10-CM codes, written by clinical staff (who see the visit).
 */

const refusal = (rule: string, at: string, message: string): Violation => ({ rule, action: 'refuse', at, message });

export function feesRoleRule(input: RuleInput): RuleOutput {
  const { author, change } = input;
  if (author.kind !== 'user' || author.roles.includes('admin')) return {};
  return { violations: [refusal('fees.role', locate(change.root, change.key), "Only the clinic's administrators change its fee schedule")] };
}

export function feeServiceRule(input: RuleInput): RuleOutput {
  const { change } = input;
  const after = change.after;
  if (!after) return {};
  const out: Violation[] = [];
  const refuse = (f: string, message: string) => out.push(refusal('fees.entry', locate(change.root, change.key, [f]), message));
  const code = valueOf(after, 'code');
  if (typeof code !== 'string' || !SERVICE_CODE.test(code)) refuse('code', 'A service has a code (HCPCS Level II or the clinic’s own, up to 20 letters and digits)');
  const name = valueOf(after, 'name');
  if (typeof name !== 'string' || name.trim() === '' || name.length > BILLING_LIMITS.serviceName) refuse('name', `A service has a name of at most ${BILLING_LIMITS.serviceName} characters`);
  const price = valueOf(after, 'price');
  if (!(typeof price === 'number' && Number.isSafeInteger(price) && price >= 0 && price <= MAX_AMOUNT)) refuse('price', 'A price is a whole, non-negative number of minor units');
  if (!(FEE_STATUSES as readonly unknown[]).includes(valueOf(after, 'status'))) refuse('status', 'A service is active or retired');
  return { violations: out };
}

export function feeSettingsRule(input: RuleInput): RuleOutput {
  const { change } = input;
  const currency = valueOf(change.after, 'currency');
  if (currency === undefined || isCurrency(currency)) return {};
  return { violations: [refusal('fees.entry', locate(change.root, change.key, ['currency']), 'The currency is a three-letter ISO 4217 code')] };
}

/** Every field a money entry may hold (billing-doc.ts `addLedgerEntry`). */
const LEDGER_FIELDS = new Set(['id', 'kind', 'amount', 'currency', 'clinicId', 'superbillId', 'serviceCode', 'serviceName', 'method', 'reference', 'reverses', 'reason', 'createdAt', 'createdBy', 'createdById']);

export function ledgerRule(input: RuleInput): RuleOutput {
  const { change, author, doc, state } = input;
  const at = locate(change.root, change.key);
  if (change.before) return { violations: [refusal('billing.append-only', at, 'A money entry is never changed or deleted: reverse it with a reason')] };
  const after = change.after;
  if (!after || after.t !== 'map') return {};
  const fields = plain(after) as Record<string, unknown>;
  const out: Violation[] = [];
  for (const f of Object.keys(fields)) if (!LEDGER_FIELDS.has(f)) out.push(refusal('billing.entry', locate(change.root, change.key, [f]), 'A money entry holds only the fields of a charge, payment or reversal'));
  // The rest of the account as it stands with this update (a reversal may name an entry sent in the same update).
  const existing = new Map<string, LedgerEntry>((state ? listLedger(state.doc) : []).filter((e) => e.id !== change.key).map((e) => [e.id, e]));
  for (const p of ledgerProblems(fields, existing)) out.push(refusal('billing.entry', locate(change.root, change.key, [p.field]), p.message));
  if (fields.clinicId !== doc.clinicId) out.push(refusal('billing.clinic', locate(change.root, change.key, ['clinicId']), 'A money entry names the clinic whose record it is in'));
  if (author.kind === 'user') {
    const original = typeof fields.reverses === 'string' ? existing.get(fields.reverses) : undefined;
    const money = fields.kind === 'payment' || original?.kind === 'payment';
    if (money ? !canTakePayments(author.roles) : !canCharge(author.roles)) {
      out.push(refusal('billing.role', at, money ? 'Only the front desk takes or reverses payments' : 'Only the front desk and clinical staff charge for services'));
    }
  }
  return { violations: out };
}

export function superbillRule(input: RuleInput): RuleOutput {
  const { change, author } = input;
  const after = change.after;
  if (!after) return {};
  const out: Violation[] = [];
  const at = (f?: string) => locate(change.root, change.key, f ? [f] : []);
  if (author.kind === 'user' && !canCharge(author.roles)) out.push(refusal('billing.role', at(), 'Only the front desk and clinical staff open bills'));
  const date = valueOf(after, 'visitDate');
  if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date)) out.push(refusal('billing.superbill', at('visitDate'), 'A bill names its visit date'));
  const enc = valueOf(after, 'encounterId');
  if (enc !== undefined && typeof enc !== 'string') out.push(refusal('billing.superbill', at('encounterId'), 'A bill names its visit by id'));
  const dx = valueOf(after, 'diagnoses');
  if (dx !== undefined && !(Array.isArray(dx) && dx.length <= 25 && dx.every((d) => diagnosisSchema.safeParse(d).success))) {
    out.push(refusal('billing.superbill', at('diagnoses'), 'Diagnoses are ICD-10-CM codes'));
  }
  const dxChanged = change.before ? JSON.stringify(valueOf(change.before, 'diagnoses')) !== JSON.stringify(dx) : Array.isArray(dx) && dx.length > 0;
  if (author.kind === 'user' && dxChanged && !hasClinicalRole(author.roles)) {
    out.push(refusal('billing.role', at('diagnoses'), 'Diagnoses come from the visit: clinical staff bring them onto the bill'));
  }
  return { violations: out };
}
