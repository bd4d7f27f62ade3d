/**
 * FHIR resource -> check input mapping. Results are compared with
 * toStrictEqual so a key present with an undefined value also counts as a
 * difference: the rules treat "absent" and "undefined" alike, but the mapping
 * promises to leave out what it did not find.
 */
import { describe, expect, test } from 'vitest';
import { resourcesIn, toAllergyInput, toConditionInput, toMedicationInput, toObservationInput } from './fhir-input';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const warfarin = { coding: [{ system: RXNORM, code: '855332', display: 'Warfarin Sodium 5 MG Oral Tablet' }] };

describe('toMedicationInput', () => {
  test('MedicationRequest coded by RxNorm, with dose, timing and route', () => {
    expect(
      toMedicationInput({
        resourceType: 'MedicationRequest',
        id: 'mr1',
        status: 'active',
        medicationCodeableConcept: { ...warfarin, text: 'warfarin 5 mg tablet' },
        dosageInstruction: [
          { doseQuantity: { value: 5, unit: 'mg' }, timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } }, route: { text: 'oral' } }
        ]
      })
    ).toStrictEqual({
      id: 'mr1',
      codings: [{ system: RXNORM, code: '855332', display: 'Warfarin Sodium 5 MG Oral Tablet' }],
      text: 'warfarin 5 mg tablet',
      route: 'oral',
      dose: { value: 5, unit: 'mg' },
      timing: { frequency: 1, period: 1, periodUnit: 'd' }
    });
  });

  test('MedicationRequest by text only: nothing else is invented', () => {
    expect(toMedicationInput({ resourceType: 'MedicationRequest', medicationCodeableConcept: { text: 'ibuprofen 400 mg' } })).toStrictEqual({
      codings: [],
      text: 'ibuprofen 400 mg'
    });
  });

  test('codings keep only system, code and display', () => {
    expect(
      toMedicationInput({
        resourceType: 'MedicationRequest',
        medicationCodeableConcept: { coding: [{ system: RXNORM, code: '5640', userSelected: true }, { display: 'Advil' }] }
      })
    ).toStrictEqual({ codings: [{ system: RXNORM, code: '5640', display: undefined }, { system: undefined, code: undefined, display: 'Advil' }] });
  });

  test.each(['MedicationRequest', 'MedicationStatement', 'MedicationAdministration', 'MedicationDispense'])('%s is a medication', (resourceType) => {
    expect(toMedicationInput({ resourceType, medicationCodeableConcept: { text: 'digoxin' } })).toStrictEqual({ codings: [], text: 'digoxin' });
  });

  test.each([
    ['a Medication resource', { resourceType: 'Medication', code: { text: 'digoxin' } }],
    ['an AllergyIntolerance', { resourceType: 'AllergyIntolerance', code: { text: 'penicillin' } }],
    ['no resourceType', { medicationCodeableConcept: { text: 'digoxin' } }],
    ['a coding that is not an array', { resourceType: 'MedicationRequest', medicationCodeableConcept: { coding: { code: '5640' } } }],
    ['a dose value that is a string', { resourceType: 'MedicationRequest', dosageInstruction: [{ doseQuantity: { value: '5', unit: 'mg' } }] }],
    ['null', null],
    ['a string', 'MedicationRequest']
  ])('rejects %s', (_, resource) => {
    expect(toMedicationInput(resource)).toBeUndefined();
  });

  test('a MedicationRequest that names its medicine only by reference maps to an empty input (no contained Medication lookup)', () => {
    expect(
      toMedicationInput({
        resourceType: 'MedicationRequest',
        contained: [{ resourceType: 'Medication', id: 'm', code: warfarin }],
        medicationReference: { reference: '#m' }
      })
    ).toStrictEqual({ codings: [] });
  });

  test.each(['stopped', 'cancelled', 'completed', 'entered-in-error', 'not-taken', 'not-done', 'declined', 'revoked'])(
    'status %s means not exposed',
    (status) => {
      expect(toMedicationInput({ resourceType: 'MedicationStatement', status, medicationCodeableConcept: { text: 'warfarin' } })).toBeUndefined();
    }
  );

  test.each(['active', 'draft', 'on-hold', 'intended', 'unknown', ''])('status "%s" is kept', (status) => {
    expect(toMedicationInput({ resourceType: 'MedicationRequest', status, medicationCodeableConcept: { text: 'warfarin' } })).toStrictEqual({
      codings: [],
      text: 'warfarin'
    });
  });

  test.each(['s', 'min', 'h', 'd', 'wk', 'mo', 'a'])('timing period unit %s is kept', (periodUnit) => {
    expect(toMedicationInput({ resourceType: 'MedicationRequest', dosageInstruction: [{ timing: { repeat: { frequency: 2, period: 3, periodUnit } } }] })).toStrictEqual({
      codings: [],
      timing: { frequency: 2, period: 3, periodUnit }
    });
  });

  test.each([
    ['an unknown period unit', { frequency: 2, period: 1, periodUnit: 'day' }],
    ['no period unit', { frequency: 2, period: 1 }],
    ['no frequency', { period: 1, periodUnit: 'd' }],
    ['frequency 0', { frequency: 0, period: 1, periodUnit: 'd' }]
  ])('no timing with %s', (_, repeat) => {
    expect(toMedicationInput({ resourceType: 'MedicationRequest', dosageInstruction: [{ timing: { repeat } }] })).toStrictEqual({ codings: [] });
  });

  test('a missing timing period counts as 1', () => {
    expect(toMedicationInput({ resourceType: 'MedicationRequest', dosageInstruction: [{ timing: { repeat: { frequency: 3, periodUnit: 'd' } } }] })).toStrictEqual({
      codings: [],
      timing: { frequency: 3, period: 1, periodUnit: 'd' }
    });
  });

  test('R4 doseAndRate is read when doseQuantity is absent; the UCUM code stands in for a missing unit', () => {
    expect(
      toMedicationInput({ resourceType: 'MedicationRequest', dosageInstruction: [{ doseAndRate: [{ doseQuantity: { value: 2, code: '{tbl}' } }] }] })
    ).toStrictEqual({ codings: [], dose: { value: 2, unit: '{tbl}' } });
  });

  test('dosage.doseQuantity wins over doseAndRate, and unit wins over code', () => {
    expect(
      toMedicationInput({
        resourceType: 'MedicationRequest',
        dosageInstruction: [{ doseQuantity: { value: 10, unit: 'mg', code: 'mg-code' }, doseAndRate: [{ doseQuantity: { value: 99, unit: 'g' } }] }]
      })
    ).toStrictEqual({ codings: [], dose: { value: 10, unit: 'mg' } });
  });

  test('an empty doseAndRate or route coding list is not an error', () => {
    expect(
      toMedicationInput({ resourceType: 'MedicationRequest', dosageInstruction: [{ doseAndRate: [], route: { coding: [] } }] })
    ).toStrictEqual({ codings: [] });
  });

  test('a dose of 0 is kept; a dose without any unit is dropped', () => {
    expect(toMedicationInput({ resourceType: 'MedicationRequest', dosageInstruction: [{ doseQuantity: { value: 0, unit: 'mg' } }] })).toStrictEqual({
      codings: [],
      dose: { value: 0, unit: 'mg' }
    });
    expect(toMedicationInput({ resourceType: 'MedicationRequest', dosageInstruction: [{ doseQuantity: { value: 5 } }] })).toStrictEqual({ codings: [] });
  });

  test('route text wins over the first coding display, which is used when there is no text', () => {
    expect(
      toMedicationInput({ resourceType: 'MedicationRequest', dosageInstruction: [{ route: { text: 'PO', coding: [{ display: 'Oral use' }] } }] })
    ).toStrictEqual({ codings: [], route: 'PO' });
    expect(
      toMedicationInput({ resourceType: 'MedicationRequest', dosageInstruction: [{ route: { coding: [{ display: 'Topical use' }, { display: 'Oral use' }] } }] })
    ).toStrictEqual({ codings: [], route: 'Topical use' });
  });

  test('as-needed is set only when asNeededBoolean is true', () => {
    expect(toMedicationInput({ resourceType: 'MedicationRequest', dosageInstruction: [{ asNeededBoolean: true }] })).toStrictEqual({ codings: [], asNeeded: true });
    expect(toMedicationInput({ resourceType: 'MedicationRequest', dosageInstruction: [{ asNeededBoolean: false }] })).toStrictEqual({ codings: [] });
  });

  test('MedicationStatement dosage is read as a list (R4) or a single object, first entry only', () => {
    expect(
      toMedicationInput({ resourceType: 'MedicationStatement', dosage: [{ doseQuantity: { value: 1, unit: 'tablet' } }, { doseQuantity: { value: 9, unit: 'mg' } }] })
    ).toStrictEqual({ codings: [], dose: { value: 1, unit: 'tablet' } });
    expect(toMedicationInput({ resourceType: 'MedicationAdministration', dosage: { doseQuantity: { value: 250, unit: 'mg' } } })).toStrictEqual({
      codings: [],
      dose: { value: 250, unit: 'mg' }
    });
  });

  test('dosageInstruction is preferred over dosage; an empty dosageInstruction falls back to dosage', () => {
    expect(
      toMedicationInput({
        resourceType: 'MedicationRequest',
        dosageInstruction: [{ doseQuantity: { value: 1, unit: 'mg' } }],
        dosage: [{ doseQuantity: { value: 2, unit: 'mg' } }]
      })
    ).toStrictEqual({ codings: [], dose: { value: 1, unit: 'mg' } });
    expect(
      toMedicationInput({ resourceType: 'MedicationRequest', dosageInstruction: [], dosage: [{ doseQuantity: { value: 2, unit: 'mg' } }] })
    ).toStrictEqual({ codings: [], dose: { value: 2, unit: 'mg' } });
  });
});

