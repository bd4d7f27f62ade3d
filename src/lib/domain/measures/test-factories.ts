import type { ConditionFact, EncounterFact, EventFact, ObservationFact, PatientFacts } from './measure-facts';

/** Facts for the measure tests: a patient with nothing recorded but what each case adds. */
export function facts(over: Partial<PatientFacts> = {}): PatientFacts {
  return { patientId: 'p1', birthDate: '1970-06-15', gender: 'female', conditions: [], observations: [], events: [], encounters: [], ...over };
}

export const visit = (date: string, type = 'Office visit', provider = 'Dr Amara Diallo'): EncounterFact => ({ date, type, provider });
export const condition = (code: string, onset = '2020-01-01', abatement = ''): ConditionFact => ({ codes: [code], onset, abatement });
export const result = (code: string, date: string, value?: number, unit?: string, valueCodes: string[] = []): ObservationFact => ({
  codes: [code],
  date,
  ...(value !== undefined ? { value } : {}),
  ...(unit ? { unit } : {}),
  valueCodes,
  components: []
});
export const bp = (date: string, systolic: number, diastolic: number): ObservationFact => ({
  codes: ['loinc|85354-9'],
  date,
  valueCodes: [],
  components: [
    { codes: ['loinc|8480-6'], value: systolic },
    { codes: ['loinc|8462-4'], value: diastolic }
  ]
});
export const event = (kind: EventFact['kind'], code: string | null, date: string, text = ''): EventFact => ({ kind, codes: code ? [code] : [], text, date });
