import { describe, expect, it } from 'vitest';
import { balanceOf, cashReport, diagnosesFromAssessment, formatAmount, ledgerProblems, parseAmount, type LedgerEntry } from './billing';

/** Hand-written ledgers: every expected sum below is worked out by hand in the comment beside it. */

let n = 0;
function e(fields: Partial<LedgerEntry> & Pick<LedgerEntry, 'kind' | 'amount'>): LedgerEntry {
  n++;
  return { id: `e${n}`, currency: 'KES', clinicId: 'c1', createdAt: '2026-12-04T09:00:00.000Z', createdBy: 'Priya', createdById: 'u1', ...fields };
}

describe('balance', () => {
  it('charges minus payments, reversed entries left out', () => {
    const c1 = e({ kind: 'charge', amount: 150000, superbillId: 'b1' });
    const c2 = e({ kind: 'charge', amount: 25000, superbillId: 'b1' });
    const c3 = e({ kind: 'charge', amount: 40000, superbillId: 'b2' });
    const p1 = e({ kind: 'payment', amount: 50000, method: 'cash' });
    const p2 = e({ kind: 'payment', amount: 30000, method: 'mobile-money', reference: 'QK7' });
    const r1 = e({ kind: 'reversal', amount: 25000, reverses: c2.id, reason: 'Not given' });
    const r2 = e({ kind: 'reversal', amount: 30000, reverses: p2.id, reason: 'Refunded' });
    const ledger = [c1, c2, c3, p1, p2, r1, r2];
    // charged 150000 + 40000 = 190000 (c2 reversed); paid 50000 (p2 reversed); due 140000
    expect(balanceOf(ledger)).toEqual({ charged: 190000, paid: 50000, due: 140000 });
    // bill b1 alone: 150000 charged; payments are the account's, not a bill's
    expect(balanceOf(ledger, 'b1')).toEqual({ charged: 150000, paid: 0, due: 150000 });
  });

  it('two desks reversing one payment offline undo it once; an overpayment shows as money owed back', () => {
    const c = e({ kind: 'charge', amount: 1000, superbillId: 'b1' });
    const p = e({ kind: 'payment', amount: 1500, method: 'cash' });
    expect(balanceOf([c, p])).toEqual({ charged: 1000, paid: 1500, due: -500 });
    const ra = e({ kind: 'reversal', amount: 1500, reverses: p.id, reason: 'a' });
    const rb = e({ kind: 'reversal', amount: 1500, reverses: p.id, reason: 'b' });
    expect(balanceOf([c, p, ra, rb])).toEqual({ charged: 1000, paid: 0, due: 1000 });
  });
});

describe('reversal rules', () => {
  const pay = e({ kind: 'payment', amount: 700, method: 'card' });
  const existing = new Map([[pay.id, pay]]);
  it('a reversal names a known entry, gives a reason and undoes the whole amount', () => {
    expect(ledgerProblems({ kind: 'reversal', amount: 700, currency: 'KES', reverses: pay.id, reason: 'Card declined' }, existing)).toEqual([]);
    expect(ledgerProblems({ kind: 'reversal', amount: 700, currency: 'KES', reverses: pay.id, reason: ' ' }, existing).map((p) => p.field)).toEqual(['reason']);
    expect(ledgerProblems({ kind: 'reversal', amount: 700, currency: 'KES', reverses: 'nope', reason: 'x' }, existing).map((p) => p.field)).toEqual(['reverses']);
    expect(ledgerProblems({ kind: 'reversal', amount: 300, currency: 'KES', reverses: pay.id, reason: 'x' }, existing).map((p) => p.field)).toEqual(['amount']);
  });
  it('amounts are positive integers of minor units', () => {
    const base = { kind: 'payment', currency: 'KES', method: 'cash' };
    expect(ledgerProblems({ ...base, amount: 1 }, existing)).toEqual([]);
    for (const amount of [0, -1, 1.5, Number.NaN, 1e13, '5']) expect(ledgerProblems({ ...base, amount }, existing).map((p) => p.field)).toEqual(['amount']);
  });
});

