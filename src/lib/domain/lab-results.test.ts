import { describe, expect, test } from 'vitest';
import type { Observation, Report } from './clinical';
import { groupResults, latestGroups, resultFlag, resultTrends } from './lab-results';

const base = { status: 'final', category: 'laboratory', createdAt: '', createdBy: '', updatedAt: '', updatedBy: '' };
const lab = (id: string, at: string, value: number, extra: Partial<Observation> = {}): Observation =>
  ({ ...base, id, code: { text: 'Hemoglobin', coding: [{ code: '718-7' }] }, effectiveDateTime: at, valueQuantity: { value, unit: 'g/dL' }, ...extra }) as Observation;
const report = (id: string, at: string, result: string[]): Report =>
  ({ ...base, id, category: [], code: { text: 'CBC panel' }, effectiveDateTime: at, result }) as Report;

describe('result flags', () => {
  test.each([
    [{ interpretation: [{ text: 'High', coding: [{ code: 'H' }] }] }, { status: 'abnormal', label: 'High', level: 'warn' }],
    [{ interpretation: [{ text: '', coding: [{ code: 'LL' }] }] }, { status: 'abnormal', label: 'Critically low', level: 'danger' }],
    [{ interpretation: [{ text: '', coding: [{ code: 'N' }] }] }, { status: 'normal' }],
    [{ referenceRange: [{ low: { value: 13.5 }, high: { value: 17.5 } }] }, { status: 'normal' }],
    [{ referenceRange: [{ low: { value: 14 } }] }, { status: 'abnormal', label: 'Low', level: 'warn' }],
    [{ referenceRange: [{ high: { value: 13 } }] }, { status: 'abnormal', label: 'High', level: 'warn' }],
    [{}, { status: 'no-range' }]
  ] as [Partial<Observation>, object][])('%o → %o', (extra, flag) => {
    expect(resultFlag(lab('a', '2024-01-01', 13.5, extra))).toEqual(flag);
  });

  test('the interpretation wins over the range', () => {
    expect(resultFlag(lab('a', '', 20, { referenceRange: [{ high: { value: 17 } }], interpretation: [{ text: '', coding: [{ code: 'N' }] }] }))).toEqual({ status: 'normal' });
  });
});

describe('grouping', () => {
  const obs = [
    lab('o1', '2023-01-01T00:00:00Z', 14),
    lab('o2', '2024-01-01T00:00:00Z', 12),
    lab('o3', '2024-02-01T00:00:00Z', 13),
    lab('o4', '2024-03-01T00:00:00Z', 11, { status: 'entered-in-error' }),
    lab('v1', '2024-01-01T00:00:00Z', 70, { category: 'vital-signs' })
  ];
  const reports = [report('r1', '2023-01-01T00:00:00Z', ['o1']), report('r2', '2024-01-01T00:00:00Z', ['o2', 'v1', 'missing'])];

  test('by report, newest first; loose results by time; vitals and entered-in-error left out', () => {
    const groups = groupResults(obs, reports);
    expect(groups.map((g) => [g.title, g.rows.map((r) => r.observation.id)])).toEqual([
      ['Other results', ['o3']],
      ['CBC panel', ['o2']],
      ['CBC panel', ['o1']]
    ]);
    expect(latestGroups(groups).map((g) => g.reportId)).toEqual([undefined, 'r2']);
  });

  test('values show at most two decimals', () => {
    expect(groupResults([lab('x', 't', 168.66964866418232)], [])[0].rows[0].value).toBe('168.67');
  });

  test('trends per test, oldest first', () => {
    expect(resultTrends(obs).get('718-7')?.map((p) => p.value)).toEqual([14, 12, 13]);
  });
});
