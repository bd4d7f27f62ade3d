import * as Y from 'yjs';
import type { Actor } from '../domain/chart';
import {
  diagnosisSchema,
  LEDGER_KINDS,
  ledgerProblems,
  PAYMENT_METHODS,
  type Diagnosis,
  type LedgerEntry,
  type LedgerKind,
  type PaymentMethod,
  type Superbill
} from '../domain/billing';
import { AppError } from '../domain/errors';
import { migrate, newId, nowIso, str } from './schema';

/**
 * A patient's account, kept in the patient's `patient:<uuid>` document
 * beside the demographics and insurance: the front desk can open it (it
 * cannot open the chart), clinical staff can too, and it travels and merges
 * with the rest of the administrative record.
 *
 * - `superbills`: one entry per billed visit (its date and ICD-10-CM
 *   diagnoses). Diagnoses may be added later by a clinician; nothing else
 *   changes.
 * - `ledger`: money entries (charges, payments, reversals), each a Y.Map
 *   keyed by a fresh id and never changed after it is written. Two desks
 *   offline each add their own entries, so both count after sync.
 */

type Entry = Y.Map<unknown>;

function ledgerOf(doc: Y.Doc): Y.Map<Entry> {
  return doc.getMap('ledger') as Y.Map<Entry>;
}
function superbillsOf(doc: Y.Doc): Y.Map<Entry> {
  return doc.getMap('superbills') as Y.Map<Entry>;
}

function readEntry(e: Entry, key: string): LedgerEntry | null {
  const kind = e.get('kind');
  const amount = e.get('amount');
  if (!(LEDGER_KINDS as readonly unknown[]).includes(kind) || typeof amount !== 'number') return null;
  const method = e.get('method');
  const opt = (f: string) => (typeof e.get(f) === 'string' ? (e.get(f) as string) : undefined);
  return {
    id: key,
    kind: kind as LedgerKind,
    amount,
    currency: str(e, 'currency'),
    clinicId: str(e, 'clinicId'),
    superbillId: opt('superbillId'),
    serviceCode: opt('serviceCode'),
    serviceName: opt('serviceName'),
    method: (PAYMENT_METHODS as readonly unknown[]).includes(method) ? (method as PaymentMethod) : undefined,
    reference: opt('reference'),
    reverses: opt('reverses'),
    reason: opt('reason'),
    createdAt: str(e, 'createdAt'),
    createdBy: str(e, 'createdBy'),
    createdById: str(e, 'createdById')
  };
}

/** Every money entry, oldest first (ties by id, so every device lists them alike). */
export function listLedger(doc: Y.Doc): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  ledgerOf(doc).forEach((e, key) => {
    const r = e instanceof Y.Map ? readEntry(e, key) : null;
    if (r) out.push(r);
  });
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

export type LedgerInput =
  | { kind: 'charge'; amount: number; currency: string; superbillId: string; serviceCode: string; serviceName: string }
  | { kind: 'payment'; amount: number; currency: string; method: PaymentMethod; reference?: string }
  | { kind: 'reversal'; reverses: string; reason: string };

/**
 * Adds a money entry, checked by the same rules the server holds
 * (ledgerProblems). A reversal copies the amount of the entry it undoes.
 * Throws AppError('invalid') with the problems; nothing is written then.
 */
