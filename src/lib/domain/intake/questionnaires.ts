import { GAD7_ITEMS, PHQ2_POSITIVE, PHQ9_ITEMS } from './scoring';

/**
 * The pre-visit intake forms, as code: each has a stable id and a version
 * (a change to a question or an answer list is a new version; a stored
 * response names the version it answered). They are served as FHIR R4
 * Questionnaire resources (toFhirQuestionnaire) and a stored response maps
 * to QuestionnaireResponse resources (intake-fhir.ts).
 *
 * The English texts below are the instruments' published wording (PHQ-9:
 * Kroenke et al. 2001; GAD-7: Spitzer et al. 2006; both free to use, no
 * permission required). The patient screen shows them from the message
 * files in the patient's language (messages/portal-intake). The Spanish,
 * French, Portuguese and Swahili texts there are plain translations, not the
 * validated language versions the instruments' authors publish; the scores
 * and bands were validated in the languages of those studies.
 */
export const INTAKE_VERSION = '1.0.0';

export const QUESTIONNAIRE_IDS = ['intake-reason', 'intake-medicines', 'intake-allergies', 'phq-9', 'gad-7'] as const;
export type QuestionnaireId = (typeof QUESTIONNAIRE_IDS)[number];

/** Answers to a medicine on the record. */
export const MEDICINE_ANSWERS = ['taking', 'stopped', 'not-sure'] as const;
export type MedicineAnswer = (typeof MEDICINE_ANSWERS)[number];
/** Answers to an allergy on the record: still have it, no longer, not sure. */
export const ALLERGY_ANSWERS = ['yes', 'no', 'not-sure'] as const;
export type AllergyAnswer = (typeof ALLERGY_ANSWERS)[number];

export const INTAKE_LIMITS = { reason: 1000, name: 200, detail: 200, added: 20, listed: 200 } as const;

/** LOINC answer list LL358-3 (PHQ-9, GAD-7 frequency). */
export const FREQUENCY_OPTIONS = [
  { value: 0, code: 'LA6568-5', display: 'Not at all' },
  { value: 1, code: 'LA6569-3', display: 'Several days' },
  { value: 2, code: 'LA6570-1', display: 'More than half the days' },
  { value: 3, code: 'LA6571-9', display: 'Nearly every day' }
] as const;

export const PHQ9_STEM = 'Over the last 2 weeks, how often have you been bothered by any of the following problems?';
export const PHQ9_TEXTS = [
  'Little interest or pleasure in doing things',
  'Feeling down, depressed, or hopeless',
  'Trouble falling or staying asleep, or sleeping too much',
  'Feeling tired or having little energy',
  'Poor appetite or overeating',
  'Feeling bad about yourself — or that you are a failure or have let yourself or your family down',
  'Trouble concentrating on things, such as reading the newspaper or watching television',
  'Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or restless that you have been moving around a lot more than usual',
  'Thoughts that you would be better off dead or of hurting yourself in some way'
] as const;

export const GAD7_STEM = 'Over the last 2 weeks, how often have you been bothered by the following problems?';
export const GAD7_TEXTS = [
  'Feeling nervous, anxious or on edge',
  'Not being able to stop or control worrying',
  'Worrying too much about different things',
  'Trouble relaxing',
  'Being so restless that it is hard to sit still',
  'Becoming easily annoyed or irritable',
  'Feeling afraid as if something awful might happen'
] as const;

/** LOINC panel and total-score codes. */
export const LOINC = {
  phq9Panel: '44249-1',
  phq9Total: '44261-6',
  phq2Total: '55758-7',
  gad7Panel: '69737-5',
  gad7Total: '70274-6'
} as const;

export const phqLinkId = (i: number) => `phq9-${i + 1}`;
export const gadLinkId = (i: number) => `gad7-${i + 1}`;

type FhirItem = Record<string, unknown>;
export type FhirQuestionnaire = Record<string, unknown> & { resourceType: 'Questionnaire'; id: QuestionnaireId };

