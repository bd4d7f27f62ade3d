import { describe, expect, test } from 'vitest';
import { MEASURE_IDS } from '../measures/measure-definitions';
import { condition, facts, result, visit } from '../measures/test-factories';
import { BUILT_IN_REGISTRIES } from '../registries/built-in-registries';
import { EMPTY_CHART_FACTS, type PatientFacts } from '../registries/patient-facts';
import type { Registry } from '../registries/registry-definition';
import { measureTrends, trendMonths } from './measure-trends';
import { registrySizes } from './registry-sizes';

describe('quality measures by month', () => {
  test('each month is the rolling year ending on its last day; the current month ends today', () => {
    const months = trendMonths('2026-11-20');
    expect(months.map((x) => x.label)).toEqual(['2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11']);
    expect(months[0].period).toEqual({ start: '2025-01-01', end: '2025-12-31' });
    expect(months[2].period).toEqual({ start: '2025-03-01', end: '2026-02-28' });
    expect(months[11].period).toEqual({ start: '2025-11-21', end: '2026-11-20' });
  });

  // Two adults with type 2 diabetes (CMS122: HbA1c > 9% or none in the period is poor control).
  // p1: seen 10 March 2026 with HbA1c 10.0%, then 15 June 2026 with 7.0%. p2: seen 5 May 2026, never tested.
  const p1 = facts({ patientId: 'p1', conditions: [condition('icd10|E11.9')], encounters: [visit('2026-03-10', 'Office visit', 'Dr A'), visit('2026-06-15', 'Office visit', 'Dr A')], observations: [result('loinc|4548-4', '2026-03-10', 10, '%'), result('loinc|4548-4', '2026-06-15', 7, '%')] });
  const p2 = facts({ patientId: 'p2', birthDate: '1961-02-01', gender: 'male', conditions: [condition('icd10|E11.9')], encounters: [visit('2026-05-05', 'Office visit', 'Dr B')] });
  const months = trendMonths('2026-11-20');

  test('the HbA1c > 9% rate month by month, for the clinic and for one provider', () => {
    const trends = measureTrends([p1, p2], months);
    expect(trends.map((t) => t.measureId)).toEqual([...MEASURE_IDS]);
    const cms122 = trends.find((t) => t.measureId === 'CMS122');
    // Nobody seen before March; March–April p1 poor (10%); May both poor; from June p1 controlled (7%), p2 still untested.
    expect(cms122?.rates).toEqual([null, null, null, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(measureTrends([p1, p2], months, 'Dr B').find((t) => t.measureId === 'CMS122')?.rates).toEqual([null, null, null, null, null, 1, 1, 1, 1, 1, 1, 1]);
    expect(measureTrends([p1, p2], months, 'Dr A').find((t) => t.measureId === 'CMS122')?.rates).toEqual([null, null, null, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  });

  test('CMS138 follows its overall group (screened and, if a user, helped)', () => {
    expect(measureTrends([p1], months).find((t) => t.measureId === 'CMS138')?.groupId).toBe('overall');
  });
});

describe('registry sizes', () => {
  const patient = (id: string, over: Partial<PatientFacts>): PatientFacts => ({ ...EMPTY_CHART_FACTS, patientId: id, name: id, birthDate: '1970-06-15', gender: 'female', ...over });
  const hba1c = (value?: number) => ({ code: '4548-4', text: 'HbA1c', at: '2026-10-01', unit: '%', ...(value !== undefined ? { value } : {}) });
  const a = patient('a', { conditionCodes: ['E11.9'], lastVisit: '2026-10-01', latestResults: [hba1c(10)] });
  const b = patient('b', { conditionCodes: ['I10', 'E11.9'], lastVisit: '', gender: 'male', latestResults: [hba1c()] });
  const c = patient('c', { birthDate: '1996-01-01', lastVisit: '2024-01-01' });
  const poorControl: Registry = { id: 'r1', builtIn: false, status: 'active', name: 'HbA1c over 9', description: '', rules: [{ kind: 'result', loinc: '4548-4', comparator: 'gt', value: 9, unit: '%' }], filters: [] };

  test('members of each built-in and clinic registry, and those the rules could not judge', () => {
    const sizes = registrySizes([...BUILT_IN_REGISTRIES, poorControl], [a, b, c], '2026-11-20T10:00:00.000Z');
    expect(sizes.map((s) => [s.registry.id, s.members, s.notEvaluated])).toEqual([
      ['diabetes', 2, 0],
      ['hypertension', 1, 0],
      ['pregnancy', 0, 0],
      ['child-vaccines', 0, 0],
      ['follow-up', 2, 0],
      // b's HbA1c has no number: not judged, and not counted as a member.
      ['r1', 1, 1]
    ]);
  });
});