export function addLedgerEntry(doc: Y.Doc, input: LedgerInput, actor: Actor, clinicId: string): string {
  const existing = new Map(listLedger(doc).map((e) => [e.id, e]));
  const original = input.kind === 'reversal' ? existing.get(input.reverses) : undefined;
  const fields: Record<string, unknown> =
    input.kind === 'reversal'
      ? { kind: 'reversal', reverses: input.reverses, reason: input.reason.trim(), amount: original?.amount, currency: original?.currency }
      : input.kind === 'payment'
        ? { ...input, reference: input.reference?.trim() || undefined }
        : { ...input, serviceCode: input.serviceCode.trim(), serviceName: input.serviceName.trim() };
  for (const k of Object.keys(fields)) if (fields[k] === undefined) delete fields[k];
  const problems = ledgerProblems(fields, existing);
  if (input.kind === 'reversal' && [...existing.values()].some((e) => e.kind === 'reversal' && e.reverses === input.reverses)) {
    problems.push({ field: 'reverses', message: 'This entry was already reversed' });
  }
  if (problems.length) throw new AppError('invalid', problems[0].message, problems.map((p) => ({ path: p.field, message: p.message })));
  const id = newId();
  migrate(doc);
  doc.transact(() => {
    const e = new Y.Map<unknown>();
    for (const [k, v] of Object.entries({ id, ...fields, clinicId, createdAt: nowIso(), createdBy: actor.name, createdById: actor.id })) e.set(k, v);
    ledgerOf(doc).set(id, e);
  }, 'local');
  return id;
}

function readDiagnoses(v: unknown): Diagnosis[] {
  if (!Array.isArray(v)) return [];
  return v.filter((d) => diagnosisSchema.safeParse(d).success) as Diagnosis[];
}

/** Every bill, newest visit first. */
export function listSuperbills(doc: Y.Doc): Superbill[] {
  const out: Superbill[] = [];
  superbillsOf(doc).forEach((e, key) => {
    if (!(e instanceof Y.Map)) return;
    out.push({
      id: key,
      encounterId: str(e, 'encounterId'),
      visitDate: str(e, 'visitDate'),
      diagnoses: readDiagnoses(e.get('diagnoses')),
      createdAt: str(e, 'createdAt'),
      createdBy: str(e, 'createdBy')
    });
  });
  return out.sort((a, b) => b.visitDate.localeCompare(a.visitDate) || b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
}

/** Opens a bill for a visit (the encounter's, when known, once: a second call returns the first bill). */
export function openSuperbill(doc: Y.Doc, input: { visitDate: string; encounterId?: string; diagnoses?: Diagnosis[] }, actor: Actor): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.visitDate)) throw new AppError('invalid', 'A bill names the visit date', [{ path: 'visitDate', message: 'Use the visit date' }]);
  const diagnoses = input.diagnoses ?? [];
  if (!diagnoses.every((d) => diagnosisSchema.safeParse(d).success)) throw new AppError('invalid', 'A diagnosis is an ICD-10-CM code');
  if (input.encounterId) {
    const same = listSuperbills(doc).find((b) => b.encounterId === input.encounterId);
    if (same) return same.id;
  }
  const id = newId();
  migrate(doc);
  doc.transact(() => {
    const e = new Y.Map<unknown>();
    const now = nowIso();
    const fields = { id, visitDate: input.visitDate, encounterId: input.encounterId ?? '', diagnoses, createdAt: now, createdBy: actor.name, createdById: actor.id, updatedAt: now, updatedBy: actor.name, updatedById: actor.id };
    for (const [k, v] of Object.entries(fields)) e.set(k, v);
    superbillsOf(doc).set(id, e);
  }, 'local');
  return id;
}

/** Replaces a bill's diagnoses (a clinician bringing them over from the visit). */
export function setSuperbillDiagnoses(doc: Y.Doc, id: string, diagnoses: Diagnosis[], actor: Actor): void {
  const e = superbillsOf(doc).get(id);
  if (!(e instanceof Y.Map)) throw new AppError('not-found', 'This bill is not on this device');
  if (!diagnoses.every((d) => diagnosisSchema.safeParse(d).success)) throw new AppError('invalid', 'A diagnosis is an ICD-10-CM code');
  doc.transact(() => {
    e.set('diagnoses', diagnoses);
    e.set('updatedAt', nowIso());
    e.set('updatedBy', actor.name);
    e.set('updatedById', actor.id);
  }, 'local');
}
