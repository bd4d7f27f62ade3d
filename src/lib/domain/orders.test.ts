import { describe, expect, it, test } from 'vitest';
import type { Observation, Report } from './clinical';
import {
  assertTransition,
  autoCompletingResult,
  canTransition,
  mayMoveOrder,
  mayPlaceOrder,
  ORDER_CATALOGUE,
  ORDER_STATUSES,
  ORDER_TRANSITIONS,
  resultsForOrder,
  searchOrderables,
  type OrderRecord,
  type OrderStatus
} from './orders';

const allowed: [OrderStatus, OrderStatus][] = [
  ['draft', 'active'],
  ['draft', 'revoked'],
  ['draft', 'entered-in-error'],
  ['active', 'completed'],
  ['active', 'revoked'],
  ['active', 'entered-in-error'],
  ['completed', 'entered-in-error'],
  ['revoked', 'entered-in-error']
];
const forbidden = ORDER_STATUSES.flatMap((from) => ORDER_STATUSES.map((to) => [from, to] as [OrderStatus, OrderStatus])).filter(
  ([f, t]) => !allowed.some(([a, b]) => a === f && b === t)
);

describe('order status state machine', () => {
  test.each(allowed)('%s → %s is allowed', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  test.each(forbidden)('%s → %s is refused', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(() => assertTransition(from, to)).toThrow(/cannot become/);
  });

  it('lists every status', () => {
    expect(Object.keys(ORDER_TRANSITIONS).sort()).toEqual([...ORDER_STATUSES].sort());
    expect(forbidden.length + allowed.length).toBe(25);
  });
});

describe('who may place and move orders', () => {
  it('clinicians sign, nurses draft, front desk does neither', () => {
    expect(mayPlaceOrder(['clinician'])).toBe('sign');
    expect(mayPlaceOrder(['nurse'])).toBe('draft');
    expect(mayPlaceOrder(['frontdesk'])).toBe('none');
  });

  test.each([
    [['nurse'], 'draft', 'active', false],
    [['nurse'], 'draft', 'revoked', true],
    [['nurse'], 'active', 'revoked', false],
    [['nurse'], 'active', 'completed', true],
    [['nurse'], 'active', 'entered-in-error', true],
    [['clinician'], 'draft', 'active', true],
    [['clinician'], 'active', 'revoked', true],
    [['frontdesk'], 'active', 'completed', false]
  ] as const)('%j moving %s → %s: %s', (roles, from, to, ok) => {
    expect(mayMoveOrder(roles, from, to)).toBe(ok);
  });
});

describe('catalogue', () => {
  it('has unique LOINC codes and finds tests by short name or code', () => {
    expect(new Set(ORDER_CATALOGUE.map((t) => t.code)).size).toBe(ORDER_CATALOGUE.length);
    expect(searchOrderables('a1c').map((t) => t.code)).toEqual(['4548-4']);
    expect(searchOrderables('58410').map((t) => t.short)).toEqual(['CBC']);
    expect(searchOrderables('chest', 'laboratory')).toEqual([]);
    expect(searchOrderables('chest', 'imaging').map((t) => t.code)).toEqual(['36643-5']);
  });
});

const base = { createdAt: '2024-05-01T09:00:00.000Z', createdBy: 'Dr', updatedAt: '', updatedBy: '' };
const order: OrderRecord = {
  ...base,
  id: 'o1',
  status: 'active',
  intent: 'order',
  category: 'laboratory',
  code: { text: 'HbA1c', coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
  priority: 'routine',
  reasonText: '',
  note: '',
  authoredOn: '2024-05-01T09:00:00.000Z'
};
const obs = (id: string, code: string, at: string, extra: Partial<Observation> = {}): Observation => ({
  ...base,
  id,
  status: 'final',
  category: 'laboratory',
  code: { text: code, coding: [{ system: 'http://loinc.org', code }] },
  effectiveDateTime: at,
  ...extra
});
const report = (id: string, code: string, at: string, result: string[], extra: Partial<Report> = {}): Report => ({
  ...base,
  id,
  status: 'final',
  category: [],
  code: { text: code, coding: [{ code }] },
  effectiveDateTime: at,
  result,
  ...extra
});

describe('results that answer an order', () => {
  test.each([
    ['same test after the order', obs('r', '4548-4', '2024-05-03T08:00:00Z'), true, false],
    ['same test by another method', obs('r', '17856-6', '2024-05-03T08:00:00Z'), true, false],
    ['same test on the order day, date only', obs('r', '4548-4', '2024-05-01'), true, false],
    ['same test before the order', obs('r', '4548-4', '2024-04-30T08:00:00Z'), false, false],
    ['another test', obs('r', '2339-0', '2024-05-03T08:00:00Z'), false, false],
    ['another test naming the order', obs('r', '2339-0', '2024-05-03T08:00:00Z', { basedOn: ['o1'] }), true, true],
    ['an earlier result naming the order', obs('r', '4548-4', '2024-04-01T08:00:00Z', { basedOn: ['o1'] }), true, true],
    ['same test entered in error', obs('r', '4548-4', '2024-05-03T08:00:00Z', { status: 'entered-in-error' }), false, false],
    ['same test naming another order', obs('r', '4548-4', '2024-05-03T08:00:00Z', { basedOn: ['o2'] }), true, false]
  ])('%s', (_, o, found, linked) => {
    const results = resultsForOrder(order, [o], []);
    expect(results.length).toBe(found ? 1 : 0);
    if (found) expect(results[0].linked).toBe(linked);
  });

  it('shows a panel through its report, not once per test in it', () => {
    const cbc: OrderRecord = { ...order, id: 'o2', code: { text: 'CBC', coding: [{ code: '58410-2' }] } };
    const r = report('rep', '58410-2', '2024-05-02T08:00:00Z', ['w']);
    const w = obs('w', '6690-2', '2024-05-02T08:00:00Z', { basedOn: ['o2'] });
    expect(resultsForOrder(cbc, [w], [r])).toMatchObject([{ kind: 'report', id: 'rep' }]);
  });

  it('completes automatically only on a final result that names the order', () => {
    const byCode = resultsForOrder(order, [obs('r', '4548-4', '2024-05-03T08:00:00Z')], []);
    expect(autoCompletingResult(order, byCode)).toBeUndefined();
    const prelim = resultsForOrder(order, [obs('r', '4548-4', '2024-05-03T08:00:00Z', { basedOn: ['o1'], status: 'preliminary' })], []);
    expect(autoCompletingResult(order, prelim)).toBeUndefined();
    const linked = resultsForOrder(order, [obs('r', '4548-4', '2024-05-03T08:00:00Z', { basedOn: ['o1'] })], []);
    expect(autoCompletingResult(order, linked)?.id).toBe('r');
    expect(autoCompletingResult({ ...order, status: 'revoked' }, linked)).toBeUndefined();
  });
});
