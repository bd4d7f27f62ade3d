/**
 * RxNorm ingredient codes in the bundled pack (scripts/drug-pack/assemble-pack.ts
 * attachRxNormCodes). The literal codes below were read from the committed
 * source extracts (knowledge/drug-pack/sources/), and each test checks them
 * there as well as in the pack.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { attachRxNormCodes } from '../../../../scripts/drug-pack/attach-rxnorm';
import { RXCUI_EXCEPTIONS, RXNORM_ALIASES } from '../../../../scripts/drug-pack/curated/rxnorm';
import type { PrescribeIngredients, RxTermsIngredients } from '../../../../scripts/drug-pack/extract-rxnorm';
import type { PddiSources } from '../../../../scripts/drug-pack/extract-sources';
import { bundledDrugPack } from './drug-pack';
import { knowledgeFor } from './knowledge';
import { resolveMedication } from './resolve';

const source = <T>(file: string): T => JSON.parse(readFileSync(new URL(`../../../../knowledge/drug-pack/sources/${file}`, import.meta.url), 'utf8')) as T;
const prescribe = source<PrescribeIngredients>('rxnorm-prescribe-ingredients.json');
const rxterms = source<RxTermsIngredients>('rxterms-ingredients-a.json');
const pack = bundledDrugPack();
const drug = (id: string) => pack.drugs.find((d) => d.id === id);
/** The IN row the source gives for an RxNorm name (case-insensitive). */
const inRow = (name: string) => prescribe.ingredients.filter((r) => r[1].toLowerCase() === name.toLowerCase()).map((r) => r[0]);
const rxtermsRow = (name: string) => rxterms.ingredients.filter((r) => r[1].toLowerCase() === name.toLowerCase()).map((r) => r[0]);

