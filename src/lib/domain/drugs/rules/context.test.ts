/** Helpers every rule uses: age, naming of medicine lists, per-check caching, involved items. */
import { describe, expect, test } from 'vitest';
import { ageInYears, namesOf, perCheck, type RuleContext } from './context';

describe('ageInYears (on 2026-01-15)', () => {
  const now = new Date('2026-01-15T12:00:00Z');
  test.each([
    ['1960-01-15', 66],
    ['1960-01-14', 66],
    ['1960-01-16', 65],
    ['1960-02-15', 65],
    ['1959-12-31', 66],
    ['1960-12-01', 65],
    ['1960-01-16T23:00:00Z', 65],
    ['2026-01-15', 0]
  ])('born %s -> %i', (birthDate, age) => {
    expect(ageInYears(birthDate, now)).toBe(age);
  });
  test.each([[undefined], [''], ['15/01/1960'], ['x1960-01-15'], ['1960-1-15'], ['1960-01-5']])('unknown for %s', (birthDate) => {
    expect(ageInYears(birthDate, now)).toBeUndefined();
  });
  test('months later in the year, on the day after a birthday', () => {
    expect(ageInYears('1960-06-10', new Date('2026-06-11T00:00:00Z'))).toBe(66);
    expect(ageInYears('1960-06-10', new Date('2026-06-10T00:00:00Z'))).toBe(66);
    expect(ageInYears('1960-06-10', new Date('2026-06-09T00:00:00Z'))).toBe(65);
    expect(ageInYears('1960-06-10', new Date('2026-07-01T00:00:00Z'))).toBe(66);
    expect(ageInYears('1960-06-10', new Date('2026-05-31T00:00:00Z'))).toBe(65);
  });
});

describe('namesOf names at most ten medicines', () => {
  const meds = (n: number) => Array.from({ length: n }, (_, i) => ({ label: `m${i + 1}` }));
  test.each([
    [0, ''],
    [1, 'm1'],
    [2, 'm1, m2'],
    [10, 'm1, m2, m3, m4, m5, m6, m7, m8, m9, m10'],
    [11, 'm1, m2, m3, m4, m5, m6, m7, m8, m9, m10 and 1 more'],
    [13, 'm1, m2, m3, m4, m5, m6, m7, m8, m9, m10 and 3 more']
  ])('%i medicines', (n, expected) => {
    expect(namesOf(meds(n))).toBe(expected);
  });
  test('a total larger than the list given counts the rest', () => {
    expect(namesOf(meds(3), 25)).toBe('m1, m2, m3 and 15 more');
    expect(namesOf(meds(3), 10)).toBe('m1, m2, m3');
  });
});

describe('perCheck', () => {
  test('builds once per check and keeps the value for later hits of the same check', () => {
    const cache = new WeakMap<RuleContext, number>();
    const ctxA = {} as RuleContext;
    const ctxB = {} as RuleContext;
    let builds = 0;
    const build = () => ++builds;
    expect(perCheck(cache, ctxA, build)).toBe(1);
    expect(perCheck(cache, ctxA, build)).toBe(1);
    expect(perCheck(cache, ctxA, build)).toBe(1);
    expect(builds).toBe(1);
    // Positive control: a different check builds its own value.
    expect(perCheck(cache, ctxB, build)).toBe(2);
    expect(builds).toBe(2);
  });
});
