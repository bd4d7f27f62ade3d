import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { evaluateIntake, recentSelfHarmForms, type IntakePrefill } from './intake-response';
import { toFhirQuestionnaireResponses } from './intake-fhir';
import { allQuestionnaires, QUESTIONNAIRE_IDS } from './questionnaires';

const ID = '5b0c3f52-7a8e-4c1b-9f57-1d2e3a4b5c6d';
const prefill: IntakePrefill = {
  medicines: [{ id: 'med-1', name: 'Metformin 500 mg', detail: 'twice a day' }],
  allergies: [{ id: 'all-1', substance: 'Penicillin', reaction: 'Hives' }],
  appointments: [{ id: 'appt-1', start: '2030-05-06T09:00:00.000Z' }]
};

function problems(raw: unknown): string[] {
  try {
    evaluateIntake(raw, prefill);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).details?.map((d) => `${d.path}: ${d.message}`) ?? [(err as AppError).message];
  }
  return [];
}

describe('evaluateIntake', () => {
  it('an honest form: names from the record, keys for what was added, scores computed here', () => {
    const out = evaluateIntake(
      {
        id: ID,
        appointmentId: 'appt-1',
        reason: '  Cough for two weeks ',
        medicines: [{ medicationId: 'med-1', answer: 'stopped' }],
        newMedicines: [{ name: 'Ibuprofen', dose: '200 mg when needed' }],
        allergies: [{ allergyId: 'all-1', answer: 'yes' }],
        newAllergies: [{ substance: 'Sulfa drugs', reaction: 'Rash' }],
        phq: [2, 2, 1, 1, 1, 1, 1, 1, 1],
        gad7: [1, 1, 1, 1, 1, 0, 0]
      },
      prefill
    );
    expect(out).toEqual({
      id: ID,
      version: '1.0.0',
      appointmentId: 'appt-1',
      reason: 'Cough for two weeks',
      medicines: [{ medicationId: 'med-1', name: 'Metformin 500 mg', answer: 'stopped' }],
      newMedicines: [{ key: 'm1', name: 'Ibuprofen', dose: '200 mg when needed' }],
      allergies: [{ allergyId: 'all-1', substance: 'Penicillin', answer: 'yes' }],
      newAllergies: [{ key: 'a1', substance: 'Sulfa drugs', reaction: 'Rash' }],
      phq: { answers: [2, 2, 1, 1, 1, 1, 1, 1, 1], phq2: 4, phq2Band: 'positive', phq9: 11, phq9Band: 'moderate', selfHarm: true },
      gad7: { answers: [1, 1, 1, 1, 1, 0, 0], score: 5, band: 'mild' },
      flags: ['self-harm']
    });
  });

  it('a score, band or flag sent by the client is not read', () => {
    const out = evaluateIntake({ id: ID, phq: [0, 1], gad7: [3, 3, 3, 3, 3, 3, 3], scores: { phq9: 0 }, gad7Score: 0, flags: [] }, prefill);
    expect(out.phq).toEqual({ answers: [0, 1], phq2: 1, phq2Band: 'negative', phq9: null, phq9Band: null, selfHarm: false });
    expect(out.gad7).toEqual({ answers: [3, 3, 3, 3, 3, 3, 3], score: 21, band: 'severe' });
    expect(out).not.toHaveProperty('scores');
  });

  it('refuses bad answers, each with a readable reason', () => {
    expect(problems({ id: 'not-a-uuid', reason: 'x' })).toEqual(['id: The form needs its id (a UUID)']);
    expect(problems({ id: ID, phq: [0, 4] })).toEqual(['phq.1: Each answer is one of the four choices']);
    expect(problems({ id: ID, phq: [0, '1'] })).toEqual(['phq.1: Each answer is one of the four choices']);
    expect(problems({ id: ID, phq: [1, 1, 0, 0, 0, 0, 0, 0, 0] })).toEqual(['phq: The PHQ-9 is asked only after a PHQ-2 of 3 or more']);
    expect(problems({ id: ID, phq: [3, 3] })).toEqual(['phq: A PHQ-2 of 3 or more goes on to all nine PHQ-9 questions']);
    expect(problems({ id: ID, phq: [1] })).toEqual(['phq: Answer both of the first two mood questions, or skip the mood questions']);
    expect(problems({ id: ID, gad7: [1, 1, 1] })).toEqual(['gad7: Answer all seven worry questions, or skip them']);
    expect(problems({ id: ID, medicines: [{ medicationId: 'med-9', answer: 'taking' }] })).toEqual(['medicines.0: That medicine is not on your record any more. Reload the form.']);
    expect(problems({ id: ID, medicines: [{ medicationId: 'med-1', answer: 'maybe' }] })).toEqual(['medicines.0.answer: Say whether you still take it, stopped, or are not sure']);
    expect(problems({ id: ID, allergies: [{ allergyId: 'all-1', answer: 'yes' }, { allergyId: 'all-1', answer: 'no' }] })).toEqual(['allergies.1: Each allergy is answered once']);
    expect(problems({ id: ID, newAllergies: [{ substance: ' ' }] })).toEqual(['newAllergies.0.substance: Write what you are allergic to']);
    expect(problems({ id: ID, reason: 'x'.repeat(1001) })).toEqual(['reason: The reason for the visit is at most 1000 characters']);
    expect(problems({ id: ID, appointmentId: 'appt-other', reason: 'x' })).toEqual(['appointmentId: That appointment is not one of yours.']);
    expect(problems({ id: ID })).toEqual([': The form is empty: answer at least one question']);
    expect(problems({ id: ID, newMedicines: Array.from({ length: 21 }, () => ({ name: 'Aspirin' })) })).toEqual(['newMedicines: At most 20 medicines at a time']);
    // Positive control: the smallest honest form passes.
    expect(problems({ id: ID, reason: 'x' })).toEqual([]);
  });
});

