import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as Y from 'yjs';
import { addLedgerEntry, listLedger, openSuperbill, setSuperbillDiagnoses } from '../../src/lib/chart/billing-doc';
import { listFeeServices, saveFeeService, setFeeCurrency } from '../../src/lib/chart/fees-doc';
import { balanceOf } from '../../src/lib/domain/billing';
import type { Author } from './policy-types';
import { CLINIC, desk, doctor, entryMap, entryOf, liveDoc, nurse, write, ymap } from './test-factories';

/**
 * The clinic's money through the write policy alone: honest writes go
 * through the app's accessors (billing-doc.ts, fees-doc.ts); the refused
 * ones are crafted the way a tampered client would send them, and the
 * stored account is read back unchanged.
 */

const admin: Author = { kind: 'user', userId: 'u-admin', name: 'Admin Ada', roles: ['admin'], via: 'websocket' };
const desk2: Author = { kind: 'user', userId: 'u-desk2', name: 'Desk Eli', roles: ['frontdesk'], via: 'websocket' };
const asActor = (a: Author) => ({ id: a.userId, name: a.name });
const T = '2026-12-04T09:30:00.000Z';

/** A money entry as a tampered client would write it (all the fields an honest one writes, then the overrides). */
const crafted = (key: string, fields: Record<string, unknown>, by: Author = desk) => (d: Y.Doc) => {
  const all: Record<string, unknown> = { id: key, kind: 'payment', amount: 500, currency: 'KES', method: 'cash', clinicId: CLINIC, createdAt: T, createdBy: by.name, createdById: by.userId, ...fields };
  // `undefined` leaves a field out, as the app does.
  d.getMap('ledger').set(key, ymap(Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined))));
};

/** An account with one bill, a 1500 charge (by the doctor) and a 500 cash payment (by the desk). */
function account() {
  const live = liveDoc('patient');
  let bill = '';
  let charge = '';
  let payment = '';
  expect(write(live, doctor, (d) => (bill = openSuperbill(d, { visitDate: '2026-12-04', encounterId: 'enc-1', diagnoses: [{ code: 'B54', display: 'Unspecified malaria' }] }, asActor(doctor)))).violations).toEqual([]);
  expect(write(live, doctor, (d) => (charge = addLedgerEntry(d, { kind: 'charge', amount: 1500, currency: 'KES', superbillId: bill, serviceCode: 'OPD-1', serviceName: 'Consultation' }, asActor(doctor), CLINIC))).violations).toEqual([]);
  expect(write(live, desk, (d) => (payment = addLedgerEntry(d, { kind: 'payment', amount: 500, currency: 'KES', method: 'cash' }, asActor(desk), CLINIC))).violations).toEqual([]);
  return { live, bill, charge, payment };
}