const LOINC_SYSTEM = 'http://loinc.org';
const frequencyOptions = () => FREQUENCY_OPTIONS.map((o) => ({ valueCoding: { system: LOINC_SYSTEM, code: o.code, display: o.display }, extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/ordinalValue', valueDecimal: o.value }] }));

function choice(linkId: string, text: string, extra: FhirItem = {}): FhirItem {
  return { linkId, text, type: 'choice', required: true, answerOption: frequencyOptions(), ...extra };
}

const DESCRIPTIONS: Record<QuestionnaireId, [string, string]> = {
  'intake-reason': ['Reason for visit', 'What the patient would like to talk about at the visit, in their own words.'],
  'intake-medicines': ['Current medicines check', 'Each medicine on the record, marked by the patient as still taking, stopped or not sure, and medicines the patient adds by name. Patient-reported: a clinician decides what enters the chart.'],
  'intake-allergies': ['Allergies check', 'Each allergy on the record, confirmed or not by the patient, and new allergies the patient reports. Patient-reported: a clinician decides what enters the chart.'],
  'phq-9': ['PHQ-9 (with PHQ-2 first)', 'Patient Health Questionnaire. Items 1–2 are the PHQ-2 (Kroenke 2003); items 3–9 are asked when the PHQ-2 is 3 or more. Scoring and severity per Kroenke, Spitzer & Williams, J Gen Intern Med 2001;16:606–613. Item 9 above 0 is flagged for a clinician the same day.'],
  'gad-7': ['GAD-7', 'Generalized Anxiety Disorder 7-item scale. Scoring and severity per Spitzer, Kroenke, Williams & Löwe, Arch Intern Med 2006;166:1092–1097.']
};

function items(id: QuestionnaireId): FhirItem[] {
  switch (id) {
    case 'intake-reason':
      return [{ linkId: 'reason', text: 'What would you like to talk about at your visit?', type: 'text', maxLength: 1000 }];
    case 'intake-medicines':
      return [
        {
          linkId: 'medicine',
          text: 'Medicines on your record',
          type: 'group',
          repeats: true,
          item: [
            { linkId: 'medicine.id', text: 'Medicine on the record', type: 'string', readOnly: true },
            { linkId: 'medicine.name', text: 'Medicine', type: 'string', readOnly: true },
            { linkId: 'medicine.answer', text: 'Are you still taking it?', type: 'choice', required: true, answerOption: MEDICINE_ANSWERS.map((a) => ({ valueCoding: { code: a } })) }
          ]
        },
        {
          linkId: 'new-medicine',
          text: 'Other medicines you take',
          type: 'group',
          repeats: true,
          item: [
            { linkId: 'new-medicine.name', text: 'Name', type: 'string', required: true, maxLength: 200 },
            { linkId: 'new-medicine.dose', text: 'How much and how often', type: 'string', maxLength: 200 }
          ]
        }
      ];
    case 'intake-allergies':
      return [
        {
          linkId: 'allergy',
          text: 'Allergies on your record',
          type: 'group',
          repeats: true,
          item: [
            { linkId: 'allergy.id', text: 'Allergy on the record', type: 'string', readOnly: true },
            { linkId: 'allergy.substance', text: 'Allergy', type: 'string', readOnly: true },
            { linkId: 'allergy.answer', text: 'Do you still have this allergy?', type: 'choice', required: true, answerOption: ALLERGY_ANSWERS.map((a) => ({ valueCoding: { code: a } })) }
          ]
        },
        {
          linkId: 'new-allergy',
          text: 'Other allergies',
          type: 'group',
          repeats: true,
          item: [
            { linkId: 'new-allergy.substance', text: 'What are you allergic to?', type: 'string', required: true, maxLength: 200 },
            { linkId: 'new-allergy.reaction', text: 'What happens?', type: 'string', maxLength: 200 }
          ]
        }
      ];
    case 'phq-9': {
      const enableAfterPhq2 = { enableWhen: [{ question: 'phq2-total', operator: '>=', answerInteger: PHQ2_POSITIVE }] };
      return [
        {
          linkId: 'phq9',
          text: PHQ9_STEM,
          type: 'group',
          code: [{ system: LOINC_SYSTEM, code: LOINC.phq9Panel }],
          item: [
            ...PHQ9_TEXTS.slice(0, 2).map((t, i) => choice(phqLinkId(i), t)),
            { linkId: 'phq2-total', text: 'PHQ-2 total score', type: 'integer', readOnly: true, code: [{ system: LOINC_SYSTEM, code: LOINC.phq2Total }] },
            ...PHQ9_TEXTS.slice(2).map((t, i) => choice(phqLinkId(i + 2), t, enableAfterPhq2)),
            { linkId: 'phq9-total', text: 'PHQ-9 total score', type: 'integer', readOnly: true, code: [{ system: LOINC_SYSTEM, code: LOINC.phq9Total }], ...enableAfterPhq2 }
          ]
        }
      ];
    }
    case 'gad-7':
      return [
        {
          linkId: 'gad7',
          text: GAD7_STEM,
          type: 'group',
          code: [{ system: LOINC_SYSTEM, code: LOINC.gad7Panel }],
          item: [...GAD7_TEXTS.map((t, i) => choice(gadLinkId(i), t)), { linkId: 'gad7-total', text: 'GAD-7 total score', type: 'integer', readOnly: true, code: [{ system: LOINC_SYSTEM, code: LOINC.gad7Total }] }]
        }
      ];
  }
}

/** Canonical URL of a form under the server's FHIR base. */
export const questionnaireUrl = (base: string, id: QuestionnaireId) => `${base}/Questionnaire/${id}`;

/** One form as a FHIR R4 Questionnaire. */
export function toFhirQuestionnaire(id: QuestionnaireId, base: string): FhirQuestionnaire {
  const [title, description] = DESCRIPTIONS[id];
  return {
    resourceType: 'Questionnaire',
    id,
    url: questionnaireUrl(base, id),
    version: INTAKE_VERSION,
    name: id.replace(/[^A-Za-z0-9]/g, '_').toUpperCase(),
    title,
    status: 'active',
    subjectType: ['Patient'],
    date: '2026-12-06',
    description,
    item: items(id)
  };
}

export function allQuestionnaires(base: string): FhirQuestionnaire[] {
  return QUESTIONNAIRE_IDS.map((id) => toFhirQuestionnaire(id, base));
}

// Checked once, at load: the forms match the scoring module's item counts.
if (PHQ9_TEXTS.length !== PHQ9_ITEMS || GAD7_TEXTS.length !== GAD7_ITEMS) throw new Error('Intake forms and scoring disagree on item counts');