describe('FHIR', () => {
  it('five Questionnaires, versioned, with canonical URLs under the base', () => {
    const qs = allQuestionnaires('https://clinic.example/fhir/R4');
    expect(qs.map((q) => q.id)).toEqual([...QUESTIONNAIRE_IDS]);
    expect(qs.map((q) => `${q.url as string}|${q.version as string}`)).toContain('https://clinic.example/fhir/R4/Questionnaire/phq-9|1.0.0');
    const phq = qs.find((q) => q.id === 'phq-9')!;
    const items = (phq.item as { item: { linkId: string; enableWhen?: unknown }[] }[])[0].item;
    expect(items.map((i) => i.linkId)).toEqual(['phq9-1', 'phq9-2', 'phq2-total', 'phq9-3', 'phq9-4', 'phq9-5', 'phq9-6', 'phq9-7', 'phq9-8', 'phq9-9', 'phq9-total']);
    expect(items[0].enableWhen).toBeUndefined();
    expect(items[3].enableWhen).toEqual([{ question: 'phq2-total', operator: '>=', answerInteger: 3 }]);
  });

  it('a stored response becomes one QuestionnaireResponse per form answered, with the server scores', () => {
    const content = evaluateIntake({ id: ID, phq: [0, 1], gad7: [1, 1, 1, 1, 1, 0, 0] }, prefill);
    const qrs = toFhirQuestionnaireResponses({ ...content, submittedAt: '2030-05-01T08:00:00.000Z', submittedBy: 'Patient', submittedById: 'u1', relation: 'self' }, 'p1', 'https://c/fhir/R4');
    expect(qrs.map((q) => q.questionnaire)).toEqual(['https://c/fhir/R4/Questionnaire/phq-9|1.0.0', 'https://c/fhir/R4/Questionnaire/gad-7|1.0.0']);
    expect(qrs[0].item).toEqual([
      {
        linkId: 'phq9',
        item: [
          { linkId: 'phq9-1', answer: [{ valueCoding: { system: 'http://loinc.org', code: 'LA6568-5', display: 'Not at all' } }] },
          { linkId: 'phq9-2', answer: [{ valueCoding: { system: 'http://loinc.org', code: 'LA6569-3', display: 'Several days' } }] },
          { linkId: 'phq2-total', answer: [{ valueInteger: 1 }] }
        ]
      }
    ]);
    expect(qrs[1]).toMatchObject({ id: `${ID}-gad-7`, status: 'completed', subject: { reference: 'Patient/p1' }, source: { reference: 'Patient/p1' }, authored: '2030-05-01T08:00:00.000Z' });
  });
});

describe('recentSelfHarmForms', () => {
  const at = (submittedAt: string, flagged: boolean) => ({ submittedAt, flags: flagged ? (['self-harm'] as const).slice() : [] });
  it('keeps a flag for 14 days after the form, newer forms or not', () => {
    const now = new Date('2030-05-15T12:00:00.000Z');
    const forms = [at('2030-05-15T08:00:00.000Z', false), at('2030-05-01T12:00:00.000Z', true), at('2030-05-01T11:59:59.000Z', true), at('2030-05-10T09:00:00.000Z', true)];
    expect(recentSelfHarmForms(forms, now).map((f) => f.submittedAt)).toEqual(['2030-05-10T09:00:00.000Z', '2030-05-01T12:00:00.000Z']);
  });
});