describe('money in the patient account', () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-04T09:59:00.000Z') });
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  it('honest writes: a bill, a charge, a payment, a reversal with a reason; the balance reads them all', () => {
    const { live, payment } = account();
    expect(balanceOf(listLedger(live.doc))).toEqual({ charged: 1500, paid: 500, due: 1000 });
    expect(write(live, desk, (d) => addLedgerEntry(d, { kind: 'reversal', reverses: payment, reason: 'Wrong patient' }, asActor(desk), CLINIC)).violations).toEqual([]);
    expect(balanceOf(listLedger(live.doc))).toEqual({ charged: 1500, paid: 0, due: 1500 });
  });

  it('refuses an edit or a deletion of a money entry (the stored entry is unchanged)', () => {
    const { live, payment } = account();
    const edit = write(live, desk, (d) => entryMap(d, 'ledger', payment).set('amount', 5));
    expect(edit.kind).toBe('refused');
    expect(edit.violations).toEqual([`refuse:billing.append-only@ledger/${payment}`]);
    const del = write(live, desk, (d) => d.getMap('ledger').delete(payment));
    expect(del.violations).toEqual([`refuse:record.no-delete@ledger/${payment}`, `refuse:billing.append-only@ledger/${payment}`]);
    expect(entryOf(live, 'ledger', payment)).toMatchObject({ kind: 'payment', amount: 500, method: 'cash' });
  });

  it.each([
    ['negative', -500, 'amount'],
    ['zero', 0, 'amount'],
    ['fractional', 12.5, 'amount'],
    ['text', '500', 'amount'],
    ['beyond 2^53', 2 ** 60, 'amount']
  ])('refuses a %s amount', (_what, amount, field) => {
    const live = liveDoc('patient');
    expect(write(live, desk, crafted('ok', {})).violations).toEqual([]);
    const o = write(live, desk, crafted('bad', { amount }));
    expect(o.violations).toEqual([`refuse:billing.entry@ledger/bad/${field}`]);
    expect(live.doc.getMap('ledger').has('bad')).toBe(false);
  });

  it('refuses a payment by a role that does not take payments, and a charge by one that does not charge', () => {
    const live = liveDoc('patient');
    expect(write(live, desk, crafted('p-desk', {})).violations).toEqual([]);
    expect(write(live, doctor, crafted('p-doc', {}, doctor)).violations).toEqual(['refuse:billing.role@ledger/p-doc']);
    expect(write(live, nurse, crafted('p-nurse', {}, nurse)).violations).toEqual(['refuse:billing.role@ledger/p-nurse']);
    expect(write(live, admin, crafted('p-admin', {}, admin)).violations).toEqual(['refuse:billing.role@ledger/p-admin']);
    const charge = { kind: 'charge', method: undefined, superbillId: 'b1', serviceCode: 'OPD-1', serviceName: 'Consultation' };
    expect(write(live, nurse, crafted('c-nurse', charge, nurse)).violations).toEqual([]);
    expect(write(live, admin, crafted('c-admin', charge, admin)).violations).toEqual(['refuse:billing.role@ledger/c-admin']);
    expect([...live.doc.getMap('ledger').keys()].sort()).toEqual(['c-nurse', 'p-desk']);
  });

  it('a clinician may reverse a charge but not a payment', () => {
    const { live, charge, payment } = account();
    expect(write(live, doctor, crafted('r-pay', { kind: 'reversal', method: undefined, reverses: payment, reason: 'Refund' }, doctor)).violations).toEqual(['refuse:billing.role@ledger/r-pay']);
    expect(write(live, doctor, crafted('r-chg', { kind: 'reversal', method: undefined, amount: 1500, reverses: charge, reason: 'Not done' }, doctor)).violations).toEqual([]);
  });

  it('refuses a reversal without a reason, of an unknown entry, of a reversal, or of a part of the amount', () => {
    const { live, payment } = account();
    const rev = ({ key, ...fields }: Record<string, unknown>) => crafted(String(key), { kind: 'reversal', method: undefined, reverses: payment, reason: 'Wrong patient', ...fields });
    expect(write(live, desk, rev({ key: 'r-none', reason: undefined })).violations).toEqual(['refuse:billing.entry@ledger/r-none/reason']);
    expect(write(live, desk, rev({ key: 'r-blank', reason: '   ' })).violations).toEqual(['refuse:billing.entry@ledger/r-blank/reason']);
    expect(write(live, desk, rev({ key: 'r-unknown', reverses: 'no-such-entry' })).violations).toEqual(['refuse:billing.entry@ledger/r-unknown/reverses']);
    expect(write(live, desk, rev({ key: 'r-part', amount: 100 })).violations).toEqual(['refuse:billing.entry@ledger/r-part/amount']);
    expect(write(live, desk, rev({ key: 'r-ok' })).violations).toEqual([]);
    expect(write(live, desk, rev({ key: 'r-of-r', reverses: 'r-ok' })).violations).toEqual(['refuse:billing.entry@ledger/r-of-r/reverses']);
    expect([...live.doc.getMap('ledger').keys()].filter((k) => k.startsWith('r-'))).toEqual(['r-ok']);
  });

  it('refuses an entry that names another clinic, a mobile-money payment without a reference, an unknown method or field', () => {
    const live = liveDoc('patient');
    expect(write(live, desk, crafted('m-ok', { method: 'mobile-money', reference: 'QK7H2XLP9' })).violations).toEqual([]);
    expect(write(live, desk, crafted('other', { clinicId: 'clinic-b' })).violations).toEqual(['refuse:billing.clinic@ledger/other/clinicId']);
    expect(write(live, desk, crafted('m-noref', { method: 'mobile-money' })).violations).toEqual(['refuse:billing.entry@ledger/m-noref/reference']);
    expect(write(live, desk, crafted('cheque', { method: 'cheque' })).violations).toEqual(['refuse:billing.entry@ledger/cheque/method']);
    expect(write(live, desk, crafted('extra', { balance: 0 })).violations).toEqual(['refuse:billing.entry@ledger/extra/balance']);
    expect(write(live, desk, crafted('forged', { createdById: 'u-other' })).violations).toEqual(['refuse:provenance.forged-id@ledger/forged/createdById']);
  });

  it('two desks taking payments offline both count after sync', () => {
    const { live } = account();
    // Each desk writes on its own copy from the same starting point; the server judges each as it arrives.
    const a = write(live, desk, (d) => addLedgerEntry(d, { kind: 'payment', amount: 300, currency: 'KES', method: 'mobile-money', reference: 'MPESA1' }, asActor(desk), CLINIC));
    const b = write(live, desk2, (d) => addLedgerEntry(d, { kind: 'payment', amount: 200, currency: 'KES', method: 'card' }, asActor(desk2), CLINIC));
    expect([a.violations, b.violations]).toEqual([[], []]);
    expect(balanceOf(listLedger(live.doc))).toEqual({ charged: 1500, paid: 1000, due: 500 });
  });

  it('bills: diagnoses are ICD-10-CM, brought by clinical staff; the visit date never changes', () => {
    const { live, bill } = account();
    expect(write(live, desk, (d) => openSuperbill(d, { visitDate: '2026-12-05' }, asActor(desk))).violations).toEqual([]);
    expect(write(live, desk, (d) => setSuperbillDiagnoses(d, bill, [{ code: 'J06.9', display: 'URI' }], asActor(desk))).violations).toEqual([`refuse:billing.role@superbills/${bill}/diagnoses`]);
    expect(write(live, doctor, (d) => setSuperbillDiagnoses(d, bill, [{ code: 'J06.9', display: 'URI' }], asActor(doctor))).violations).toEqual([]);
    expect(write(live, doctor, (d) => entryMap(d, 'superbills', bill).set('diagnoses', [{ code: 'not a code', display: 'x' }])).violations).toEqual([`refuse:billing.superbill@superbills/${bill}/diagnoses`]);
    expect(write(live, doctor, (d) => entryMap(d, 'superbills', bill).set('visitDate', '2026-01-01')).violations).toEqual([`refuse:record.immutable@superbills/${bill}/visitDate`]);
    expect(entryOf(live, 'superbills', bill)).toMatchObject({ visitDate: '2026-12-04', diagnoses: [{ code: 'J06.9', display: 'URI' }] });
  });
});

