import { describe, expect, it } from 'vitest';
import { flagQuantity, pointOfCareTest, rangeFor, specByCode, type PopulationRange } from './point-of-care';
import { orderableByCode } from './orders';

/** The catalogue entries, stated literally (codes from LOINC; ranges from the sources each entry names). */

const range = (code: string, who?: 'woman' | 'pregnant' | 'man'): PopulationRange => {
  const spec = pointOfCareTest(code)!.spec!;
  return rangeFor(spec, who)!;
};
const flag = (code: string, value: number, who?: 'woman' | 'pregnant' | 'man') => flagQuantity(range(code, who), value);

describe('catalogue entries', () => {
  it.each([
    ['70569-9', 'Malaria RDT', 'Plasmodium sp Ag [Identifier] in Blood by Rapid immunoassay'],
    ['80387-4', 'HIV rapid test', 'HIV 1+2 Ab [Presence] in Serum, Plasma or Blood by Rapid immunoassay'],
    ['2106-3', 'Urine pregnancy test', 'Choriogonadotropin (pregnancy test) [Presence] in Urine'],
    ['14743-9', 'Capillary glucose', 'Glucose [Moles/volume] in Capillary blood by Glucometer'],
    ['718-7', 'Haemoglobin (point of care)', 'Hemoglobin [Mass/volume] in Blood'],
    ['24357-6', 'Urine dipstick', 'Urinalysis macro (dipstick) panel - Urine'],
    ['6301-6', 'INR', 'INR in Platelet poor plasma by Coagulation assay'],
    ['5902-2', 'PT', 'Prothrombin time (PT)']
  ])('%s is %s (%s), orderable from the catalogue, with a source', (code, short, display) => {
    expect(pointOfCareTest(code)).toMatchObject({ code, short, display, category: 'laboratory' });
    expect(pointOfCareTest(code)!.source.length).toBeGreaterThan(20);
    expect(orderableByCode(code)).toMatchObject({ code, short, display });
  });

  it('other methods of the same test answer the order', () => {
    expect(orderableByCode('70569-9')!.alsoAnsweredBy).toEqual(['76772-3']);
    expect(orderableByCode('14743-9')!.alsoAnsweredBy).toEqual(['41653-7']);
    expect(orderableByCode('6301-6')!.alsoAnsweredBy).toEqual(['34714-6']);
  });

  it('qualitative tests: positive, negative, invalid (repeat); the malaria RDT says which species line', () => {
    const answers = (code: string) => {
      const s = specByCode(code)!.spec;
      return s.kind === 'qualitative' ? s.answers.map((a) => [a.code, a.interpretation]) : [];
    };
    expect(answers('80387-4')).toEqual([['positive', 'POS'], ['negative', 'NEG'], ['invalid', 'IND']]);
    expect(answers('2106-3')).toEqual([['positive', 'POS'], ['negative', 'NEG'], ['invalid', 'IND']]);
    expect(answers('70569-9')).toEqual([['pf', 'POS'], ['pan', 'POS'], ['pf-pan', 'POS'], ['negative', 'NEG'], ['invalid', 'IND']]);
    expect(pointOfCareTest('70569-9')!.prominent).toBe(true);
    expect(pointOfCareTest('80387-4')!.prominent).toBe(true);
    expect(pointOfCareTest('2106-3')!.prominent).toBe(true);
  });

  it('urine dipstick: six pads, each its own LOINC test-strip observation, graded or positive/negative', () => {
    const pads = pointOfCareTest('24357-6')!.components!.map((c) => [c.code, c.short]);
    expect(pads).toEqual([
      ['20454-5', 'Protein'],
      ['25428-4', 'Glucose'],
      ['5799-2', 'Leukocytes'],
      ['5802-4', 'Nitrite'],
      ['5794-3', 'Blood'],
      ['2514-8', 'Ketones']
    ]);
    const codes = (c: string) => {
      const s = specByCode(c)!.spec;
      return s.kind === 'qualitative' ? s.answers.map((a) => a.code) : [];
    };
    expect(codes('20454-5')).toEqual(['negative', 'trace', '1+', '2+', '3+', 'invalid']);
    expect(codes('5802-4')).toEqual(['negative', 'positive', 'invalid']);
  });

  it('quantitative tests: units and spans', () => {
    const q = (code: string) => {
      const s = pointOfCareTest(code)!.spec!;
      return s.kind === 'quantitative' ? [s.unit, s.ucum, s.min, s.max] : [];
    };
    expect(q('14743-9')).toEqual(['mmol/L', 'mmol/L', 0.5, 40]);
    expect(q('718-7')).toEqual(['g/dL', 'g/dL', 1, 25]);
    expect(q('6301-6')).toEqual(['INR', '{INR}', 0.5, 20]);
    expect(q('5902-2')).toEqual(['s', 's', 5, 200]);
  });
});

