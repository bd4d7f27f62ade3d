import { describe, expect, test } from 'vitest';
import { bundledDrugPack, DrugPackError, parseDrugPack } from './drug-pack';
import { knowledgeFor } from './knowledge';
import type { DrugPack } from './pack-schema';

const fresh = (): DrugPack => structuredClone(bundledDrugPack());
const byId = <T extends { id: string }>(list: T[], id: string): T => {
  const found = list.find((x) => x.id === id);
  if (!found) throw new Error(`test setup: ${id} not in the pack`);
  return found;
};

function problemsOf(pack: unknown): string[] {
  try {
    parseDrugPack(pack);
  } catch (e) {
    expect(e).toBeInstanceOf(DrugPackError);
    return (e as DrugPackError).problems;
  }
  return [];
}

describe('parseDrugPack cross-reference errors', () => {
  test('positive control: the bundled pack has no problems', () => {
    expect(problemsOf(fresh())).toEqual([]);
  });
  test('class with an unknown parent', () => {
    const p = fresh();
    byId(p.classes, 'ace-inhibitor').parent = 'no-such-parent';
    expect(problemsOf(p)).toEqual(['class ace-inhibitor: unknown parent no-such-parent']);
  });
  test('drug with an unknown class', () => {
    const p = fresh();
    byId(p.drugs, 'lisinopril').classes.push('no-such-class');
    expect(problemsOf(p)).toEqual(['drug lisinopril: unknown class no-such-class']);
  });
  test('combination with an unknown ingredient', () => {
    const p = fresh();
    byId(p.combinations, 'sulfamethoxazole-trimethoprim').ingredients.push('no-such-drug');
    expect(problemsOf(p)).toEqual(['combination sulfamethoxazole-trimethoprim: unknown ingredient no-such-drug']);
  });
  test('product with an unknown ingredient', () => {
    const p = fresh();
    p.products['93249'].ingredients.push('no-such-drug');
    expect(problemsOf(p)).toEqual(['product 93249: unknown ingredient no-such-drug']);
  });
  test('interaction rule sides and source', () => {
    const p = fresh();
    const r = byId(p.interactions, 'onc-amphetamine-maoi');
    r.a.classes.push('no-such-class');
    r.b.ingredients.push('no-such-drug');
    r.sourceId = 'no-such-source';
    expect(problemsOf(p)).toEqual([
      'rule onc-amphetamine-maoi.a: unknown class no-such-class',
      'rule onc-amphetamine-maoi.b: unknown ingredient no-such-drug',
      'rule onc-amphetamine-maoi: unknown source no-such-source'
    ]);
  });
  test('allergy rule allergen, targets and source', () => {
    const p = fresh();
    const r = byId(p.allergyRules, 'allergy-penicillin');
    r.allergen.classes.push('no-such-class');
    r.targets[1].ingredients.push('no-such-drug');
    r.targets[3].classes.push('other-missing-class');
    r.sourceId = 'no-such-source';
    expect(problemsOf(p)).toEqual([
      'allergy rule allergy-penicillin: unknown class no-such-class',
      'allergy rule allergy-penicillin.targets[1]: unknown ingredient no-such-drug',
      'allergy rule allergy-penicillin.targets[3]: unknown class other-missing-class',
      'allergy rule allergy-penicillin: unknown source no-such-source'
    ]);
  });
});

describe('DrugPackError message', () => {
  const withProblems = (n: number) => {
    const p = fresh();
    for (let i = 1; i <= n; i++) byId(p.drugs, 'lisinopril').classes.push(`missing-${i}`);
    return p;
  };
  test('one problem', () => {
    expect(() => parseDrugPack(withProblems(1))).toThrow(/^Invalid drug knowledge pack: drug lisinopril: unknown class missing-1$/);
  });
  test('five problems are all listed, with no count', () => {
    let err: unknown;
    try {
      parseDrugPack(withProblems(5));
    } catch (e) {
      err = e;
    }
    expect((err as Error).name).toBe('DrugPackError');
    expect((err as Error).message).toBe(
      'Invalid drug knowledge pack: drug lisinopril: unknown class missing-1; drug lisinopril: unknown class missing-2; drug lisinopril: unknown class missing-3; drug lisinopril: unknown class missing-4; drug lisinopril: unknown class missing-5'
    );
  });
  test('beyond five, the first five and a count of the rest', () => {
    let err: DrugPackError | undefined;
    try {
      parseDrugPack(withProblems(7));
    } catch (e) {
      err = e as DrugPackError;
    }
    expect(err?.problems).toHaveLength(7);
    expect(err?.message).toBe(
      'Invalid drug knowledge pack: drug lisinopril: unknown class missing-1; drug lisinopril: unknown class missing-2; drug lisinopril: unknown class missing-3; drug lisinopril: unknown class missing-4; drug lisinopril: unknown class missing-5 (+2 more)'
    );
  });
  test('schema errors name the path and the problem', () => {
    const p = fresh() as unknown as { formatVersion: number };
    p.formatVersion = 2;
    expect(problemsOf(p)).toEqual(['formatVersion: Invalid input: expected 1']);
  });
});

