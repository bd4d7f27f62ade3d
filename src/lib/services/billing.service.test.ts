import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addEncounter, markEnteredInError } from '../chart/chart-doc';
import { listLedger, listSuperbills } from '../chart/billing-doc';
import type { Workspace } from './workspace';
import { addDiagnosis } from './encounter.service';
import { billVisit, chargeService, refreshBillDiagnoses, reverseEntry, takePayment, unbilledVisits } from './billing.service.svelte';

/**
 * The desk's and the clinician's billing actions on real Yjs documents:
 * a visit's coded diagnoses come onto its bill, a visit is billed once,
 * amounts typed at the desk become integer minor units, and the role and
 * currency checks say plainly what is missing. The user is passed in (no
 * unlocked store is needed for these).
 */

const user = (roles: Workspace['user']['roles']) => ({ user: { id: 'u1', username: 'u', name: 'Priya Shah', roles, clinicId: 'c1', clinicName: 'Clinic' } }) as Workspace;
const dr = { id: 'u2', name: 'Dr. Amara Okafor' };
/** Entries written in one millisecond list in id order: compare them by kind. */
const byKind = (rows: unknown[][]) => rows.sort((a, b) => String(a[0]).localeCompare(String(b[0])));
const MALARIA = { code: 'B50.9', title: 'Plasmodium falciparum malaria, unspecified' };
const PHARYNGITIS = { code: 'J02.9', title: 'Acute pharyngitis, unspecified' };

describe('billing a visit from the chart', () => {
  it('offers each visit not yet billed with its coded diagnoses, and bills it once', () => {
    const chart = new Y.Doc();
    const patient = new Y.Doc();
    const visit = addEncounter(chart, { reason: 'Fever' }, dr);
    const wrong = addEncounter(chart, { reason: 'Opened by mistake' }, dr);
    markEnteredInError(chart, 'encounters', wrong, 'Opened on the wrong patient', dr);
    addDiagnosis(chart, visit, MALARIA, dr);
    const [offered, ...rest] = unbilledVisits(chart, patient);
    expect(rest).toEqual([]);
    expect(offered).toMatchObject({ encounterId: visit, label: 'Fever', diagnoses: [{ code: 'B50.9', display: 'Plasmodium falciparum malaria, unspecified' }] });

    const ws = user(['clinician']);
    const bill = billVisit(patient, { encounterId: visit, date: offered.date, diagnoses: offered.diagnoses }, ws);
    expect(billVisit(patient, { encounterId: visit, date: offered.date }, ws)).toBe(bill);
    expect(unbilledVisits(chart, patient)).toEqual([]);

    // Coded later: brought over on request.
    addDiagnosis(chart, visit, PHARYNGITIS, dr);
    refreshBillDiagnoses(patient, chart, listSuperbills(patient)[0], ws);
    expect(listSuperbills(patient)[0].diagnoses.map((d) => d.code)).toEqual(['B50.9', 'J02.9']);
  });
});

describe('money at the desk', () => {
  const service = { id: 's1', code: 'OPD-1', name: 'Consultation', price: 150000, status: 'active' as const };

  it('charges the fee schedule price and takes typed amounts as minor units', () => {
    const patient = new Y.Doc();
    const desk = user(['frontdesk']);
    const bill = billVisit(patient, { date: '2026-12-04' }, desk);
    chargeService(patient, bill, service, 'KES', desk);
    takePayment(patient, { amount: '1 234,50', method: 'cash', reference: '' }, 'KES', desk);
    expect(byKind(listLedger(patient).map((e) => [e.kind, e.amount, e.currency, e.clinicId]))).toEqual([
      ['charge', 150000, 'KES', 'c1'],
      ['payment', 123450, 'KES', 'c1']
    ]);
  });

  it('says what is missing: a currency, a readable amount, the desk role, a reason; nothing is written', () => {
    const patient = new Y.Doc();
    const desk = user(['frontdesk']);
    const bill = billVisit(patient, { date: '2026-12-04' }, desk);
    expect(() => chargeService(patient, bill, service, null, desk)).toThrow("The clinic's currency is not set yet");
    expect(() => takePayment(patient, { amount: '12,5,0', method: 'cash', reference: '' }, 'KES', desk)).toThrow('The amount is not valid');
    expect(() => takePayment(patient, { amount: '100', method: 'cash', reference: '' }, 'KES', user(['clinician']))).toThrow('Only the front desk takes payments');
    expect(() => takePayment(patient, { amount: '100', method: 'mobile-money', reference: ' ' }, 'KES', desk)).toThrow('The mobile-money transaction reference is required');
    expect(listLedger(patient)).toEqual([]);
    takePayment(patient, { amount: '100', method: 'cash', reference: '' }, 'KES', desk);
    const [payment] = listLedger(patient);
    expect(() => reverseEntry(patient, payment.id, '  ', desk)).toThrow('The reason for a reversal is required');
    reverseEntry(patient, payment.id, 'Wrong patient', desk);
    expect(() => reverseEntry(patient, payment.id, 'Again', desk)).toThrow('This entry was already reversed');
    expect(byKind(listLedger(patient).map((e) => [e.kind, e.amount, e.reverses ?? null]))).toEqual([
      ['payment', 10000, null],
      ['reversal', 10000, payment.id]
    ]);
  });
});
