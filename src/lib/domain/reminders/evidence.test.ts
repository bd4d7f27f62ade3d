import { describe, expect, test } from 'vitest';
import { hasProblem, lastDone, openOrderFor, seriesOf, within } from './evidence';
import { evaluateReminders, type ReminderContext } from './index';
import { bmi, bp, ctx, find, named, obs, order, problem, procedure, report } from './test-factories';

/** Finding a rule's evidence in the chart: newest date, intervals, problems, open orders, and reading the chart once per state. */

describe('lastDone: the date of the newest matching entry', () => {
  test('the newest of several entries with one code, in whatever order the chart holds them', () => {
    const older = obs('57905-2', '2024-03-01');
    const newer = obs('57905-2', '2025-09-01');
    expect(lastDone(ctx({ observations: [newer, older] }), { codes: ['57905-2'] })).toBe('2025-09-01');
    expect(lastDone(ctx({ observations: [older, newer] }), { codes: ['57905-2'] })).toBe('2025-09-01');
  });

  test('the newest across codes, whichever code the query names first', () => {
    const c = ctx({ observations: [obs('A-1', '2025-09-01'), obs('B-2', '2023-01-01')] });
    expect(lastDone(c, { codes: ['A-1', 'B-2'] })).toBe('2025-09-01');
    expect(lastDone(c, { codes: ['B-2', 'A-1'] })).toBe('2025-09-01');
  });

  test('across observations, reports and procedures', () => {
    const c = ctx({ observations: [obs('X', '2021-01-01')], reports: [report('X', 'x', '2024-01-01')], procedures: [procedure('X', 'x', '2022-01-01')] });
    expect(lastDone(c, { codes: ['X'] })).toBe('2024-01-01');
  });

  test('by code prefix, for hierarchical code systems (E11 covers E11.9, not XE11)', () => {
    const c = ctx({ observations: [obs('E11.9', '2022-05-01'), obs('XE11', '2025-05-01'), obs('E10', '2021-01-01')] });
    expect(lastDone(c, { codePrefixes: ['E11'] })).toBe('2022-05-01');
    expect(lastDone(c, { codePrefixes: ['E10', 'E11'] })).toBe('2022-05-01');
    expect(lastDone(c, { codePrefixes: ['E12'] })).toBeUndefined();
  });

  test('by name, for records that arrive with text only', () => {
    const c = ctx({ observations: [named('Screening colonoscopy', '2019-04-01'), named('Gastroscopy', '2025-04-01')] });
    expect(lastDone(c, { text: /colonoscopy/i })).toBe('2019-04-01');
    expect(lastDone(c, { text: /sigmoidoscopy/i })).toBeUndefined();
  });

  test('nothing matching: undefined', () => {
    expect(lastDone(ctx({ observations: [obs('X', '2021-01-01')] }), { codes: ['Y'], text: /y/ })).toBeUndefined();
  });

  test('the date falls back to when the entry was made when the entry has no date of its own', () => {
    const undated = obs('X', '', { createdAt: '2023-07-07T08:00:00Z' });
    const unperformed = procedure('Y', 'y', '', { performedPeriod: {}, createdAt: '2022-02-02T08:00:00Z' });
    const unreported = report('Z', 'z', '', { createdAt: '2021-01-01T08:00:00Z' });
    const c = ctx({ observations: [undated], procedures: [unperformed], reports: [unreported] });
    expect(lastDone(c, { codes: ['X'] })).toBe('2023-07-07T08:00:00Z');
    expect(lastDone(c, { codes: ['Y'] })).toBe('2022-02-02T08:00:00Z');
    expect(lastDone(c, { codes: ['Z'] })).toBe('2021-01-01T08:00:00Z');
  });

  test.each([
    ['an observation entered in error', ctx({ observations: [obs('X', '2025-01-01', { status: 'entered-in-error' })] })],
    ['a cancelled observation', ctx({ observations: [obs('X', '2025-01-01', { status: 'cancelled' })] })],
    ['a cancelled report', ctx({ reports: [report('X', 'x', '2025-01-01', { status: 'cancelled' })] })],
    ['a procedure not done', ctx({ procedures: [procedure('X', 'x', '2025-01-01', { status: 'not-done' })] })],
    ['a procedure entered in error', ctx({ procedures: [procedure('X', 'x', '2025-01-01', { status: 'entered-in-error' })] })],
    ['a revoked report', ctx({ reports: [report('X', 'x', '2025-01-01', { status: 'revoked' })] })]
  ])('%s never counts, by code or by name', (_, c) => {
    expect(lastDone(c, { codes: ['X'] })).toBeUndefined();
    expect(lastDone(c, { text: /x/i })).toBeUndefined();
  });

  test('a voided entry does not hide a valid older one', () => {
    const c = ctx({ observations: [obs('X', '2025-01-01', { id: 'void', status: 'entered-in-error' }), obs('X', '2020-01-01')] });
    expect(lastDone(c, { codes: ['X'] })).toBe('2020-01-01');
  });
});