describe('pack schema field formats', () => {
  test.each([['Bad'], ['-leading-dash'], ['trailing_underscore'], ['has space'], ['']])('ingredient id %j is rejected', (id) => {
    const p = fresh();
    byId(p.drugs, 'lisinopril').id = id;
    const problems = problemsOf(p);
    expect(problems).toContain('drugs.0.id: Invalid string: must match pattern /^[a-z0-9][a-z0-9-]*$/');
  });
  test.each([['12a'], ['a12'], ['123456789'], ['']])('RxCUI %j is rejected', (rxcui) => {
    const p = fresh();
    byId(p.drugs, 'lisinopril').rxcui = rxcui;
    expect(problemsOf(p)).toEqual(['drugs.0.rxcui: Invalid string: must match pattern /^\\d{1,8}$/']);
  });
  test('a well-formed id and RxCUI are accepted', () => {
    const p = fresh();
    byId(p.drugs, 'lisinopril').rxcui = '12345678';
    expect(problemsOf(p)).toEqual([]);
  });
  test.each([['mg'], ['mcg'], ['g']])('dose unit %s is accepted', (unit) => {
    const p = fresh();
    byId(p.drugs, 'lisinopril').doses[0].unit = unit as 'mg';
    expect(problemsOf(p)).toEqual([]);
  });
  test('another dose unit is rejected', () => {
    const p = fresh();
    (byId(p.drugs, 'lisinopril').doses[0] as { unit: string }).unit = 'mL';
    expect(problemsOf(p)).toEqual(['drugs.0.doses.0.unit: Invalid option: expected one of "mg"|"mcg"|"g"']);
  });
});

describe('knowledge lookups', () => {
  const k = knowledgeFor(bundledDrugPack());
  test('class membership includes parent classes', () => {
    expect(k.inClass('lisinopril', 'ace-inhibitor')).toBe(true);
    expect(k.inClass('lisinopril', 'raas-inhibitor')).toBe(true);
    expect(k.inClass('lisinopril', 'arb')).toBe(false);
    expect(k.inClass('no-such-drug', 'arb')).toBe(false);
  });
  test('subclasses under a parent', () => {
    expect(k.subclassesUnder('codeine', 'opioid')).toEqual(['opioid-phenanthrene']);
    expect(k.subclassesUnder('no-such-drug', 'opioid')).toEqual([]);
  });
  test('allergy terms of a rule with classes name those classes; of a rule without, the rule', () => {
    expect(k.allergyNames.phrases.get('pcn')).toEqual({ kind: 'class-term', classIds: ['penicillin'] });
    expect(k.allergyNames.phrases.get('anticonvulsant')).toEqual({ kind: 'class-term', classIds: ['rule:allergy-aromatic-anticonvulsant'] });
  });
  test('therapeutic class names are allergy terms; interaction-group names are not', () => {
    expect(k.allergyNames.phrases.get('loop diuretics')).toEqual({ kind: 'class-term', classIds: ['loop-diuretic'] });
    expect(k.allergyNames.phrases.get('strong cyp3a4 inhibitors')).toBe(undefined);
    expect(k.allergyNames.phrases.get('high risk qt prolonging agents')).toBe(undefined);
  });
  test('ingredient names are not class terms and are not in the order-name index as classes', () => {
    expect(k.allergyNames.phrases.get('warfarin')).toEqual({ kind: 'ingredients', ids: ['warfarin'] });
    expect(k.names.phrases.get('pcn')).toBe(undefined);
  });
});
