import { bundledDrugPack } from '../drugs';
import { knowledgeFor } from '../drugs/knowledge';
import { resolveAllergy, resolveMedication } from '../drugs/resolve';
import { ageAt } from '../vitals';
import { hasProblem } from './evidence';
import type { Reminder, ReminderAction, ReminderContext, ReminderRule } from './types';

/**
 * Medication reminders: a drug the chart says the patient should be taking
 * and is not. Acting on one opens the prescribe screen with the suggested
 * drug and dose filled in; the drug checks run there as for any
 * prescription, and the prescriber may change anything before signing.
 */

/** Pack class of the HMG-CoA reductase inhibitors. */
export const STATIN_CLASS = 'statin';

/**
 * Type 1, type 2 or other specified diabetes: SNOMED CT 44054006 (type 2),
 * 46635009 (type 1), 73211009 (diabetes mellitus); ICD-10-CM E10, E11 and
 * E13 by prefix. Prediabetes (R73.03) and gestational diabetes (O24.4) are
 * not diabetes here: the text pattern leaves out "prediabetes" and the
 * codes do not name them.
 */
const DIABETES = { codes: ['44054006', '46635009', '73211009'], codePrefixes: ['E10', 'E11', 'E13'], text: /(?<!pre-?)(?<!gestational )diabetes/i };

/** Statins of the bundled drug pack, by ingredient id (atorvastatin, fluvastatin, lovastatin, pitavastatin, pravastatin, rosuvastatin, simvastatin). */
export function statinIds(): Set<string> {
  return new Set(bundledDrugPack().drugs.filter((d) => d.classes.includes(STATIN_CLASS)).map((d) => d.id));
}

function knowledge() {
  return knowledgeFor(bundledDrugPack());
}

/** An active medication of the chart that resolves (by RxNorm code or name) to a statin. */
export function onStatin(ctx: ReminderContext): boolean {
  const statins = statinIds();
  return ctx.medications.some((m) => resolveMedication(knowledge(), m).ingredients.some((id) => statins.has(id)));
}

/** The class named in words: the pack knows it only as "HMG-CoA reductase inhibitors (statins)". */
const STATIN_WORDS = /\bstatins?\b|HMG-?CoA reductase/i;

/** An active allergy to a statin, by ingredient (code or name) or by the class ("statins"). */
export function statinAllergy(ctx: ReminderContext): boolean {
  const statins = statinIds();
  return ctx.allergies.some((a) => {
    const r = resolveAllergy(knowledge(), a);
    return r.ingredients.some((id) => statins.has(id)) || r.classTerms.includes(STATIN_CLASS) || STATIN_WORDS.test(a.text ?? '');
  });
}

const ADA_2025 = {
  citation:
    'American Diabetes Association, Standards of Care in Diabetes—2025, section 10 "Cardiovascular Disease and Risk Management" (Diabetes Care 2025;48(Suppl 1):S207–S238): people with diabetes aged 40–75 years without ASCVD — moderate-intensity statin therapy in addition to lifestyle therapy (grade A)',
  url: 'https://doi.org/10.2337/dc25-S010'
};

/** Moderate intensity (lowers LDL cholesterol by 30–49%): atorvastatin 10–20 mg daily (ADA 2025, section 10, statin intensity table). */
export const STATIN_ACTION: Extract<ReminderAction, { kind: 'prescribe' }> = {
  kind: 'prescribe',
  label: 'Prescribe atorvastatin 20 mg',
  drugId: 'atorvastatin',
  strength: '20 mg',
  form: 'tablet',
  dose: { value: 1, unit: 'tablet' },
  frequency: 'once-daily',
  supplyDays: 30
};

/**
 * Statin for an adult with diabetes aged 40–75 (inclusive) who has no active
 * statin. Met by any active statin, whatever its dose. ASCVD (for which the
 * Standards recommend high-intensity therapy instead) is not read from the
 * chart: the suggestion is moderate intensity and the prescriber chooses.
 * Not suggested when a statin allergy is recorded: that is listed as not
 * evaluated, with the reason, for the clinician to decide.
 */
export const statinInDiabetes: ReminderRule = (ctx) => {
  const base = { id: 'ada-statin-diabetes', category: 'preventive' as const, title: 'Statin therapy: diabetes, 40–75 years', source: ADA_2025 };
  // Without diabetes the rule does not apply at any age, so a missing birth date matters only with it.
  if (!hasProblem(ctx, DIABETES)) return null;
  const age = ageAt(ctx.birthDate, ctx.now);
  if (age === undefined) return { ...base, status: 'not-evaluated', reason: 'Birth date unknown' };
  if (age < 40 || age > 75) return null;
  if (onStatin(ctx)) return null;
  if (statinAllergy(ctx)) return { ...base, status: 'not-evaluated', reason: 'Statin allergy recorded: decide with the patient' };
  return {
    ...base,
    status: 'due',
    level: 'info',
    overdue: false,
    detail: 'Diabetes on the problem list and no active statin. Moderate intensity: atorvastatin 10–20 mg or rosuvastatin 5–10 mg daily; high intensity with ASCVD or more risk factors (not checked here).',
    action: STATIN_ACTION
  } satisfies Reminder;
};

export const MEDICATION_RULES: readonly ReminderRule[] = [statinInDiabetes];

export const MEDICATION_COVERAGE =
  'Medicines: a statin for adults 40–75 with diabetes (ADA Standards of Care 2025). ASCVD, lipid levels and statin intolerance other than a recorded allergy are not checked.';
