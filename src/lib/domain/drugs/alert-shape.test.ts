/** Ordering of alerts by severity, and the more-severe-of-two helper. */
import { describe, expect, test } from 'vitest';
import { moreSevere, sortAlerts, type Alert } from './alert';
import type { Severity } from './pack-schema';

const alert = (severity: Severity, title: string): Alert => ({
  kind: 'drug-drug',
  severity,
  title,
  detail: '',
  action: '',
  source: { citation: '' },
  ruleId: 'r',
  involved: []
});
const titles = (alerts: Alert[]) => alerts.map((a) => a.title);

describe('sortAlerts', () => {
  test('most severe first: contraindicated, serious, moderate, minor, info', () => {
    const input = [alert('info', 'I'), alert('minor', 'Mi'), alert('contraindicated', 'C'), alert('moderate', 'Mo'), alert('serious', 'S')];
    expect(titles(sortAlerts(input))).toEqual(['C', 'S', 'Mo', 'Mi', 'I']);
  });
  test('two alerts in the wrong order are swapped', () => {
    expect(titles(sortAlerts([alert('minor', 'later'), alert('serious', 'first')]))).toEqual(['first', 'later']);
    expect(titles(sortAlerts([alert('info', 'later'), alert('contraindicated', 'first')]))).toEqual(['first', 'later']);
  });
  test('two alerts already in order stay', () => {
    expect(titles(sortAlerts([alert('serious', 'first'), alert('minor', 'later')]))).toEqual(['first', 'later']);
  });
  test('stable within a severity', () => {
    const input = [alert('moderate', 'm1'), alert('moderate', 'm2'), alert('serious', 's1'), alert('moderate', 'm3'), alert('serious', 's2'), alert('moderate', 'm4')];
    expect(titles(sortAlerts(input))).toEqual(['s1', 's2', 'm1', 'm2', 'm3', 'm4']);
  });
  test('all of one severity keep their order', () => {
    const input = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'].map((t) => alert('info', t));
    expect(titles(sortAlerts(input))).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l']);
  });
  test('stable within a severity in a long list (a CDS request may carry hundreds)', () => {
    const order: Severity[] = ['contraindicated', 'serious', 'moderate', 'minor', 'info'];
    // A fixed, irregular mix: long same-severity stretches and interleaving.
    const severityAt = (i: number): Severity => order[i < 80 ? (i % 3 === 0 ? 4 : 2) : i < 160 ? 2 + (i % 2) : (i * 7) % 5];
    const input = Array.from({ length: 400 }, (_, i) => alert(severityAt(i), `a${i}`));
    const expected = order.flatMap((s) => input.filter((a) => a.severity === s).map((a) => a.title));
    expect(titles(sortAlerts(input))).toEqual(expected);
  });
  test('an empty list', () => {
    expect(sortAlerts([])).toEqual([]);
  });
});

describe('moreSevere', () => {
  test.each([
    ['serious', 'moderate', 'serious'],
    ['moderate', 'serious', 'serious'],
    ['info', 'contraindicated', 'contraindicated'],
    ['contraindicated', 'info', 'contraindicated'],
    ['minor', 'info', 'minor'],
    ['info', 'minor', 'minor'],
    ['moderate', 'moderate', 'moderate']
  ] as const)('%s vs %s -> %s', (a, b, expected) => {
    expect(moreSevere(a, b)).toBe(expected);
  });
});