describe('toAllergyInput', () => {
  const concept = (code: string) => ({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code }] });

  test('a full R4 allergy', () => {
    expect(
      toAllergyInput({
        resourceType: 'AllergyIntolerance',
        id: 'al1',
        clinicalStatus: concept('active'),
        verificationStatus: { coding: [{ code: 'confirmed' }] },
        category: ['medication'],
        criticality: 'high',
        code: { coding: [{ system: RXNORM, code: '7980', display: 'Penicillin G' }], text: 'Penicillin' },
        reaction: [{ description: 'after first dose', manifestation: [{ text: 'hives' }, { coding: [{ display: 'Anaphylaxis' }] }] }]
      })
    ).toStrictEqual({
      id: 'al1',
      codings: [{ system: RXNORM, code: '7980', display: 'Penicillin G' }],
      text: 'Penicillin',
      category: 'medication',
      criticality: 'high',
      reaction: 'after first dose, hives, Anaphylaxis',
      verificationStatus: 'confirmed'
    });
  });

  test('an allergy with only a code: nothing else is invented', () => {
    expect(toAllergyInput({ resourceType: 'AllergyIntolerance', code: { text: 'sulfa' } })).toStrictEqual({ codings: [], text: 'sulfa' });
  });

  test.each([
    ['STU3 string', 'inactive'],
    ['STU3 string', 'resolved'],
    ['R4 concept', concept('inactive')],
    ['R4 concept', concept('resolved')]
  ])('clinical status %s %j is not an allergy now', (_, clinicalStatus) => {
    expect(toAllergyInput({ resourceType: 'AllergyIntolerance', clinicalStatus, code: { text: 'penicillin' } })).toBeUndefined();
  });

  test.each([['active'], [concept('active')], [{ coding: [] }], [{ text: 'no code' }], [42]])('clinical status %j is kept', (clinicalStatus) => {
    expect(toAllergyInput({ resourceType: 'AllergyIntolerance', clinicalStatus, code: { text: 'penicillin' } })).toStrictEqual({
      codings: [],
      text: 'penicillin'
    });
  });

  test.each(['medication', 'food', 'environment', 'biologic'])('category %s is kept', (category) => {
    expect(toAllergyInput({ resourceType: 'AllergyIntolerance', category: [category, 'food'] })).toStrictEqual({ codings: [], category });
  });

  test('only the first category is read, and an unknown one is dropped', () => {
    expect(toAllergyInput({ resourceType: 'AllergyIntolerance', category: ['other', 'medication'] })).toStrictEqual({ codings: [] });
    expect(toAllergyInput({ resourceType: 'AllergyIntolerance', category: [] })).toStrictEqual({ codings: [] });
  });

  test.each(['low', 'high', 'unable-to-assess'])('criticality %s is kept', (criticality) => {
    expect(toAllergyInput({ resourceType: 'AllergyIntolerance', criticality })).toStrictEqual({ codings: [], criticality });
  });

  test('an unknown criticality is dropped', () => {
    expect(toAllergyInput({ resourceType: 'AllergyIntolerance', criticality: 'CRITH' })).toStrictEqual({ codings: [] });
  });

  test.each(['unconfirmed', 'presumed', 'confirmed', 'refuted', 'entered-in-error'])('verification status %s is kept (string or concept)', (status) => {
    expect(toAllergyInput({ resourceType: 'AllergyIntolerance', verificationStatus: status })).toStrictEqual({ codings: [], verificationStatus: status });
    expect(toAllergyInput({ resourceType: 'AllergyIntolerance', verificationStatus: { coding: [{ code: status }] } })).toStrictEqual({
      codings: [],
      verificationStatus: status
    });
  });

  test('an unknown verification status is dropped', () => {
    expect(toAllergyInput({ resourceType: 'AllergyIntolerance', verificationStatus: 'provisional' })).toStrictEqual({ codings: [] });
    expect(toAllergyInput({ resourceType: 'AllergyIntolerance', verificationStatus: { coding: [] } })).toStrictEqual({ codings: [] });
  });

  test('reaction parts with no words are left out of the joined text', () => {
    expect(
      toAllergyInput({ resourceType: 'AllergyIntolerance', reaction: [{ manifestation: [{ coding: [] }, { text: 'rash' }] }, { description: 'wheeze' }, {}] })
    ).toStrictEqual({ codings: [], reaction: 'rash, wheeze' });
    expect(toAllergyInput({ resourceType: 'AllergyIntolerance', reaction: [{ manifestation: [{ coding: [{ code: 'x' }] }] }] })).toStrictEqual({ codings: [] });
  });

  test('manifestation text wins over its coding display', () => {
    expect(
      toAllergyInput({ resourceType: 'AllergyIntolerance', reaction: [{ manifestation: [{ text: 'hives', coding: [{ display: 'Urticaria' }] }] }] })
    ).toStrictEqual({ codings: [], reaction: 'hives' });
  });

  test.each([
    ['another resource type', { resourceType: 'Condition', code: { text: 'penicillin' } }],
    ['a category that is a string', { resourceType: 'AllergyIntolerance', category: 'medication' }],
    ['undefined', undefined]
  ])('rejects %s', (_, resource) => {
    expect(toAllergyInput(resource)).toBeUndefined();
  });
});

