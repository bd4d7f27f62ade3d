import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { bundledDrugPack } from './drug-pack';
import { searchDrugs } from './drug-search';
import { knowledgeFor } from './knowledge';
import { resolveMedication } from './resolve';
import { rx } from './test-factories';

const k = knowledgeFor(bundledDrugPack());
const synthea = JSON.parse(readFileSync(new URL('../../../../knowledge/drug-pack/sources/synthea-medication-codes.json', import.meta.url), 'utf8')) as {
  medications: [string, string][];
};

describe('resolution of the RxNorm codes real records use (Synthea fixtures)', () => {
  test.each(synthea.medications)('%s %s resolves by code alone', (code) => {
    const r = resolveMedication(k, rx(code));
    expect(r.matchedBy).toBe('rxcui');
    expect(r.ingredients.length).toBeGreaterThan(0);
  });
  test.each([
    ['315971', 'Lasix 40mg', ['furosemide']],
    ['562251', 'Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet', ['amoxicillin', 'clavulanate']],
    ['751905', 'Trinessa 28 Day Pack', ['ethinyl-estradiol', 'norgestimate']],
    ['1605257', 'Liletta 52 MG Intrauterine System', ['levonorgestrel']]
  ])('%s %s -> %j', (code, _display, ingredients) => {
    expect(resolveMedication(k, rx(code)).ingredients).toEqual(ingredients);
  });
  test('topical product codes are not systemic', () => {
    expect(resolveMedication(k, rx('106258')).systemic).toBe(false);
    expect(resolveMedication(k, rx('1043483')).route).toBe('topical');
  });
  test('name fallback takes the longest phrase (Sudafed PE is phenylephrine)', () => {
    expect(resolveMedication(k, { text: 'Sudafed PE 10 mg' }).ingredients).toEqual(['phenylephrine']);
    expect(resolveMedication(k, { text: 'Sudafed 30 mg' }).ingredients).toEqual(['pseudoephedrine']);
  });
});

describe('drug search', () => {
  test.each([
    ['Zoloft', 'sertraline', 'brand'],
    ['paracetamol', 'acetaminophen', 'synonym'],
    ['lisinopril', 'lisinopril', 'name']
  ])('%s finds %s by %s', (q, name, on) => {
    const [first] = searchDrugs(q);
    expect(first.drug.name).toBe(name);
    expect(first.matchedOn).toBe(on);
  });
  test('a prefix lists every name that starts with it', () => {
    expect(searchDrugs('amox').map((r) => r.drug.name)).toEqual(expect.arrayContaining(['amoxicillin', 'amoxapine']));
  });
  test('class prefix lists members', () => {
    const names = searchDrugs('statin', { limit: 50 }).map((r) => r.drug.name);
    expect(names).toEqual(expect.arrayContaining(['atorvastatin', 'simvastatin', 'rosuvastatin']));
  });
  test('empty and unknown queries return nothing', () => {
    expect(searchDrugs('  ')).toEqual([]);
    expect(searchDrugs('qqqzz')).toEqual([]);
  });
});
