import { z } from 'zod';
import { referralFactSchema } from '../referrals';

/**
 * What the registry rules read about one patient: plain, serialisable facts
 * drawn from the chart (chart/registry-facts.ts) and the demographics of the
 * patient list. Kept small so a device can hold them for a whole panel and
 * a registry over 20,000 patients is a loop over arrays, not 20,000 Yjs
 * documents opened.
 */

export const resultFactSchema = z.object({
  /** LOINC code of the result (a component of a panel counts under its own code). */
  code: z.string(),
  text: z.string(),
  /** Numeric value; absent for a coded or text result. */
  value: z.number().optional(),
  unit: z.string().default(''),
  /** When it was taken (ISO date or time). */
  at: z.string()
});
export type ResultFact = z.infer<typeof resultFactSchema>;

export const chartFactsSchema = z.object({
  /** Codes of the active, not entered-in-error problems (any system; ICD-10-CM codes as written, e.g. "E11.9"). */
  conditionCodes: z.array(z.string()),
  /** Latest result per LOINC code. */
  latestResults: z.array(resultFactSchema),
  /** Active medicines: RxNorm codes, drug-pack ingredient ids and classes (closed over parent classes). */
  medications: z.array(z.object({ text: z.string(), rxnorm: z.array(z.string()), classes: z.array(z.string()) })),
  /** Immunizations as the schedule reads them. */
  immunizations: z.array(
    z.object({
      id: z.string(),
      status: z.enum(['completed', 'entered-in-error', 'not-done']),
      vaccineCode: z.object({ text: z.string(), coding: z.array(z.object({ system: z.string().optional(), code: z.string().optional() })).optional() }),
      occurrenceDateTime: z.string()
    })
  ),
  /** Start of the latest visit that took place (not cancelled or entered in error); '' when none. */
  lastVisit: z.string(),
  pregnancy: z.object({
    /** An active problem says the patient is pregnant (ICD-10-CM Z33.1, Z34, chapter O; SNOMED 77386006). */
    activeCondition: z.boolean(),
    /** Latest recorded last menstrual period (LOINC 8665-2), YYYY-MM-DD; '' when none. */
    lmp: z.string(),
    /** Latest recorded estimated delivery date (LOINC 11778-8), YYYY-MM-DD; '' when none. */
    edd: z.string()
  }),
  /** Referrals sent, and whether a reply or a visit has closed each (domain/referrals.ts). */
  referrals: z.array(referralFactSchema).default([])
});
export type ChartFacts = z.infer<typeof chartFactsSchema>;

/** One patient as the registries see them: the patient list's demographics and the chart's facts. */
export interface PatientFacts extends ChartFacts {
  patientId: string;
  name: string;
  birthDate: string;
  /** Administrative gender as registered: female, male, other, unknown. */
  gender: string;
}

/** A patient whose chart holds nothing yet (or is not on this device). */
export const EMPTY_CHART_FACTS: ChartFacts = {
  conditionCodes: [],
  latestResults: [],
  medications: [],
  immunizations: [],
  lastVisit: '',
  pregnancy: { activeCondition: false, lmp: '', edd: '' },
  referrals: []
};
