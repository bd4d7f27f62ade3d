import { describe, expect, test } from 'vitest';
import { bundledDrugPack, DrugPackError, parseDrugPack } from './drug-pack';

const pack = bundledDrugPack();

describe('bundled drug pack', () => {
  test('validates and states its version, build date, sources and coverage', () => {
    expect(pack.formatVersion).toBe(1);
    expect(pack.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Number.isNaN(Date.parse(pack.builtAt))).toBe(false);
    expect(pack.coverage.summary).toMatch(/NOT a comprehensive/);
    expect(pack.coverage.notCovered.length).toBeGreaterThan(0);
    expect(pack.sources.map((s) => s.id)).toEqual(expect.arrayContaining(['phansalkar-2012', 'hl7-pddi-cds', 'fda-labels']));
  });

  test('has at least 300 medicines, each with a class and a route', () => {
    expect(pack.drugs.length).toBeGreaterThanOrEqual(300);
    for (const d of pack.drugs) {
      expect(d.classes.length, d.id).toBeGreaterThan(0);
      expect(d.routes.length, d.id).toBeGreaterThan(0);
    }
  });

  test('RxCUIs are unique and every code names its source', () => {
    const codes = pack.drugs.filter((d) => d.rxcui).map((d) => d.rxcui);
    expect(new Set(codes).size).toBe(codes.length);
    for (const d of pack.drugs) expect(d.rxcui === null, d.id).toBe(d.rxcuiSource === null);
    expect(codes.length).toBeGreaterThanOrEqual(150);
  });

  test.each([
    ['warfarin', '11289'],
    ['naproxen', '7258'],
    ['digoxin', '3407'],
    ['cyclosporine', '3008'],
    ['omeprazole', '7646'],
    ['sertraline', '36437']
  ])('%s has RxCUI %s', (id, code) => {
    expect(pack.drugs.find((d) => d.id === id)?.rxcui).toBe(code);
  });

  test('holds the 15 ONC pairs and both HL7 PDDI-CDS rules, each cited', () => {
    expect(pack.interactions.filter((r) => r.id.startsWith('onc-'))).toHaveLength(15);
    expect(pack.interactions.map((r) => r.logic)).toEqual(expect.arrayContaining(['pddi-warfarin-nsaid', 'pddi-digoxin-cyclosporine']));
    for (const r of [...pack.interactions, ...pack.allergyRules]) expect(r.citation.length, r.id).toBeGreaterThan(20);
  });

  test('dose ranges are internally consistent', () => {
    for (const d of pack.drugs)
      for (const r of d.doses) {
        if (r.minSingle && r.maxSingle) expect(r.minSingle, d.id).toBeLessThanOrEqual(r.maxSingle);
        if (r.minSingle && r.maxDaily) expect(r.minSingle, d.id).toBeLessThanOrEqual(r.maxDaily);
      }
  });
});

describe('parseDrugPack', () => {
  test('rejects a pack whose rule names an unknown ingredient', () => {
    const broken = structuredClone(pack);
    broken.interactions[0].a.ingredients.push('no-such-drug');
    expect(() => parseDrugPack(broken)).toThrow(DrugPackError);
  });
  test('rejects a pack missing its coverage statement', () => {
    const { coverage: _coverage, ...rest } = structuredClone(pack);
    expect(() => parseDrugPack(rest)).toThrow(/coverage/);
  });
});
