/**
 * The non-interruptive tier (Phansalkar et al., JAMIA 2013): a rule marked
 * `tier: 'non-interruptive'` yields an alert with `interrupt: false`, graded
 * minor, which the prescribe page lists under "Also noted" and never asks a
 * reason for. These tests add a made-up row to a copy of the pack:
 * lisinopril + amlodipine, a pair chosen only because neither side has any
 * other rule, not a clinical claim. The bundled pairs of the 2013 paper are
 * tested in low-priority-pairs.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { isInterruptive } from './alert';
import { checkOrder } from './check-order';
import { bundledDrugPack, parseDrugPack } from './drug-pack';
import type { DrugPack, InteractionRule } from './pack-schema';
import { input, med } from './test-factories';

const LOW: InteractionRule = {
  id: 'test-low-priority',
  title: 'Test low-priority pair',
  logic: 'pair',
  a: { label: 'Lisinopril', classes: [], ingredients: ['lisinopril'] },
  b: { label: 'Amlodipine', classes: [], ingredients: ['amlodipine'] },
  severity: 'minor',
  tier: 'non-interruptive',
  overrides: [],
  consequence: 'Test consequence.',
  mechanism: 'Test mechanism.',
  action: 'No action needed.',
  sourceId: 'phansalkar-2013',
  citation: 'Phansalkar 2013 (test row)'
};
const withRule = (rule: InteractionRule): DrugPack => {
  const pack = structuredClone(bundledDrugPack());
  pack.interactions.push(rule);
  return pack;
};
const ddi = (pack: DrugPack, a: string, b: string) => checkOrder(input(med(a), [med(b)]), pack).filter((x) => x.kind === 'drug-drug');

describe('non-interruptive tier', () => {
  test('the pair yields a minor alert marked interrupt: false, in both directions', () => {
    const pack = withRule(LOW);
    for (const [a, b] of [['lisinopril', 'amlodipine'], ['amlodipine', 'lisinopril']]) {
      const alerts = ddi(pack, a, b);
      expect(alerts.map((x) => [x.ruleId, x.severity, x.interrupt])).toEqual([['test-low-priority', 'minor', false]]);
      expect(isInterruptive(alerts[0])).toBe(false);
      expect(alerts[0].source.citation).toBe('Phansalkar 2013 (test row)');
    }
    // Without the row the bundled pack says nothing about this pair.
    expect(ddi(bundledDrugPack(), 'lisinopril', 'amlodipine')).toEqual([]);
  });

  test('interruptive rules stay as they are: no interrupt field, isInterruptive true', () => {
    const [serotonin] = ddi(withRule(LOW), 'linezolid', 'sertraline');
    expect(serotonin.ruleId).toBe('fda-mao-inhibiting-serotonergic');
    expect('interrupt' in serotonin).toBe(false);
    expect(isInterruptive(serotonin)).toBe(true);
  });

  test('the pack refuses a non-interruptive rule graded serious (or with a serious override)', () => {
    expect(() => parseDrugPack(withRule(LOW))).not.toThrow();
    expect(() => parseDrugPack(withRule({ ...LOW, severity: 'serious' }))).toThrow(/test-low-priority: a non-interruptive rule may only be graded minor or info/);
    expect(() => parseDrugPack(withRule({ ...LOW, overrides: [{ ingredients: ['lisinopril'], severity: 'contraindicated', reason: 'x' }] }))).toThrow(
      /may only be graded minor or info/
    );
  });

  test('the bundled pack cites the 2013 paper as a source; its rows are all non-interruptive, minor and cite it', () => {
    const pack = bundledDrugPack();
    expect(pack.sources.find((s) => s.id === 'phansalkar-2013')?.citation).toMatch(/^Phansalkar S, van der Sijs H, Tucker AD, et al\. Drug-drug interactions that should be non-interruptive/);
    const low = pack.interactions.filter((r) => r.tier === 'non-interruptive');
    expect(low).toHaveLength(29);
    for (const r of low) expect([r.severity, r.sourceId, r.citation.startsWith('Phansalkar S, van der Sijs H')], r.id).toEqual(['minor', 'phansalkar-2013', true]);
  });
});
