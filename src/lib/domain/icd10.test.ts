import { describe, expect, test } from 'vitest';
import { bundledIcd10, ICD10CM_SYSTEM, Icd10Index, icd10Coding, parseIcd10Subset, SNOMED_SYSTEM, withIcd10Coding } from './icd10';

const icd = bundledIcd10();
const codes = (q: string, n = 12) => icd.search(q, n).map((m) => m.code);

describe('bundled primary-care subset', () => {
  test('a few hundred valid, distinct codes of the FY2025 release', () => {
    expect(icd.size).toBeGreaterThan(300);
    expect(icd.version).toBe('2025');
  });

  test('codes retired or split by later releases are not offered', () => {
    // M54.5 became M54.50/M54.51/M54.59 (FY2022); R05 became R05.x (FY2022); F32.A added FY2022.
    for (const gone of ['M54.5', 'R05', 'R51', 'M79.1', 'E66.8']) expect(icd.byCode(gone)).toBeUndefined();
    expect(icd.byCode('M54.50')?.title).toBe('Low back pain, unspecified');
    expect(icd.byCode('f32a')?.title).toBe('Depression, unspecified');
  });

  test('a broken subset file is refused with the reason', () => {
    expect(() => parseIcd10Subset({ system: ICD10CM_SYSTEM, version: 'x', codes: [{ code: 'I10', title: 'a' }, { code: 'I10', title: 'b' }] })).toThrow(/duplicate codes I10/);
    expect(() => parseIcd10Subset({ system: ICD10CM_SYSTEM, version: 'x', codes: [{ code: 'hypertension', title: 'a' }] })).toThrow(/not an ICD-10-CM code/);
    expect(() => parseIcd10Subset({ system: 'http://snomed.info/sct', version: 'x', codes: [] })).toThrow(/Invalid ICD-10-CM subset/);
  });
});

describe('search', () => {
  test.each([
    ['diab', 'E11.9'],
    ['type 2 diab', 'E11.9'],
    ['I10', 'I10'],
    ['i10', 'I10'],
    ['hypertension', 'I10'],
    ['HTN', 'I10'],
    ['high blood pressure', 'I10'],
    ['gerd', 'K21.9'],
    ['uti', 'N39.0'],
    ['copd', 'J44.9'],
    ['asthma', 'J45.909'],
    ['afib', 'I48.91'],
    ['low back', 'M54.50'],
    ['hypothyroid', 'E03.9'],
    ['e119', 'E11.9'],
    ['E11.9', 'E11.9'],
    ['prediab', 'R73.03'],
    ['covid', 'U07.1'],
    ['sore throat', 'J02.9'],
    ['anx', 'F41.9'],
    ['generalized anx', 'F41.1'],
    ['Ménière', undefined]
  ])('%s → %s first', (q, first) => {
    expect(codes(q)[0]).toBe(first);
  });

  test('a code prefix lists the whole category, exact code first', () => {
    const e11 = codes('E11', 50);
    expect(e11.length).toBeGreaterThan(8);
    expect(e11.every((c) => c.startsWith('E11'))).toBe(true);
    expect(codes('N18.3', 5)).toEqual(expect.arrayContaining(['N18.30', 'N18.31', 'N18.32']));
  });

  test('every word must start a word of the title or a synonym; word order does not matter', () => {
    expect(codes('mellitus type 1 without')).toContain('E10.9');
    expect(codes('iabetes')).toEqual([]);
    expect(codes('knee osteo', 20)).toEqual(expect.arrayContaining(['M17.9', 'M17.11', 'M17.12', 'M17.0']));
  });

  test('says which synonym matched', () => {
    expect(icd.search('HTN')[0]).toEqual({ code: 'I10', title: 'Essential (primary) hypertension', matched: 'HTN' });
  });

  test('empty query, limit respected, case and accents ignored', () => {
    expect(icd.search('   ')).toEqual([]);
    expect(icd.search('pain', 5)).toHaveLength(5);
    expect(codes('COELIAC')).toEqual(['K90.0']); // the British spelling is a synonym
    expect(codes('cèliac')).toContain('K90.0');
  });

  test('answers a keystroke in well under a millisecond on average', () => {
    const index = new Icd10Index(parseIcd10Subset({ system: ICD10CM_SYSTEM, version: 't', codes: [{ code: 'I10', title: 'Essential (primary) hypertension' }] }));
    expect(index.search('hyp')).toHaveLength(1);
    const t = performance.now();
    for (const q of ['d', 'di', 'dia', 'diab', 'diabe', 'diabet', 'diabete', 'diabetes']) for (let i = 0; i < 25; i++) icd.search(q);
    expect((performance.now() - t) / 200).toBeLessThan(2);
  });
});

describe('coding a problem', () => {
  const htn = icd.byCode('I10')!;

  test('adds the ICD-10-CM coding and keeps a SNOMED coding from an import', () => {
    const imported = { text: 'Hypertension', coding: [{ system: SNOMED_SYSTEM, code: '59621000', display: 'Essential hypertension' }] };
    expect(withIcd10Coding(imported, icd10Coding(htn))).toEqual({
      text: 'Hypertension',
      coding: [
        { system: SNOMED_SYSTEM, code: '59621000', display: 'Essential hypertension' },
        { system: ICD10CM_SYSTEM, code: 'I10', display: 'Essential (primary) hypertension' }
      ]
    });
  });

  test('replaces an earlier ICD-10-CM code; fills empty text from the title', () => {
    const before = { text: '', coding: [{ system: ICD10CM_SYSTEM, code: 'I11.9' }] };
    expect(withIcd10Coding(before, icd10Coding(htn))).toEqual({ text: 'Essential (primary) hypertension', coding: [icd10Coding(htn)] });
  });

  test('refuses a coding that is not ICD-10-CM', () => {
    expect(() => withIcd10Coding({ text: 'x' }, { system: SNOMED_SYSTEM, code: '59621000' })).toThrow(/not an ICD-10-CM coding/);
  });
});
