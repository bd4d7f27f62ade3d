import { z } from 'zod';
import { NOTE_SECTIONS, type NoteSection } from './chart';

/**
 * Starter templates for common visit types in a rural primary-care clinic.
 * They are prompts to fill in, not clinical guidance: each line names what
 * is usually recorded at such a visit and leaves the finding to the
 * clinician. A template fills only sections that are still empty, so it
 * never overwrites what was typed (or what a colleague typed on another
 * device). A clinic adds its own (clinicTemplateInputSchema below), kept in
 * the clinic's `templates:<clinicId>` document.
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

/** A built-in template, or one of `clinic` (the clinic's active templates), by id. */
export function visitTemplate(id: string, clinic: readonly VisitTemplate[] = []): VisitTemplate | undefined {
  return VISIT_TEMPLATES.find((t) => t.id === id) ?? clinic.find((t) => t.id === id);
}

/**
 * Limits of a clinic template. The server's write policy holds every write
 * to them (server/policy/rules/templates.ts), so a template cannot grow a
 * document every device carries without bound.
 */
export const TEMPLATE_LIMITS = { name: 80, visitType: 80, section: 4000 } as const;

export const TEMPLATE_STATUSES = ['active', 'retired'] as const;
export type TemplateStatus = (typeof TEMPLATE_STATUSES)[number];

const sectionText = z.string().max(TEMPLATE_LIMITS.section, `A section holds at most ${TEMPLATE_LIMITS.section} characters`);

/** What a clinician fills in to define (or edit) a clinic template. */
export const clinicTemplateInputSchema = z.object({
  name: z.string().trim().min(1, 'Give the template a name').max(TEMPLATE_LIMITS.name, `A name holds at most ${TEMPLATE_LIMITS.name} characters`),
  visitType: z.string().trim().max(TEMPLATE_LIMITS.visitType, `A visit type holds at most ${TEMPLATE_LIMITS.visitType} characters`),
  sections: z
    .object(Object.fromEntries(NOTE_SECTIONS.map((s) => [s, sectionText])) as Record<NoteSection, typeof sectionText>)
    .refine((v) => NOTE_SECTIONS.some((s) => v[s].trim() !== ''), 'Write the text of at least one section')
});
export type ClinicTemplateInput = z.input<typeof clinicTemplateInputSchema>;

/** A clinic's own template as stored: who last changed it, and whether it is still offered. */
export interface ClinicTemplate extends VisitTemplate {
  visitType: string;
  status: TemplateStatus;
  updatedAt: string;
  updatedBy: string;
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
