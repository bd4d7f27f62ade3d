import type { IntakeResponse } from './intake-response';
import { FREQUENCY_OPTIONS, gadLinkId, phqLinkId, questionnaireUrl, INTAKE_VERSION, type QuestionnaireId } from './questionnaires';

/**
 * A stored pre-visit form as FHIR R4 QuestionnaireResponse resources, one
 * per form answered (a section the patient skipped has none). The scores
 * are the server's, as readOnly items; the source is the patient (or the
 * person acting for them, as a RelatedPerson display).
 */
export type FhirQuestionnaireResponse = Record<string, unknown> & { resourceType: 'QuestionnaireResponse'; id: string };

const coding = (value: number) => {
  const o = FREQUENCY_OPTIONS[value];
  return { valueCoding: { system: 'http://loinc.org', code: o.code, display: o.display } };
};

export function toFhirQuestionnaireResponses(r: IntakeResponse, patientId: string, base: string): FhirQuestionnaireResponse[] {
  const out: FhirQuestionnaireResponse[] = [];
  const make = (q: QuestionnaireId, item: Record<string, unknown>[]): void => {
    out.push({
      resourceType: 'QuestionnaireResponse',
      id: `${r.id}-${q}`,
      questionnaire: `${questionnaireUrl(base, q)}|${r.version || INTAKE_VERSION}`,
      status: 'completed',
      subject: { reference: `Patient/${patientId}` },
      authored: r.submittedAt,
      ...(r.relation === 'self' ? { source: { reference: `Patient/${patientId}` }, author: { reference: `Patient/${patientId}` } } : { author: { display: r.submittedBy } }),
      item
    });
  };
  if (r.reason) make('intake-reason', [{ linkId: 'reason', answer: [{ valueString: r.reason }] }]);
  if (r.medicines.length || r.newMedicines.length) {
    make('intake-medicines', [
      ...r.medicines.map((m) => ({
        linkId: 'medicine',
        item: [
          { linkId: 'medicine.id', answer: [{ valueString: m.medicationId }] },
          { linkId: 'medicine.name', answer: [{ valueString: m.name }] },
          { linkId: 'medicine.answer', answer: [{ valueCoding: { code: m.answer } }] }
        ]
      })),
      ...r.newMedicines.map((m) => ({
        linkId: 'new-medicine',
        item: [{ linkId: 'new-medicine.name', answer: [{ valueString: m.name }] }, ...(m.dose ? [{ linkId: 'new-medicine.dose', answer: [{ valueString: m.dose }] }] : [])]
      }))
    ]);
  }
  if (r.allergies.length || r.newAllergies.length) {
    make('intake-allergies', [
      ...r.allergies.map((a) => ({
        linkId: 'allergy',
        item: [
          { linkId: 'allergy.id', answer: [{ valueString: a.allergyId }] },
          { linkId: 'allergy.substance', answer: [{ valueString: a.substance }] },
          { linkId: 'allergy.answer', answer: [{ valueCoding: { code: a.answer } }] }
        ]
      })),
      ...r.newAllergies.map((a) => ({
        linkId: 'new-allergy',
        item: [{ linkId: 'new-allergy.substance', answer: [{ valueString: a.substance }] }, ...(a.reaction ? [{ linkId: 'new-allergy.reaction', answer: [{ valueString: a.reaction }] }] : [])]
      }))
    ]);
  }
  if (r.phq) {
    const p = r.phq;
    const answered = p.answers.map((v, i) => ({ linkId: phqLinkId(i), answer: [coding(v)] }));
    make('phq-9', [
      {
        linkId: 'phq9',
        item: [
          ...answered.slice(0, 2),
          { linkId: 'phq2-total', answer: [{ valueInteger: p.phq2 }] },
          ...answered.slice(2),
          ...(p.phq9 === null ? [] : [{ linkId: 'phq9-total', answer: [{ valueInteger: p.phq9 }] }])
        ]
      }
    ]);
  }
  if (r.gad7) {
    make('gad-7', [{ linkId: 'gad7', item: [...r.gad7.answers.map((v, i) => ({ linkId: gadLinkId(i), answer: [coding(v)] })), { linkId: 'gad7-total', answer: [{ valueInteger: r.gad7.score }] }] }]);
  }
  return out;
}
