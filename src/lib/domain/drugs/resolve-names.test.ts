import { describe, expect, test } from 'vitest';
import { bundledDrugPack } from './drug-pack';
import { RXNORM_SYSTEM } from './inputs';
import { knowledgeFor } from './knowledge';
import { allergyLabel, medicationLabel, normalizeRoute, resolveAllergy, resolveMedication } from './resolve';

const k = knowledgeFor(bundledDrugPack());
const RX = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const SNOMED = 'http://snomed.info/sct';

test('the RxNorm system URI is the one FHIR records use', () => {
  expect(RXNORM_SYSTEM).toBe('http://www.nlm.nih.gov/research/umls/rxnorm');
});

describe('resolving a medication by RxNorm code', () => {
  test('an ingredient code resolves to that ingredient', () => {
    const r = resolveMedication(k, { codings: [{ system: RX, code: '11289' }] });
    expect([r.ingredients, r.matchedBy, r.rxcui, r.unknownComponents, r.label]).toEqual([['warfarin'], 'rxcui', '11289', [], '11289']);
  });
  test('a code without a system is taken as RxNorm; a system naming RxNorm differently too', () => {
    expect(resolveMedication(k, { codings: [{ code: '11289' }] }).ingredients).toEqual(['warfarin']);
    expect(resolveMedication(k, { codings: [{ system: 'urn:oid:RxNorm', code: '11289' }] }).ingredients).toEqual(['warfarin']);
  });
  test('the same number in another code system is not read as RxNorm', () => {
    const r = resolveMedication(k, { codings: [{ system: SNOMED, code: '11289' }] });
    expect([r.ingredients, r.matchedBy, r.rxcui]).toEqual([[], 'none', undefined]);
  });
  test('a combination code resolves to its ingredients', () => {
    expect(resolveMedication(k, { codings: [{ system: RX, code: '10831' }] }).ingredients).toEqual(['sulfamethoxazole', 'trimethoprim']);
  });
  test('a product code carries its route and the components the pack does not know', () => {
    const r = resolveMedication(k, { codings: [{ system: RX, code: '93249' }] });
    expect([r.ingredients, r.route, r.systemic, r.unknownComponents]).toEqual([['dexamethasone'], 'ophthalmic', false, ['Neomycin', 'Polymyxin B']]);
  });
  test('a later coding is used when the first is unknown', () => {
    const r = resolveMedication(k, { codings: [{ system: RX, code: '99999999' }, { system: RX, code: '4603' }] });
    expect([r.ingredients, r.rxcui]).toEqual([['furosemide'], '4603']);
  });
});

describe('resolving a medication by name', () => {
  test('case, punctuation and strengths do not matter; the brand resolves to the ingredient', () => {
    const r = resolveMedication(k, { text: 'LASIX-40mg!' });
    expect([r.ingredients, r.matchedBy, r.rxcui, r.unknownComponents]).toEqual([['furosemide'], 'name', undefined, []]);
  });
  test('a combination written out names both ingredients', () => {
    expect(resolveMedication(k, { text: 'Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet' }).ingredients).toEqual(['amoxicillin', 'clavulanate']);
  });
  test('a coding display is read when there is no text', () => {
    const r = resolveMedication(k, { codings: [{ system: RX, code: '99999999', display: 'Lasix 40 MG Oral Tablet' }] });
    expect([r.ingredients, r.matchedBy, r.rxcui, r.label]).toEqual([['furosemide'], 'name', '99999999', 'Lasix 40 MG Oral Tablet']);
  });
  test('the display is tried when the text names nothing known', () => {
    expect(resolveMedication(k, { text: 'my water pill', codings: [{ system: SNOMED, code: '1', display: 'furosemide' }] }).ingredients).toEqual(['furosemide']);
  });
  test('once the text resolves, the displays are not added', () => {
    expect(resolveMedication(k, { text: 'Lasix', codings: [{ display: 'warfarin' }] }).ingredients).toEqual(['furosemide']);
  });
  test('the code kept on a name match is the first RxNorm coding that has a code', () => {
    const r = resolveMedication(k, {
      text: 'Lasix',
      codings: [{ system: SNOMED, code: '123' }, { system: RX, display: 'no code' }, { system: RX, code: '99999999' }]
    });
    expect(r.rxcui).toBe('99999999');
  });
  test('an unknown name is unresolved: no ingredients, matched by none', () => {
    const r = resolveMedication(k, { text: 'Zyxoplatin 5 mg' });
    expect([r.ingredients, r.matchedBy, r.rxcui, r.unknownComponents]).toEqual([[], 'none', undefined, []]);
  });
  test('product text joins the text and every display with " | ", skipping empty ones', () => {
    const r = resolveMedication(k, { text: 'Lasix 40mg', codings: [{ system: RX, code: '1' }, { system: RX, code: '2', display: 'Furosemide 40 MG Oral Tablet' }] });
    expect(r.productText).toBe('Lasix 40mg | Furosemide 40 MG Oral Tablet');
  });
});