describe('the fee schedule', () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-04T09:59:00.000Z') });
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  it('an administrator sets the currency and adds services; the desk and clinicians may not', () => {
    const live = liveDoc('fees');
    let id = '';
    expect(write(live, admin, (d) => setFeeCurrency(d, 'KES', asActor(admin))).violations).toEqual([]);
    expect(write(live, admin, (d) => (id = saveFeeService(d, { code: 'G0008', name: 'Influenza vaccine administration', price: 25000 }, asActor(admin)))).violations).toEqual([]);
    expect(write(live, desk, (d) => saveFeeService(d, { code: 'G0008', name: 'Cheaper', price: 1 }, asActor(desk), id)).violations).toEqual([`refuse:fees.role@services/${id}`]);
    expect(write(live, doctor, (d) => setFeeCurrency(d, 'USD', asActor(doctor))).violations).toEqual(['refuse:fees.role@settings']);
    expect(listFeeServices(live.doc)).toEqual([{ id, code: 'G0008', name: 'Influenza vaccine administration', price: 25000, status: 'active' }]);
    expect(live.doc.getMap('settings').get('currency')).toBe('KES');
  });

  it('refuses a crafted service with a fractional or negative price, no name, a bad code; a bad currency; a deletion', () => {
    const live = liveDoc('fees');
    const svc = (key: string, fields: Record<string, unknown>) => (d: Y.Doc) => d.getMap('services').set(key, ymap({ id: key, code: 'OPD-1', name: 'Consultation', price: 1000, status: 'active', ...fields }));
    expect(write(live, admin, svc('s-ok', {})).violations).toEqual([]);
    expect(write(live, admin, svc('s1', { price: 10.5 })).violations).toEqual(['refuse:fees.entry@services/s1/price']);
    expect(write(live, admin, svc('s2', { price: -1 })).violations).toEqual(['refuse:fees.entry@services/s2/price']);
    expect(write(live, admin, svc('s3', { name: '' })).violations).toEqual(['refuse:fees.entry@services/s3/name']);
    expect(write(live, admin, svc('s4', { code: 'drop table;' })).violations).toEqual(['refuse:fees.entry@services/s4/code']);
    expect(write(live, admin, (d) => d.getMap('settings').set('currency', 'shillings')).violations).toEqual(['refuse:fees.entry@settings/currency']);
    expect(write(live, admin, (d) => d.getMap('services').delete('s-ok')).violations).toEqual(['refuse:record.no-delete@services/s-ok']);
    expect([...live.doc.getMap('services').keys()]).toEqual(['s-ok']);
  });

  it('the meta names this clinic', () => {
    const live = liveDoc('fees');
    expect(write(live, admin, (d) => d.getMap('meta').set('clinicId', CLINIC)).violations).toEqual([]);
    expect(write(live, admin, (d) => d.getMap('meta').set('clinicId', 'clinic-b')).violations).toEqual(['refuse:meta.identity@meta/clinicId']);
  });
});