describe('every ingredient carries its RxNorm ingredient code', () => {
  test('each drug has a numeric RXCUI and a source for it, or is one of the listed, reasoned exceptions', () => {
    const without = pack.drugs.filter((d) => d.rxcui === null).map((d) => d.name);
    expect(without.sort()).toEqual(Object.keys(RXCUI_EXCEPTIONS).sort());
    expect(without.sort()).toEqual(['indinavir', 'saquinavir', "St. John's wort"].sort());
    for (const reason of Object.values(RXCUI_EXCEPTIONS)) expect(reason.length).toBeGreaterThan(40);
    const sourceIds = new Set(pack.sources.map((s) => s.id));
    for (const d of pack.drugs.filter((x) => x.rxcui !== null)) {
      expect(d.rxcui, d.id).toMatch(/^\d{1,8}$/);
      expect(sourceIds.has(d.rxcuiSource ?? ''), d.id).toBe(true);
    }
    expect(pack.coverage.counts.ingredientsWithRxcui).toBe(491);
    expect(pack.coverage.counts.ingredientsWithoutRxcui).toBe(3);
  });

  test.each([
    ['metformin', 'metformin', '6809'],
    ['lisinopril', 'lisinopril', '29046'],
    ['warfarin', 'warfarin', '11289'],
    ['isosorbide-mononitrate', 'isosorbide', '6057'],
    ['valproic-acid', 'valproate', '40254'],
    ['mefenamic-acid', 'mefenamate', '257844'],
    ['cyanocobalamin', 'vitamin B12', '11248'],
    ['dabigatran', 'dabigatran etexilate', '1037042']
  ])('%s: RxNorm IN "%s" is %s in the prescribable-content extract and in the pack', (id, rxnormName, code) => {
    expect(inRow(rxnormName)).toEqual([code]);
    expect(drug(id)?.rxcui).toBe(code);
  });

  test.each([
    ['amoxicillin', '723'],
    ['amlodipine', '17767'],
    ['acetaminophen', '161']
  ])('%s (letter A, absent from the prescribable-content copy): %s from RxTerms, in the pack', (id, code) => {
    expect(prescribe.missingLetters).toEqual(['A']);
    expect(inRow(id)).toEqual([]);
    expect(rxtermsRow(id)).toEqual([code]);
    expect(drug(id)?.rxcui).toBe(code);
  });

  test('no pack code is a precise-ingredient (PIN) code, and each code matches its source row', () => {
    const pins = new Set(prescribe.preciseIngredients.map(([code]) => code));
    expect(pins.has('6693')).toBe(true); // mefenamic acid, the PIN the PDDI-CDS value set had used
    for (const d of pack.drugs) {
      expect(pins.has(d.rxcui ?? ''), d.id).toBe(false);
      const rxnormName = RXNORM_ALIASES[d.name]?.rxnormName ?? d.name;
      if (d.rxcuiSource === 'rxnorm-prescribe') expect(inRow(rxnormName), d.id).toEqual([d.rxcui]);
      if (d.rxcuiSource === 'nlm-rxterms') expect(rxtermsRow(rxnormName), d.id).toEqual([d.rxcui]);
    }
  });

  test('codes taken from CPIC and PDDI-CDS agree with the RxNorm tables wherever those hold the name', () => {
    let checked = 0;
    for (const d of pack.drugs.filter((x) => x.rxcuiSource === 'cpic-drug-table' || x.rxcuiSource === 'hl7-pddi-cds')) {
      const name = RXNORM_ALIASES[d.name]?.rxnormName ?? d.name;
      const other = [...inRow(name), ...rxtermsRow(name)];
      if (other.length) {
        expect(other, d.id).toEqual([d.rxcui]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  test('a record coded with the old precise-ingredient code still resolves to the ingredient', () => {
    const k = knowledgeFor(pack);
    expect(resolveMedication(k, { codings: [{ code: '6693' }] }).ingredients).toEqual(['mefenamic-acid']);
    expect(resolveMedication(k, { codings: [{ code: '257844' }] }).ingredients).toEqual(['mefenamic-acid']);
    expect(resolveMedication(k, { codings: [{ code: '11118' }] }).ingredients).toEqual(['valproic-acid']);
  });
});

describe('attachRxNormCodes refuses inconsistent input', () => {
  const rxnorm = (ingredients: PrescribeIngredients['ingredients'], pins: [string, string][] = [], a: [string, string][] = []) => ({
    prescribe: { ...prescribe, ingredients, preciseIngredients: pins },
    rxterms: { ...rxterms, ingredients: a }
  });
  const pddi: PddiSources = { note: '', valueSets: { x: { url: '', title: '', version: '', includes: [], concepts: [['3256', 'desoxycorticosterone']] } } };
  const none = { aliases: {}, exceptions: {} };
  const drugs = (...names: [string, string | null][]) => names.map(([name, rxcui]) => ({ name, rxcui, rxcuiSource: rxcui ? ('cpic-drug-table' as const) : null }));

  test('attaches by name, from the prescribable content, then RxTerms, then an exact PDDI-CDS display', () => {
    const ds = drugs(['metformin', null], ['amoxicillin', null], ['desoxycorticosterone', null]);
    expect(attachRxNormCodes(ds, rxnorm([['6809', 'Metformin', []]], [], [['723', 'amoxicillin']]), pddi, none)).toEqual([]);
    expect(ds.map((d) => [d.rxcui, d.rxcuiSource])).toEqual([
      ['6809', 'rxnorm-prescribe'],
      ['723', 'nlm-rxterms'],
      ['3256', 'hl7-pddi-cds']
    ]);
  });

  test('a code that disagrees with the RxNorm source fails the build', () => {
    expect(() => attachRxNormCodes(drugs(['metformin', '1234']), rxnorm([['6809', 'metformin', []]]), pddi, none)).toThrow(
      /metformin: RxCUI 1234 \(cpic-drug-table\) disagrees with 6809 \(rxnorm-prescribe\)/
    );
  });

  test('a salt alias must be a precise ingredient of its IN; the older PIN code is handed back as a product code', () => {
    const aliases = { ursodiol: { rxnormName: 'ursodeoxycholate', kind: 'salt' as const, reason: 'x' } };
    const ds = drugs(['ursodiol', '11065']);
    expect(attachRxNormCodes(ds, rxnorm([['62427', 'ursodeoxycholate', ['ursodiol']]], [['11065', 'ursodiol']]), pddi, { aliases, exceptions: {} })).toEqual([['11065', 'ursodiol']]);
    expect(ds[0].rxcui).toBe('62427');
    expect(() => attachRxNormCodes(drugs(['ursodiol', null]), rxnorm([['62427', 'ursodeoxycholate', []]]), pddi, { aliases, exceptions: {} })).toThrow(
      /ursodiol: not a precise ingredient of RxNorm ursodeoxycholate/
    );
  });

  test('an ingredient without a code must be a listed exception, and an exception that gained a code is stale', () => {
    expect(() => attachRxNormCodes(drugs(['saquinavir', null]), rxnorm([]), pddi, none)).toThrow(/saquinavir: no RxNorm ingredient code found/);
    expect(() => attachRxNormCodes(drugs(['saquinavir', null]), rxnorm([]), pddi, { aliases: {}, exceptions: { saquinavir: 'x' } })).not.toThrow();
    expect(() => attachRxNormCodes(drugs(['metformin', null]), rxnorm([['6809', 'metformin', []]]), pddi, { aliases: {}, exceptions: { metformin: 'x' } })).toThrow(
      /metformin: has RxCUI 6809; remove it from RXCUI_EXCEPTIONS/
    );
  });
});
