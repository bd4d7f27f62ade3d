import * as Y from 'yjs';
import { addLedgerEntry, listLedger, listSuperbills, openSuperbill, setSuperbillDiagnoses } from '../chart/billing-doc';
import { listEncounters, noteText } from '../chart/chart-doc';
import * as fees from '../chart/fees-doc';
import { readPatient } from '../chart/patient-doc';
import type { Actor } from '../domain/chart';
import { balanceOf, canTakePayments, cashReport, diagnosesFromAssessment, localDayBounds, parseAmount, type Balance, type CashReport, type Diagnosis, type FeeService, type FeeServiceInput, type LedgerEntry, type PaymentMethod, type Superbill } from '../domain/billing';
import { feesName, type DocAccess } from '../domain/doc-names';
import { AppError } from '../domain/errors';
import { claimsBundle, toFhirClaim } from '../fhir/export/claim';
import type { LiveDoc } from '../sync/live-doc';
import { currentLanguage } from '../i18n/locale.svelte';
import { cashReportPdf, receiptNumber, receiptPdf } from './billing-pdf';
import { openClinicDoc } from './clinic-doc';
import { notePrint } from './access-log.service';
import { reportError } from './report-error';
import { actorOf, currentWorkspace, type Workspace } from './workspace';

/**
 * The clinic's money at the desk: the fee schedule (`fees:<clinicId>`,
 * live like the visit templates), a patient's account (in the patient
 * document already open on screen), printouts and the claims download.
 * Everything works offline; the server holds the same rules.
 */

export class LiveFeeSchedule {
  #version = $state(0);
  readonly #live: LiveDoc;
  readonly #actor: Actor;
  readonly #release: (doc: LiveDoc) => Promise<void>;
  readonly #cleanup: (() => void)[] = [];
  readonly access: DocAccess;
  #closed = false;

  constructor(live: LiveDoc, access: DocAccess, actor: Actor, release: (doc: LiveDoc) => Promise<void>) {
    this.#live = live;
    this.access = access;
    this.#actor = actor;
    this.#release = release;
    const bump = () => this.#version++;
    live.doc.on('update', bump);
    this.#cleanup.push(() => live.doc.off('update', bump));
  }

