import { describe, expect, test } from 'vitest';
import { searchDrugs } from './drug-search';

const rows = (q: string, limit?: number) => searchDrugs(q, limit === undefined ? {} : { limit }).map((r) => [r.drug.id, r.matchedOn, r.matchedText]);

describe('drug search ranking', () => {
  test('exact name first', () => {
    expect(rows('warfarin')).toEqual([['warfarin', 'name', 'warfarin']]);
    expect(rows('Valproic')).toEqual([['valproic-acid', 'name', 'valproic acid']]);
  });
  test('brand and synonym matches report what matched', () => {
    expect(rows('lasix')).toEqual([['furosemide', 'brand', 'Lasix']]);
    expect(rows('paracetamol')).toEqual([['acetaminophen', 'synonym', 'paracetamol']]);
  });
  test('an exact class match outranks names that merely start with the query', () => {
    const r = rows('insulin');
    expect(r.length).toBeGreaterThan(3);
    expect(r.every(([, on, text]) => on === 'class' && text === 'insulin')).toBe(true);
  });
  test('name prefixes, then word prefixes of names, then brand/synonym prefixes, then word prefixes of those, then class members', () => {
    expect(rows('ace')).toEqual([
      ['acetaminophen', 'name', 'acetaminophen'],
      ['acetazolamide', 'name', 'acetazolamide'],
      ['aspirin', 'synonym', 'acetylsalicylic acid'],
      ['leuprolide', 'synonym', 'leuprolide acetate'],
      ['medroxyprogesterone', 'synonym', 'medroxyprogesterone acetate'],
      ['benazepril', 'class', 'ACE inhibitors'],
      ['captopril', 'class', 'ACE inhibitors'],
      ['enalapril', 'class', 'ACE inhibitors'],
      ['fosinopril', 'class', 'ACE inhibitors'],
      ['lisinopril', 'class', 'ACE inhibitors'],
      ['quinapril', 'class', 'ACE inhibitors'],
      ['ramipril', 'class', 'ACE inhibitors']
    ]);
    expect(rows('pe')).toEqual([
      ['penicillin-g', 'name', 'penicillin G'],
      ['penicillin-v', 'name', 'penicillin V'],
      ['perphenazine', 'name', 'perphenazine'],
      ['diclofenac', 'brand', 'Pennsaid'],
      ['doxycycline', 'brand', 'Periostat'],
      ['famotidine', 'brand', 'Pepcid'],
      ['formoterol', 'brand', 'Perforomist'],
      ['meperidine', 'synonym', 'pethidine'],
      ['mesalamine', 'brand', 'Pentasa'],
      ['paroxetine', 'brand', 'Pexeva'],
      ['polyethylene-glycol-3350', 'synonym', 'PEG 3350'],
      ['phenylephrine', 'brand', 'Sudafed PE'],
      ['st-johns-wort', 'synonym', 'hypericum perforatum'],
      ['amoxicillin', 'class', 'Penicillins'],
      ['ampicillin', 'class', 'Penicillins'],
      ['dicloxacillin', 'class', 'Penicillins'],
      ['nafcillin', 'class', 'Penicillins'],
      ['piperacillin', 'class', 'Penicillins']
    ]);
  });
  test('a query matching only inside a name matches by word prefix, never by substring', () => {
    expect(rows('sod')).toEqual([
      ['docusate', 'synonym', 'docusate sodium'],
      ['mycophenolic-acid', 'synonym', 'mycophenolate sodium'],
      ['naproxen', 'synonym', 'naproxen sodium'],
      ['valproic-acid', 'synonym', 'divalproex sodium']
    ]);
    expect(rows('cillin')).toEqual([]);
    expect(rows('odium')).toEqual([]);
  });
  test('a class found by its id words lists members alphabetically', () => {
    expect(rows('statin')).toEqual(
      ['atorvastatin', 'fluvastatin', 'lovastatin', 'pitavastatin', 'pravastatin', 'rosuvastatin', 'simvastatin'].map((id) => [id, 'class', 'statin'])
    );
    expect(rows('loop diuretic')).toEqual(['bumetanide', 'ethacrynic-acid', 'furosemide', 'torsemide'].map((id) => [id, 'class', 'loop diuretic']));
  });
  test('between equally good matches the first found (the class name) is kept', () => {
    expect(rows('loop')).toEqual(['bumetanide', 'ethacrynic-acid', 'furosemide', 'torsemide'].map((id) => [id, 'class', 'Loop diuretics']));
  });
});

describe('drug search limits', () => {
  test('20 results by default, or the limit asked for', () => {
    expect(searchDrugs('a')).toHaveLength(20);
    expect(searchDrugs('a', { limit: 3 }).map((r) => r.drug.id)).toEqual(['acetaminophen', 'acetazolamide', 'acyclovir']);
    expect(searchDrugs('a', { limit: 1000 }).length).toBeGreaterThan(300);
  });
  test('an empty or punctuation-only query returns nothing', () => {
    expect(searchDrugs('')).toEqual([]);
    expect(searchDrugs(' -- ')).toEqual([]);
  });
});
