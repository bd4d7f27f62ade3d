import type { NoteSection } from './chart';

/**
 * Starter templates for common visit types in a rural primary-care clinic.
 * They are prompts to fill in, not clinical guidance: each line names what
 * is usually recorded at such a visit and leaves the finding to the
 * clinician. A template fills only sections that are still empty, so it
 * never overwrites what was typed (or what a colleague typed on another
 * device). Clinic-defined templates are not yet supported.
 */
export interface VisitTemplate {
  id: string;
  name: string;
  sections: Partial<Record<NoteSection, string>>;
}

export const VISIT_TEMPLATES: readonly VisitTemplate[] = [
  {
    id: 'hypertension',
    name: 'Hypertension review',
    sections: {
      subjective: 'Symptoms (headache, chest pain, breathlessness, visual change): \nTaking medicines as prescribed: \nSide effects: \nSalt, alcohol, tobacco, activity: ',
      objective: 'BP seated after 5 minutes rest (repeat if high): \nPulse: \nWeight: ',
      assessment: 'Hypertension, control: ',
      plan: 'Medicines: \nTests due (creatinine, potassium, lipids, glucose): \nNext review: '
    }
  },
  {
    id: 'diabetes',
    name: 'Diabetes review',
    sections: {
      subjective: 'Low or high sugar symptoms: \nHome glucose readings: \nFoot problems, vision change: \nTaking medicines as prescribed, side effects: ',
      objective: 'Weight, BMI: \nBP: \nFeet (sensation, pulses, skin): \nLast HbA1c: ',
      assessment: 'Type 2 diabetes, control: ',
      plan: 'Medicines: \nTests due (HbA1c, kidney function, urine albumin): \nEye screening: \nNext review: '
    }
  },
  {
    id: 'acute-respiratory',
    name: 'Cough or breathing problem',
    sections: {
      subjective: 'Duration, fever, sputum, breathlessness, chest pain: \nCough over 2 weeks, weight loss, night sweats, TB contact: ',
      objective: 'Temperature, respiratory rate, SpO2, pulse: \nChest: ',
      plan: 'Treatment: \nWhen to come back (worsening breathlessness, fever beyond 3 days): \nFollow-up: '
    }
  },
  {
    id: 'antenatal',
    name: 'Antenatal visit',
    sections: {
      subjective: 'Weeks of pregnancy: \nFetal movements, bleeding, pain, headache, visual change, swelling: ',
      objective: 'BP, weight: \nFundal height, fetal heart rate, presentation: \nUrine protein: ',
      plan: 'Iron and folic acid: \nTests and immunizations due: \nNext visit: '
    }
  },
  {
    id: 'well-child',
    name: 'Well-child visit',
    sections: {
      subjective: 'Feeding, sleep, concerns about development: ',
      objective: 'Weight, length or height, head circumference (plotted): \nMilestones: \nExamination: ',
      plan: 'Immunizations due today: \nAdvice given: \nNext visit: '
    }
  }
];

export function visitTemplate(id: string): VisitTemplate | undefined {
  return VISIT_TEMPLATES.find((t) => t.id === id);
}

/**
 * What applying `template` to a note whose sections hold `current` would
 * write: the template's text for each section that is empty (whitespace
 * counts as empty), nothing for a section that already has text.
 */
export function templateFill(current: Record<NoteSection, string>, template: VisitTemplate): Partial<Record<NoteSection, string>> {
  const out: Partial<Record<NoteSection, string>> = {};
  for (const [section, text] of Object.entries(template.sections) as [NoteSection, string][]) {
    if (current[section].trim() === '') out[section] = text;
  }
  return out;
}