describe('within: a date lies within n years (n × 365.25 days) before now', () => {
  const now = '2026-12-01T10:00:00.000Z';
  test('a time exactly one year of 365.25 days before now is within; a millisecond earlier is not', () => {
    expect(within('2025-12-01T04:00:00.000Z', 1, now)).toBe(true);
    expect(within('2025-12-01T03:59:59.999Z', 1, now)).toBe(false);
  });

  test('a date without a time is midnight UTC', () => {
    expect(within('2025-12-01', 1, '2026-12-01T06:00:00.000Z')).toBe(true);
    expect(within('2025-12-01', 1, '2026-12-01T06:00:00.001Z')).toBe(false);
    expect(within('2025-11-30', 1, '2026-12-01T06:00:00.000Z')).toBe(false);
  });

  test('three years: 1095.75 days', () => {
    expect(within('2023-12-01T16:00:00.000Z', 3, now)).toBe(true);
    expect(within('2023-12-01T15:59:59.999Z', 3, now)).toBe(false);
  });

  test('now is within; no date is not', () => {
    expect(within(now, 1, now)).toBe(true);
    expect(within(undefined, 200, now)).toBe(false);
    expect(within('', 200, now)).toBe(false);
  });
});

describe('hasProblem: an active problem on the list', () => {
  const diabetes = { codes: ['44054006'], codePrefixes: ['E11'], text: /diabetes/i };
  test.each([
    ['by code, whatever it is called', problem('T2DM', '44054006'), true],
    ['by code prefix', problem('T2DM', 'E11.9'), true],
    ['by code prefix among other codings', problem('T2DM', 'E11.9', { code: { text: 'T2DM', coding: [{ code: 'LOCAL' }, { code: 'E11.9' }] } }), true],
    ['by name, without codes', problem('Type 2 diabetes', ''), true],
    ['by one code among several', problem('T2DM', '', { code: { text: 'T2DM', coding: [{ code: 'LOCAL' }, { code: '44054006' }] } }), true],
    ['a coding without a code', problem('T2DM', '', { code: { text: 'T2DM', coding: [{ display: 'T2DM' }] } }), false],
    ['something else', problem('Asthma', '195967001'), false],
    ['in recurrence', problem('T2DM', '44054006', { clinicalStatus: 'recurrence' }), true],
    ['in relapse', problem('T2DM', '44054006', { clinicalStatus: 'relapse' }), true],
    ['resolved', problem('T2DM', '44054006', { clinicalStatus: 'resolved' }), false],
    ['inactive', problem('T2DM', '44054006', { clinicalStatus: 'inactive' }), false],
    ['in remission', problem('T2DM', '44054006', { clinicalStatus: 'remission' }), false],
    ['entered in error', problem('T2DM', '44054006', { verificationStatus: 'entered-in-error' }), false],
    ['entered in error, by name', problem('Type 2 diabetes', '', { verificationStatus: 'entered-in-error' }), false],
    ['refuted (ruled out)', problem('T2DM', '44054006', { verificationStatus: 'refuted' }), false],
    ['refuted, by name', problem('Type 2 diabetes', '', { verificationStatus: 'refuted' }), false],
    ['unconfirmed', problem('T2DM', '44054006', { verificationStatus: 'unconfirmed' }), true]
  ])('%s', (_, p, expected) => {
    expect(hasProblem(ctx({ conditions: [p] }), diabetes)).toBe(expected);
  });

  test('a query of codes only does not match by name', () => {
    expect(hasProblem(ctx({ conditions: [problem('Type 2 diabetes', '')] }), { codes: ['44054006'] })).toBe(false);
  });
});

