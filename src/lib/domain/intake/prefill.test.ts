import { describe, expect, it } from 'vitest';
import { intakePrefill } from './prefill';

const active = { coding: [{ code: 'active' }] };
const confirmed = { coding: [{ code: 'confirmed' }] };

describe('intakePrefill', () => {
  it('lists current medicines and allergies and upcoming appointments; leaves out stopped, refuted, in-error, "no known allergies" and past visits', () => {
    const resources = [
      { resourceType: 'MedicationRequest', id: 'rx1', status: 'active', medicationCodeableConcept: { text: 'Amoxicillin 500 mg' }, dosageInstruction: [{ text: 'Three times a day' }] },
      { resourceType: 'MedicationRequest', id: 'rx2', status: 'stopped', medicationCodeableConcept: { text: 'Old drug' } },
      { resourceType: 'MedicationStatement', id: 'ms1', status: 'active', medicationCodeableConcept: { coding: [{ display: 'Paracetamol' }] }, dosage: [{ text: 'When needed' }] },
      { resourceType: 'AllergyIntolerance', id: 'al1', clinicalStatus: active, verificationStatus: confirmed, code: { text: 'Penicillin' }, reaction: [{ manifestation: [{ text: 'Hives' }] }] },
      { resourceType: 'AllergyIntolerance', id: 'al2', clinicalStatus: active, verificationStatus: { coding: [{ code: 'refuted' }] }, code: { text: 'Latex' } },
      { resourceType: 'AllergyIntolerance', id: 'al3', clinicalStatus: { coding: [{ code: 'resolved' }] }, verificationStatus: confirmed, code: { text: 'Eggs' } },
      { resourceType: 'AllergyIntolerance', id: 'nka', clinicalStatus: active, verificationStatus: confirmed, code: { text: 'No known allergies', coding: [{ system: 'http://snomed.info/sct', code: '716186003' }] } },
      { resourceType: 'Condition', id: 'c1', code: { text: 'Asthma' } }
    ];
    const appt = (id: string, start: string, status: 'booked' | 'cancelled' | 'finished' = 'booked') => ({ id, start, end: start, status, mode: 'in-person' as const, type: 'Check-up', provider: 'Dr A' });
    const out = intakePrefill(resources, [appt('later', '2030-05-07T09:00:00.000Z'), appt('today-early', '2030-05-06T07:00:00.000Z'), appt('yesterday', '2030-05-05T09:00:00.000Z'), appt('cancelled', '2030-05-08T09:00:00.000Z', 'cancelled')], new Date('2030-05-06T12:00:00.000Z'));
    expect(out).toEqual({
      medicines: [
        { id: 'rx1', name: 'Amoxicillin 500 mg', detail: 'Three times a day' },
        { id: 'ms1', name: 'Paracetamol', detail: 'When needed' }
      ],
      allergies: [{ id: 'al1', substance: 'Penicillin', reaction: 'Hives' }],
      appointments: [
        { id: 'today-early', start: '2030-05-06T07:00:00.000Z', type: 'Check-up', provider: 'Dr A' },
        { id: 'later', start: '2030-05-07T09:00:00.000Z', type: 'Check-up', provider: 'Dr A' }
      ]
    });
  });
});