describe('flags at each boundary', () => {
  it('haemoglobin, non-pregnant woman (WHO 2011): ≥ 12.0 normal, 11.0–11.9 mild, 8.0–10.9 moderate, < 8.0 severe', () => {
    expect(range('718-7', 'woman').low).toBe(12.0);
    expect(range('718-7', 'woman').high).toBeUndefined();
    expect(flag('718-7', 12.0, 'woman')).toEqual({ code: 'N' });
    expect(flag('718-7', 11.9, 'woman')).toEqual({ code: 'L', label: 'Mild anaemia' });
    expect(flag('718-7', 11.0, 'woman')).toEqual({ code: 'L', label: 'Mild anaemia' });
    expect(flag('718-7', 10.9, 'woman')).toEqual({ code: 'L', label: 'Moderate anaemia' });
    expect(flag('718-7', 9.1, 'woman')).toEqual({ code: 'L', label: 'Moderate anaemia' });
    expect(flag('718-7', 8.0, 'woman')).toEqual({ code: 'L', label: 'Moderate anaemia' });
    expect(flag('718-7', 7.9, 'woman')).toEqual({ code: 'LL', label: 'Severe anaemia' });
  });

  it('haemoglobin in pregnancy: ≥ 11.0 normal, 10.0–10.9 mild, 7.0–9.9 moderate, < 7.0 severe', () => {
    expect(flag('718-7', 11.0, 'pregnant')).toEqual({ code: 'N' });
    expect(flag('718-7', 10.9, 'pregnant')).toEqual({ code: 'L', label: 'Mild anaemia' });
    expect(flag('718-7', 10.0, 'pregnant')).toEqual({ code: 'L', label: 'Mild anaemia' });
    expect(flag('718-7', 9.9, 'pregnant')).toEqual({ code: 'L', label: 'Moderate anaemia' });
    expect(flag('718-7', 7.0, 'pregnant')).toEqual({ code: 'L', label: 'Moderate anaemia' });
    expect(flag('718-7', 6.9, 'pregnant')).toEqual({ code: 'LL', label: 'Severe anaemia' });
  });

  it('haemoglobin, man: ≥ 13.0 normal, 11.0–12.9 mild, 8.0–10.9 moderate, < 8.0 severe', () => {
    expect(flag('718-7', 13.0, 'man')).toEqual({ code: 'N' });
    expect(flag('718-7', 12.9, 'man')).toEqual({ code: 'L', label: 'Mild anaemia' });
    expect(flag('718-7', 11.0, 'man')).toEqual({ code: 'L', label: 'Mild anaemia' });
    expect(flag('718-7', 10.9, 'man')).toEqual({ code: 'L', label: 'Moderate anaemia' });
    expect(flag('718-7', 8.0, 'man')).toEqual({ code: 'L', label: 'Moderate anaemia' });
    expect(flag('718-7', 7.9, 'man')).toEqual({ code: 'LL', label: 'Severe anaemia' });
  });

  it('haemoglobin has no range without saying whose: the chart does not guess', () => {
    expect(rangeFor(pointOfCareTest('718-7')!.spec!, undefined)).toBeUndefined();
    expect(rangeFor(pointOfCareTest('718-7')!.spec!, 'adult')).toBeUndefined();
  });

  it('capillary glucose (ADA): < 3.0 level 2, < 3.9 level 1, 3.9–11.0 normal, ≥ 11.1 high', () => {
    expect(range('14743-9')).toMatchObject({ low: 3.9, high: 11.0 });
    expect(flag('14743-9', 2.9)).toEqual({ code: 'LL', label: 'Hypoglycaemia (level 2)' });
    expect(flag('14743-9', 3.0)).toEqual({ code: 'L', label: 'Hypoglycaemia (level 1)' });
    expect(flag('14743-9', 3.8)).toEqual({ code: 'L', label: 'Hypoglycaemia (level 1)' });
    expect(flag('14743-9', 3.9)).toEqual({ code: 'N' });
    expect(flag('14743-9', 11.0)).toEqual({ code: 'N' });
    expect(flag('14743-9', 11.1)).toEqual({ code: 'H', label: 'High (≥ 11.1 mmol/L)' });
  });

  it('INR: 0.8–1.1 normal (not anticoagulated), ≥ 1.2 high, ≥ 4.5 very high, < 0.8 low', () => {
    expect(range('6301-6')).toMatchObject({ low: 0.8, high: 1.1 });
    expect(flag('6301-6', 0.7)).toEqual({ code: 'L', label: 'Low' });
    expect(flag('6301-6', 0.8)).toEqual({ code: 'N' });
    expect(flag('6301-6', 1.1)).toEqual({ code: 'N' });
    expect(flag('6301-6', 1.2)).toEqual({ code: 'H', label: 'High' });
    expect(flag('6301-6', 4.4)).toEqual({ code: 'H', label: 'High' });
    expect(flag('6301-6', 4.5)).toEqual({ code: 'HH', label: 'Very high (≥ 4.5)' });
  });

  it('PT: 11.0–13.5 s normal (reagent-dependent), below low, 13.6 and above high', () => {
    expect(range('5902-2')).toMatchObject({ low: 11.0, high: 13.5 });
    expect(flag('5902-2', 10.9)).toEqual({ code: 'L', label: 'Low' });
    expect(flag('5902-2', 11.0)).toEqual({ code: 'N' });
    expect(flag('5902-2', 13.5)).toEqual({ code: 'N' });
    expect(flag('5902-2', 13.6)).toEqual({ code: 'H', label: 'High' });
    expect(pointOfCareTest('5902-2')!.codeNote).toMatch(/depends on the thromboplastin reagent/);
  });
});