describe('medication label', () => {
  test('text, then the first display, then the first code, then a placeholder', () => {
    expect(medicationLabel({ text: 'T', codings: [{ code: 'C', display: 'D' }] })).toBe('T');
    expect(medicationLabel({ codings: [{ code: 'C1' }, { code: 'C2', display: 'D2' }] })).toBe('D2');
    expect(medicationLabel({ codings: [{ display: '' }, { code: 'C2' }] })).toBe('C2');
    expect(medicationLabel({})).toBe('unnamed medication');
  });
  test('allergy label follows the same order', () => {
    expect(allergyLabel({ text: 'T', codings: [{ code: 'C', display: 'D' }] })).toBe('T');
    expect(allergyLabel({ codings: [{ code: 'C1' }, { code: 'C2', display: 'D2' }] })).toBe('D2');
    expect(allergyLabel({ codings: [{ display: '' }, { code: 'C2' }] })).toBe('C2');
    expect(allergyLabel({})).toBe('unnamed allergy');
  });
});

describe('route and systemic use', () => {
  test('a route word is normalised; free text is parsed; nothing gives undefined', () => {
    expect(normalizeRoute(' Oral ')).toBe('oral');
    expect(normalizeRoute('PO')).toBe('oral');
    expect(normalizeRoute('Topical')).toBe('topical');
    expect(normalizeRoute('per ear')).toBe(undefined);
    expect(normalizeRoute('')).toBe(undefined);
    expect(normalizeRoute(undefined)).toBe(undefined);
  });
  test('every route the pack knows maps to itself, in any case', () => {
    for (const r of ['oral', 'sublingual', 'buccal', 'iv', 'im', 'sc', 'inhalation', 'nasal', 'topical', 'ophthalmic', 'otic', 'transdermal', 'rectal', 'vaginal', 'intrauterine', 'implant', 'injection']) {
      expect(normalizeRoute(r.toUpperCase())).toBe(r);
    }
  });
  test('without a route, a medicine used only on the skin or eye is not systemic', () => {
    const r = resolveMedication(k, { text: 'latanoprost' });
    expect([r.route, r.systemic]).toEqual([undefined, false]);
  });
  test('without a route, a medicine with any systemic route is systemic', () => {
    const r = resolveMedication(k, { text: 'diclofenac' });
    expect([r.route, r.systemic]).toEqual([undefined, true]);
  });
  test('an unresolved medicine without a route is treated as systemic', () => {
    expect(resolveMedication(k, { text: 'Zyxoplatin' }).systemic).toBe(true);
  });
  test('a stated route decides: topical diclofenac is not systemic, oral is', () => {
    expect(resolveMedication(k, { text: 'diclofenac', route: 'topical' }).systemic).toBe(false);
    expect(resolveMedication(k, { text: 'latanoprost', route: 'oral' }).systemic).toBe(true);
  });
});

describe('resolving an allergy', () => {
  test('by code: the ingredient, no class terms, and the text is then not read', () => {
    const r = resolveAllergy(k, { text: 'sulfa', codings: [{ system: RX, code: '11289' }] });
    expect([r.ingredients, r.classTerms, r.resolved]).toEqual([['warfarin'], [], true]);
  });
  test('a code in another system is ignored and the text is read', () => {
    const r = resolveAllergy(k, { text: 'sulfa', codings: [{ system: SNOMED, code: '11289' }] });
    expect([r.ingredients, r.classTerms]).toEqual([[], ['sulfonamide-antibiotic']]);
  });
  test('by combination code: every ingredient', () => {
    expect(resolveAllergy(k, { codings: [{ code: '10831' }] }).ingredients).toEqual(['sulfamethoxazole', 'trimethoprim']);
  });
  test('by coding display when there is no text', () => {
    const r = resolveAllergy(k, { codings: [{ system: SNOMED, code: '91936005', display: 'Allergy to penicillin' }] });
    expect([r.ingredients, r.classTerms, r.label]).toEqual([[], ['penicillin'], 'Allergy to penicillin']);
  });
  test('class terms of a rule without classes become rule references', () => {
    expect(resolveAllergy(k, { text: 'antiepileptic' }).classTerms).toEqual(['rule:allergy-aromatic-anticonvulsant']);
  });
  test('a therapeutic class name is a class term', () => {
    expect(resolveAllergy(k, { text: 'Opioids, phenanthrene (morphinan) group' }).classTerms).toEqual(['opioid-phenanthrene']);
  });
  test('an unknown allergen is unresolved', () => {
    const r = resolveAllergy(k, { text: 'Zyxoplatin' });
    expect([r.ingredients, r.classTerms, r.resolved]).toEqual([[], [], false]);
  });
});
