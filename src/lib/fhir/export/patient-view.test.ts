import { describe, expect, it } from 'vitest';
import type { FhirResource } from './chart-to-fhir';
import { patientVisibleResources } from './patient-view';

const r = (resourceType: string, extra: Record<string, unknown> = {}): FhirResource => ({ resourceType, id: `${resourceType}-1`, ...extra });
const ver = (code: string) => ({ verificationStatus: { coding: [{ code }] } });

describe('what a patient is shown of their chart', () => {
  it.each([
    ['a final result', r('Observation', { status: 'final' })],
    ['a corrected result', r('Observation', { status: 'corrected' })],
    ['a confirmed allergy', r('AllergyIntolerance', ver('confirmed'))],
    ['a problem', r('Condition', ver('confirmed'))],
    ['an issued prescription', r('MedicationRequest', { status: 'active' })],
    ['a vaccination given', r('Immunization', { status: 'completed' })],
    ['a signed note', r('DocumentReference', { status: 'current' })],
    ['a visit', r('Encounter', { status: 'finished' })]
  ])('shows %s', (_what, resource) => {
    expect(patientVisibleResources([resource])).toHaveLength(1);
  });

  it.each([
    ['a preliminary result', r('Observation', { status: 'preliminary' })],
    ['a result entered in error', r('Observation', { status: 'entered-in-error' })],
    ['an allergy entered in error', r('AllergyIntolerance', ver('entered-in-error'))],
    ['a draft prescription', r('MedicationRequest', { status: 'draft' })],
    ['a vaccination not given', r('Immunization', { status: 'not-done' })],
    ['a note entered in error', r('DocumentReference', { status: 'entered-in-error' })],
    ['an order (the clinic’s workflow)', r('ServiceRequest', { status: 'active' })],
    ['a care plan', r('CarePlan', { status: 'active' })],
    ['a type nobody decided on', r('Flag', { status: 'active' })]
  ])('hides %s', (_what, resource) => {
    expect(patientVisibleResources([resource])).toEqual([]);
  });

  it('drops staff comments and lets the caller hide more (a proxy)', () => {
    const problem = r('Condition', { ...ver('confirmed'), note: [{ text: 'family disputes history' }], code: { text: 'Asthma' } });
    expect(patientVisibleResources([problem])).toEqual([{ resourceType: 'Condition', id: 'Condition-1', verificationStatus: { coding: [{ code: 'confirmed' }] }, code: { text: 'Asthma' } }]);
    expect(patientVisibleResources([problem], () => true)).toEqual([]);
  });
});