describe('toConditionInput', () => {
  test('codes and text', () => {
    expect(
      toConditionInput({ resourceType: 'Condition', code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'K26.4' }], text: 'Duodenal ulcer with bleeding' } })
    ).toStrictEqual({ codings: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'K26.4', display: undefined }], text: 'Duodenal ulcer with bleeding' });
    expect(toConditionInput({ resourceType: 'Condition' })).toStrictEqual({ codings: [] });
  });

  test('rejects other resources', () => {
    expect(toConditionInput({ resourceType: 'Observation', code: { text: 'x' } })).toBeUndefined();
  });
});

describe('toObservationInput', () => {
  const loinc = { coding: [{ system: 'http://loinc.org', code: '10535-3' }] };

  test('value, unit and effective time', () => {
    expect(
      toObservationInput({ resourceType: 'Observation', status: 'final', code: loinc, valueQuantity: { value: 0.7, unit: 'ng/mL' }, effectiveDateTime: '2018-08-28' })
    ).toStrictEqual({ codings: [{ system: 'http://loinc.org', code: '10535-3', display: undefined }], value: 0.7, unit: 'ng/mL', effective: '2018-08-28' });
  });

  test('the UCUM code stands in for a missing unit; issued for a missing effective time; a value of 0 is kept', () => {
    expect(
      toObservationInput({ resourceType: 'Observation', valueQuantity: { value: 0, code: 'mmol/L' }, issued: '2018-08-29T10:00:00Z' })
    ).toStrictEqual({ codings: [], value: 0, unit: 'mmol/L', effective: '2018-08-29T10:00:00Z' });
  });

  test('unit wins over code; effectiveDateTime wins over issued', () => {
    expect(
      toObservationInput({
        resourceType: 'Observation',
        valueQuantity: { value: 4, unit: 'mEq/L', code: 'meq/L' },
        effectiveDateTime: '2018-08-01',
        issued: '2018-08-02'
      })
    ).toStrictEqual({ codings: [], value: 4, unit: 'mEq/L', effective: '2018-08-01' });
  });

  test('an observation without a value maps to its codes only', () => {
    expect(toObservationInput({ resourceType: 'Observation', status: 'preliminary', code: { text: 'digoxin' } })).toStrictEqual({ codings: [] });
  });

  test.each(['entered-in-error', 'cancelled'])('status %s is skipped', (status) => {
    expect(toObservationInput({ resourceType: 'Observation', status, valueQuantity: { value: 1, unit: 'ng/mL' } })).toBeUndefined();
  });

  test('rejects a non-numeric value and other resources', () => {
    expect(toObservationInput({ resourceType: 'Observation', valueQuantity: { value: '0.7' } })).toBeUndefined();
    expect(toObservationInput({ resourceType: 'Patient' })).toBeUndefined();
  });
});

describe('resourcesIn', () => {
  const a = { resourceType: 'MedicationRequest', id: 'a' };
  const b = { resourceType: 'MedicationRequest', id: 'b' };

  test('a Bundle yields its entry resources, skipping entries without one', () => {
    expect(resourcesIn({ resourceType: 'Bundle', entry: [{ resource: a }, {}, null, { fullUrl: 'x' }, { resource: b }] })).toStrictEqual([a, b]);
  });

  test('a Bundle without entries yields nothing', () => {
    expect(resourcesIn({ resourceType: 'Bundle', type: 'searchset', total: 0 })).toStrictEqual([]);
  });

  test('a single resource is one resource', () => {
    expect(resourcesIn(a)).toStrictEqual([a]);
  });

  test('a bare array where a Bundle belongs is read resource by resource, empty slots left out', () => {
    expect(resourcesIn([a, null, b])).toStrictEqual([a, b]);
    expect(resourcesIn([])).toStrictEqual([]);
  });

  test.each([[null], [undefined], [''], ['Bundle'], [0], [7], [true], [false]])('%j yields nothing', (value) => {
    expect(resourcesIn(value)).toStrictEqual([]);
  });
});