describe('daily cash report', () => {
  it('totals per method and per person, less reversals of payments made that day; charges and other days left out', () => {
    const day = (h: string) => `2026-12-04T${h}:00.000Z`;
    const yesterday = e({ kind: 'payment', amount: 9999, method: 'cash', createdAt: '2026-12-03T23:59:59.000Z' });
    const a = e({ kind: 'payment', amount: 2000, method: 'cash', createdAt: day('08:10'), createdBy: 'Priya' });
    const b = e({ kind: 'payment', amount: 3500, method: 'mobile-money', reference: 'M1', createdAt: day('09:00'), createdBy: 'Priya' });
    const c = e({ kind: 'payment', amount: 1200, method: 'cash', createdAt: day('10:30'), createdBy: 'Juma' });
    const d = e({ kind: 'payment', amount: 800, method: 'card', createdAt: day('11:00'), createdBy: 'Juma' });
    const charge = e({ kind: 'charge', amount: 50000, superbillId: 'b1', createdAt: day('08:00') });
    const rev = e({ kind: 'reversal', amount: 2000, reverses: a.id, reason: 'Wrong patient', createdAt: day('12:00'), createdBy: 'Juma' });
    const revYesterday = e({ kind: 'reversal', amount: 9999, reverses: yesterday.id, reason: 'Refund', createdAt: day('12:30'), createdBy: 'Priya' });
    const revCharge = e({ kind: 'reversal', amount: 50000, reverses: charge.id, reason: 'x', createdAt: day('13:00') });
    const tomorrow = e({ kind: 'payment', amount: 100, method: 'cash', createdAt: '2026-12-05T00:00:00.000Z' });
    const r = cashReport([yesterday, a, b, c, d, charge, rev, revYesterday, revCharge, tomorrow], day('00:00'), '2026-12-05T00:00:00.000Z');
    // cash: taken 2000 + 1200 = 3200; reversed 2000 (a) + 9999 (yesterday's cash, refunded today) = 11999; net -8799
    // mobile money 3500; card 800
    expect(r.byMethod).toEqual([
      { key: 'cash', taken: 3200, reversed: 11999, net: -8799, count: 2 },
      { key: 'card', taken: 800, reversed: 0, net: 800, count: 1 },
      { key: 'mobile-money', taken: 3500, reversed: 0, net: 3500, count: 1 }
    ]);
    // Juma: took 1200 + 800 = 2000, handed back 2000; Priya: took 2000 + 3500 = 5500, handed back 9999
    expect(r.byUser).toEqual([
      { key: 'Juma', taken: 2000, reversed: 2000, net: 0, count: 2 },
      { key: 'Priya', taken: 5500, reversed: 9999, net: -4499, count: 2 }
    ]);
    expect(r.total).toEqual({ key: 'total', taken: 7500, reversed: 11999, net: -4499, count: 4 });
  });
});

describe('amounts typed and shown', () => {
  it.each([
    ['150', 'KES', 15000],
    ['12.5', 'USD', 1250],
    ['1 200.05', 'USD', 120005],
    ['12,50', 'EUR', 1250],
    ['5000', 'UGX', 5000],
    ['1.234', 'KWD', 1234]
  ])('%s %s is %i minor units', (text, cur, minor) => {
    expect(parseAmount(text, cur)).toBe(minor);
  });
  // '1,200' is refused, not guessed: twelve hundred at one desk, one point two at another.
  it.each([['-5'], ['0'], ['1.005'], ['abc'], [''], ['5.5 '], ['1,200'], ['1,200.00'], ['12,5,0']])('refuses %j', (text) => {
    expect(text === '5.5 ' ? parseAmount(text, 'UGX') : parseAmount(text, 'USD')).toBeNull();
  });
  it('formats without float error', () => {
    expect(formatAmount(120005, 'USD', 'en')).toBe('$1,200.05');
    expect(formatAmount(15000, 'KES', 'en')).toBe('KES\u00a0150.00');
    expect(formatAmount(-500, 'USD', 'en')).toBe('-$5.00');
    expect(formatAmount(5000, 'UGX', 'en')).toBe('UGX\u00a05,000');
  });
});

describe('diagnoses of a visit', () => {
  it('reads the coded lines the visit workspace writes, each code once', () => {
    const text = 'Fever three days.\nPlasmodium falciparum malaria, unspecified (ICD-10-CM B50.9)\nAcute pharyngitis, unspecified (ICD-10-CM J02.9)\nB50.9 again (ICD-10-CM B50.9)\nnot a code (ICD-10-CM ???)';
    expect(diagnosesFromAssessment(text)).toEqual([
      { code: 'B50.9', display: 'Plasmodium falciparum malaria, unspecified' },
      { code: 'J02.9', display: 'Acute pharyngitis, unspecified' }
    ]);
  });
});