  get canEdit(): boolean {
    return this.access === 'write';
  }
  get currency(): string | null {
    void this.#version;
    return fees.feeCurrency(this.#live.doc);
  }
  get all(): FeeService[] {
    void this.#version;
    return fees.listFeeServices(this.#live.doc);
  }
  get active(): FeeService[] {
    return this.all.filter((s) => s.status === 'active');
  }
  setCurrency(code: string): void {
    this.#assertWritable();
    fees.setFeeCurrency(this.#live.doc, code, this.#actor);
  }
  save(input: FeeServiceInput, id?: string): string {
    this.#assertWritable();
    return fees.saveFeeService(this.#live.doc, input, this.#actor, id);
  }
  setStatus(id: string, status: 'active' | 'retired'): void {
    this.#assertWritable();
    fees.setFeeServiceStatus(this.#live.doc, id, status, this.#actor);
  }
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.#cleanup.splice(0)) c();
    this.#release(this.#live).catch((err: unknown) => reportError("Closing the clinic's fee schedule", err));
  }
  #assertWritable(): void {
    if (this.access !== 'write') throw new AppError('forbidden', "Only the clinic's administrators change its fee schedule");
  }
}

/** Opens the clinic's fee schedule (fetched first when the device does not hold it; empty offline until it has been). */
export async function openFeeSchedule(ws: Workspace = currentWorkspace()): Promise<LiveFeeSchedule> {
  const { live, access } = await openClinicDoc(ws, 'fees', feesName(ws.user.clinicId), {
    isDoc: fees.isFeesDoc,
    init: fees.initFeesDoc,
    what: 'fee schedule',
    emptyWhenUnreachable: true
  });
  return new LiveFeeSchedule(live, access, actorOf(ws.user), (d) => ws.engine.release(d));
}

// ---- A patient's account --------------------------------------------------

export interface AccountView {
  bills: Superbill[];
  ledger: LedgerEntry[];
  balance: Balance;
  reversed: Set<string>;
}

export function accountView(patientDoc: Y.Doc): AccountView {
  const ledger = listLedger(patientDoc);
  const reversed = new Set(ledger.filter((e) => e.kind === 'reversal' && e.reverses).map((e) => e.reverses as string));
  return { bills: listSuperbills(patientDoc), ledger, balance: balanceOf(ledger), reversed };
}

/** Visits of the chart not billed yet, with the diagnoses coded in their assessment (clinical staff only: the chart is theirs). */
export function unbilledVisits(chartDoc: Y.Doc, patientDoc: Y.Doc): { encounterId: string; date: string; label: string; diagnoses: Diagnosis[] }[] {
  const billed = new Set(listSuperbills(patientDoc).map((b) => b.encounterId));
  return listEncounters(chartDoc)
    .filter((e) => e.status !== 'entered-in-error' && e.status !== 'cancelled' && !billed.has(e.id))
    .map((e) => ({ encounterId: e.id, date: e.start.slice(0, 10), label: e.reason || e.type, diagnoses: diagnosesFromAssessment(noteText(chartDoc, e.id).assessment) }));
}

export function billVisit(patientDoc: Y.Doc, visit: { encounterId?: string; date: string; diagnoses?: Diagnosis[] }, ws: Workspace = currentWorkspace()): string {
  return openSuperbill(patientDoc, { visitDate: visit.date, encounterId: visit.encounterId, diagnoses: visit.diagnoses }, actorOf(ws.user));
}

/** Brings the visit's coded diagnoses onto its bill again (after the clinician coded more). */
export function refreshBillDiagnoses(patientDoc: Y.Doc, chartDoc: Y.Doc, bill: Superbill, ws: Workspace = currentWorkspace()): void {
  if (!bill.encounterId) throw new AppError('invalid', 'This bill names no visit in the chart');
  setSuperbillDiagnoses(patientDoc, bill.id, diagnosesFromAssessment(noteText(chartDoc, bill.encounterId).assessment), actorOf(ws.user));
}

export function chargeService(patientDoc: Y.Doc, billId: string, service: FeeService, currency: string | null, ws: Workspace = currentWorkspace()): string {
  if (!currency) throw new AppError('invalid', "The clinic's currency is not set yet: an administrator sets it in the fee schedule");
  if (service.price <= 0) throw new AppError('invalid', 'This service has no price: charge it once an administrator sets one');
  return addLedgerEntry(patientDoc, { kind: 'charge', amount: service.price, currency, superbillId: billId, serviceCode: service.code, serviceName: service.name }, actorOf(ws.user), ws.user.clinicId);
}

export function takePayment(patientDoc: Y.Doc, input: { amount: string; method: PaymentMethod; reference: string }, currency: string | null, ws: Workspace = currentWorkspace()): string {
  if (!canTakePayments(ws.user.roles)) throw new AppError('forbidden', 'Only the front desk takes payments');
  if (!currency) throw new AppError('invalid', "The clinic's currency is not set yet: an administrator sets it in the fee schedule");
  const amount = parseAmount(input.amount, currency);
  if (amount === null) throw new AppError('invalid', 'The amount is not valid', [{ path: 'amount', message: 'Enter the amount received, such as 150 or 150.50' }]);
  return addLedgerEntry(patientDoc, { kind: 'payment', amount, currency, method: input.method, reference: input.reference }, actorOf(ws.user), ws.user.clinicId);
}

export function reverseEntry(patientDoc: Y.Doc, entryId: string, reason: string, ws: Workspace = currentWorkspace()): string {
  return addLedgerEntry(patientDoc, { kind: 'reversal', reverses: entryId, reason }, actorOf(ws.user), ws.user.clinicId);
}

function download(bytes: Uint8Array | string, type: string, filename: string): void {
  const blob = typeof bytes === 'string' ? new Blob([bytes], { type }) : new Blob([bytes as Uint8Array<ArrayBuffer>], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Prints a payment's receipt as a PDF download; the file name holds the receipt number, no patient data. */
export async function printReceipt(patientDoc: Y.Doc, paymentId: string, ws: Workspace = currentWorkspace()): Promise<void> {
  const patient = readPatient(patientDoc);
  const ledger = listLedger(patientDoc);
  const payment = ledger.find((e) => e.id === paymentId && e.kind === 'payment');
  if (!patient || !payment) throw new AppError('not-found', 'This payment is not on this device');
  // The balance as it stood once this payment was taken (later entries left out).
  const upTo = ledger.slice(0, ledger.indexOf(payment) + 1);
  const bytes = await receiptPdf({ locale: currentLanguage(), clinicName: ws.user.clinicName, patientName: [patient.given.join(' '), patient.family].filter(Boolean).join(' '), mrn: patient.mrn ?? '', payment, balanceDue: balanceOf(upTo).due });
  download(bytes, 'application/pdf', `receipt-${receiptNumber(payment.id)}.pdf`);
  await notePrint(patient.id, 'receipt');
}

/** The account's bills as FHIR Claims (a Bundle), downloaded. */
export function downloadClaims(patientDoc: Y.Doc, currency: string, ws: Workspace = currentWorkspace()): void {
  const patient = readPatient(patientDoc);
  if (!patient) throw new AppError('not-found', 'The patient record is not on this device');
  const ledger = listLedger(patientDoc);
  const claims = listSuperbills(patientDoc).map((b) => toFhirClaim(b, ledger, { patientId: patient.id, clinicName: ws.user.clinicName, currency }));
  const stamp = new Date().toISOString();
  download(JSON.stringify(claimsBundle(claims, stamp), null, 2), 'application/fhir+json', `claims-${stamp.slice(0, 10)}.json`);
}

// ---- The day's cash report ------------------------------------------------

/**
 * The money entries of every patient account on this device. The desk's
 * device holds the clinic's patient documents (the batch catch-up brings
 * them), so the report is read offline from what has synced.
 */
export async function allLedgerEntries(ws: Workspace = currentWorkspace()): Promise<LedgerEntry[]> {
  const names = (await ws.vault.docs.docNames()).filter((n) => n.startsWith('patient:'));
  const out: LedgerEntry[] = [];
  for (const name of names) {
    const doc = new Y.Doc();
    try {
      if (await ws.vault.docs.loadInto(name, doc, null)) out.push(...listLedger(doc));
    } finally {
      doc.destroy();
    }
  }
  return out;
}

export async function dailyCashReport(day: string, ws: Workspace = currentWorkspace()): Promise<CashReport> {
  const { from, to } = localDayBounds(day);
  return cashReport(await allLedgerEntries(ws), from, to);
}

export async function printCashReport(day: string, report: CashReport, currency: string, ws: Workspace = currentWorkspace()): Promise<void> {
  const bytes = await cashReportPdf({ locale: currentLanguage(), clinicName: ws.user.clinicName, day, currency, report, printedBy: ws.user.name });
  download(bytes, 'application/pdf', `cash-report-${day}.pdf`);
}