describe('openOrderFor: the open order that answers a rule', () => {
  test.each([
    ['an active order', [order('o1', '57905-2', 'active')], 'o1'],
    ['a draft order', [order('o1', '57905-2', 'draft')], 'o1'],
    ['a completed order', [order('o1', '57905-2', 'completed')], undefined],
    ['a revoked order', [order('o1', '57905-2', 'revoked')], undefined],
    ['an order entered in error', [order('o1', '57905-2', 'entered-in-error')], undefined],
    ['an active order for another test', [order('o1', '4548-4', 'active')], undefined],
    ['an order without codes', [order('o1', 'x', 'active', { code: { text: 'FIT' } })], undefined],
    ['one of several codings', [order('o1', 'x', 'active', { code: { text: 'FIT', coding: [{ code: 'LOCAL' }, { code: '57905-2' }] } })], 'o1'],
    ['the first open one', [order('o0', '57905-2', 'completed'), order('o1', '4548-4', 'active'), order('o2', '29771-3', 'draft'), order('o3', '57905-2', 'active')], 'o2']
  ])('%s', (_, orders, expected) => {
    expect(openOrderFor(ctx({ orders }), ['57905-2', '29771-3'])).toBe(expected);
  });
});

describe('each chart state is read once, however many rules ask', () => {
  /** The chart's list, counting how many times something walks through it. */
  function counted<T>(items: T[]): { list: T[]; reads: () => number } {
    let reads = 0;
    const list = new Proxy(items, {
      get(target, key, receiver) {
        if (key === Symbol.iterator) reads++;
        return Reflect.get(target, key, receiver);
      }
    });
    return { list, reads: () => reads };
  }

  test('evaluating every rule, twice, walks the observations once for the evidence and once for the vitals, and the reports and procedures once', () => {
    // A 55-year-old with a BMI of 31: the diabetes rule reads the BMI after the vitals reminders did.
    const observations = counted([bmi(31), bp('bp1', 118, 76, '2026-06-01'), obs('57905-2', '2026-03-01')]);
    const reports = counted([report('24606-6', 'Mammogram', '2025-06-01')]);
    const procedures = counted([procedure('73761001', 'Colonoscopy', '2018-01-01')]);
    const c = ctx({ observations: observations.list, reports: reports.list, procedures: procedures.list });
    const first = evaluateReminders(c);
    const second = evaluateReminders(c);
    expect(second).toEqual(first);
    expect(find(first, 'uspstf-prediabetes-diabetes')?.status).toBe('due');
    expect(observations.reads()).toBe(2);
    expect(reports.reads()).toBe(1);
    expect(procedures.reads()).toBe(1);
  });

  test('the vital-sign series is computed once per observations list', () => {
    const observations = [bmi(31)];
    const c = ctx({ observations });
    expect(seriesOf(c)).toBe(seriesOf({ ...c }));
    expect(seriesOf(c).bmi.map((r) => r.value)).toEqual([31]);
    expect(seriesOf(ctx({ observations: [...observations, bmi(22, '2026-11-01')] })).bmi.map((r) => r.value)).toEqual([31, 22]);
  });

  test('a new chart state is read afresh: new observations', () => {
    const reports: ReminderContext['reports'] = [];
    const procedures: ReminderContext['procedures'] = [];
    const c = ctx({ reports, procedures });
    expect(lastDone(c, { codes: ['57905-2'] })).toBeUndefined();
    expect(lastDone({ ...c, observations: [obs('57905-2', '2026-03-01')] }, { codes: ['57905-2'] })).toBe('2026-03-01');
  });

  test('a new chart state is read afresh: new reports with the same observations and procedures', () => {
    const observations: ReminderContext['observations'] = [];
    const procedures: ReminderContext['procedures'] = [];
    const c = ctx({ observations, procedures });
    expect(lastDone(c, { codes: ['24606-6'] })).toBeUndefined();
    expect(lastDone({ ...c, reports: [report('24606-6', 'Mammogram', '2025-06-01')] }, { codes: ['24606-6'] })).toBe('2025-06-01');
  });

  test('a new chart state is read afresh: new procedures with the same observations and reports', () => {
    const observations: ReminderContext['observations'] = [];
    const reports: ReminderContext['reports'] = [];
    const c = ctx({ observations, reports });
    expect(lastDone(c, { codes: ['73761001'] })).toBeUndefined();
    expect(lastDone({ ...c, procedures: [procedure('73761001', 'Colonoscopy', '2018-01-01')] }, { codes: ['73761001'] })).toBe('2018-01-01');
  });
});
