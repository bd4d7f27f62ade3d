/**
 * Simplified code lists for the clinic's quality measures.
 *
 * The eCQM value sets themselves (VSAC, https://vsac.nlm.nih.gov) need a
 * UMLS licence and hold CPT codes (AMA licence), so they are not shipped.
 * These lists are drawn by hand from public code systems, following the
 * value set NAMES and intent of the CMS eCQM specifications for the 2025
 * performance period (eCQI Resource Center, https://ecqi.healthit.gov,
 * measure versions named in measure-definitions.ts):
 *
 * - ICD-10-CM (CDC/NCHS, FY2025 release, public domain) for conditions;
 *   listed as code prefixes (E11 covers E11.9, E11.65, …).
 * - LOINC (Regenstrief, free licence) for results and assessments.
 * - SNOMED CT (US Edition, as in the eCQM value sets) for procedures,
 *   findings and interventions.
 * - HCPCS Level II (CMS, public domain) for the screening procedures CMS
 *   pays with a G code (CPT codes are left out: licensed).
 *
 * They are SHORTER than the value sets: a record coded with a code outside
 * them is not counted. Results are therefore not certified eCQM results,
 * and the screen says so.
 */

export const SYSTEM_ALIAS: Record<string, string> = {
  'http://loinc.org': 'loinc',
  'http://snomed.info/sct': 'sct',
  'http://hl7.org/fhir/sid/icd-10-cm': 'icd10',
  'http://hl7.org/fhir/sid/icd-10': 'icd10',
  'http://www.nlm.nih.gov/research/umls/rxnorm': 'rxnorm',
  'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets': 'hcpcs',
  'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets': 'hcpcs',
  'urn:oid:2.16.840.1.113883.6.285': 'hcpcs'
};

/** `loinc|4548-4`: the form facts and lists share, so one set lookup answers "is this code in the list". */
export function codeKey(system: string | undefined, code: string | undefined): string | null {
  if (!system || !code) return null;
  const alias = SYSTEM_ALIAS[system];
  if (!alias) return null;
  return `${alias}|${alias === 'icd10' || alias === 'hcpcs' ? code.trim().toUpperCase() : code.trim()}`;
}

/** A code list: exact codes, and ICD-10-CM prefixes (a category covers its subcodes). */
export interface CodeList {
  name: string;
  codes: ReadonlySet<string>;
  icd10Prefixes: readonly string[];
}

function list(name: string, parts: { loinc?: string[]; sct?: string[]; hcpcs?: string[]; icd10?: string[] }): CodeList {
  const codes = new Set<string>();
  for (const c of parts.loinc ?? []) codes.add(`loinc|${c}`);
  for (const c of parts.sct ?? []) codes.add(`sct|${c}`);
  for (const c of parts.hcpcs ?? []) codes.add(`hcpcs|${c}`);
  return { name, codes, icd10Prefixes: (parts.icd10 ?? []).map((p) => `icd10|${p}`) };
}

/** Whether any of the keys is in the list (exact, or under one of its ICD-10-CM categories). */
export function inList(keys: readonly string[], l: CodeList): boolean {
  for (const k of keys) {
    if (l.codes.has(k)) return true;
    if (k.startsWith('icd10|')) for (const p of l.icd10Prefixes) if (k.startsWith(p)) return true;
  }
  return false;
}

// ── Conditions ──────────────────────────────────────────────────────────

/** CMS122 "Diabetes": type 1, type 2 and other specified diabetes (gestational and secondary to drugs left out). */
export const DIABETES = list('Diabetes', { icd10: ['E10', 'E11', 'E13'], sct: ['73211009', '44054006', '46635009'] });

/** CMS165 "Essential Hypertension": ICD-10-CM I10; SNOMED CT essential hypertension and hypertensive disorder. */
export const ESSENTIAL_HYPERTENSION = list('Essential Hypertension', { icd10: ['I10'], sct: ['59621000', '38341003'] });

/** CMS165 "End Stage Renal Disease", "Kidney Transplant Recipient", "Dialysis Services" (status codes only). */
export const KIDNEY_FAILURE = list('End stage renal disease, dialysis or kidney transplant', { icd10: ['N18.6', 'Z99.2', 'Z94.0'], sct: ['46177005'] });

/** CMS165 "Pregnancy or Other Related Diagnoses": ICD-10-CM chapter O and supervision of pregnancy (Z33.1, Z34). */
export const PREGNANCY = list('Pregnancy', { icd10: ['O', 'Z33.1', 'Z34'], sct: ['77386006'] });

/** CMS125 "History of bilateral mastectomy", "Status Post Left/Right Mastectomy" (Z90.11 and Z90.12 together count as bilateral). */
export const BILATERAL_MASTECTOMY = list('Bilateral mastectomy', { icd10: ['Z90.13'], sct: ['428529004'] });
export const RIGHT_MASTECTOMY = list('Right mastectomy', { icd10: ['Z90.11'] });
export const LEFT_MASTECTOMY = list('Left mastectomy', { icd10: ['Z90.12'] });

/** CMS130 "Malignant Neoplasm of Colon" and "Total Colectomy". */
export const COLORECTAL_CANCER = list('Malignant neoplasm of colon', { icd10: ['C18', 'C19', 'C20', 'C21.2', 'C21.8', 'C78.5'], sct: ['363406005'] });
export const TOTAL_COLECTOMY = list('Total colectomy', { sct: ['26390003'] });

/** CMS2 "Depression diagnosis" and "Bipolar Diagnosis". */
export const DEPRESSION_OR_BIPOLAR = list('Depression or bipolar disorder', { icd10: ['F31', 'F32', 'F33', 'F34.1'], sct: ['35489007', '370143000', '13746004'] });

// ── Exclusions shared by several measures ──────────────────────────────

/** "Hospice Care Ambulatory", "Hospice Encounter", "Hospice Diagnosis" (simplified: the SNOMED CT hospice procedures and referral, ICD-10-CM Z51.5 is palliative). */
export const HOSPICE = list('Hospice care', { sct: ['385763009', '183919006', '170935008', '305336008'] });

/** "Palliative Care Encounter", "Palliative Care Intervention", "Palliative Care Diagnosis". */
export const PALLIATIVE = list('Palliative care', { icd10: ['Z51.5'], sct: ['103735009', '305284002', '305824005'] });

/**
 * "Frailty Diagnosis", "Frailty Device", "Frailty Symptom" (simplified to
 * ICD-10-CM categories): age-related debility, falls and gait trouble,
 * pressure ulcers, dependence on wheelchair, ventilator or care provider,
 * weakness, malaise, cachexia.
 */
export const FRAILTY = list('Frailty', { icd10: ['R54', 'R26', 'R29.6', 'W19', 'L89', 'Z74.0', 'Z99.11', 'Z99.3', 'Z99.81', 'Z91.81', 'R53.1', 'R53.81', 'R64', 'M62.84'] });

/**
 * "Advanced Illness" (simplified to ICD-10-CM categories): metastatic and
 * pancreatic cancer, dementia and Alzheimer disease, Parkinson disease,
 * heart failure, COPD with chronic respiratory failure, end-stage kidney and
 * liver disease, ALS.
 */
export const ADVANCED_ILLNESS = list('Advanced illness', {
  icd10: ['C25', 'C77', 'C78', 'C79', 'C80', 'C91.00', 'C92.00', 'C93.00', 'F01', 'F02', 'F03', 'G30', 'G31.0', 'G20', 'G12.21', 'I50', 'I12.0', 'I13.11', 'I13.2', 'J43', 'J84.10', 'J96.1', 'N18.5', 'N18.6', 'K70.1', 'K70.3', 'K74', 'K72.1']
});

/** "Dementia Medications" (text of the drug name: the RxNorm value set is product codes). */
export const DEMENTIA_MEDICATION = /\b(donepezil|galantamine|rivastigmine|memantine)\b/i;

// ── Results, assessments and procedures ────────────────────────────────

/** CMS122 "HbA1c Laboratory Test" and "Glucose Management Indicator" (GMI 97506-0, reported in %). */
export const HBA1C = list('HbA1c or glucose management indicator', { loinc: ['4548-4', '4549-2', '17856-6', '96595-4', '97506-0'] });

/** Blood pressure: the vital signs panel (85354-9, or 55284-4 from older records) with systolic 8480-6 and diastolic 8462-4 components. */
export const BP_PANEL = list('Blood pressure panel', { loinc: ['85354-9', '55284-4'] });
export const SYSTOLIC = list('Systolic blood pressure', { loinc: ['8480-6'] });
export const DIASTOLIC = list('Diastolic blood pressure', { loinc: ['8462-4'] });

/** CMS125 "Mammography": LOINC breast imaging studies, SNOMED CT mammography procedures, HCPCS G0202/G0204/G0206. */
export const MAMMOGRAPHY = list('Mammography', {
  loinc: ['24604-1', '24605-8', '24606-6', '26346-7', '26347-5', '26349-1', '36319-2', '36625-2', '36626-0', '36627-8'],
  sct: ['71651007', '24623002', '43204002', '241055006'],
  hcpcs: ['G0202', 'G0204', 'G0206']
});

/** CMS130 "Colonoscopy" (MP or 9 years prior). */
export const COLONOSCOPY = list('Colonoscopy', { loinc: ['18746-8'], sct: ['73761001', '310634005', '446521004'], hcpcs: ['G0105', 'G0121'] });
/** CMS130 "Fecal Occult Blood Test (FOBT)" (MP only). */
export const FOBT = list('Fecal occult blood or immunochemical test', {
  loinc: ['2335-8', '12503-9', '12504-7', '14563-1', '14564-9', '14565-6', '27396-1', '27401-9', '27925-7', '27926-5', '29771-3', '56490-6', '56491-4', '57905-2', '58453-2', '80372-6'],
  hcpcs: ['G0328']
});
/** CMS130 "sDNA FIT Test" (MP or 2 years prior). */
export const STOOL_DNA = list('Stool DNA with FIT', { loinc: ['77353-1', '77354-9'] });
/** CMS130 "Flexible Sigmoidoscopy" (MP or 4 years prior). */
export const FLEXIBLE_SIGMOIDOSCOPY = list('Flexible sigmoidoscopy', { sct: ['44441009', '396226005'], hcpcs: ['G0104'] });
/** CMS130 "CT Colonography" (MP or 4 years prior). */
export const CT_COLONOGRAPHY = list('CT colonography', { loinc: ['60515-4', '72531-7', '79069-1', '79071-7', '79101-2', '82688-3'], sct: ['418714002'] });

/** CMS138 "Tobacco Use Screening": smoking status and tobacco use assessments. */
export const TOBACCO_SCREENING = list('Tobacco use screening', { loinc: ['72166-2', '11367-0', '39240-7'] });
/** CMS138 "Tobacco User" findings (any other recorded answer reads as "Tobacco Non User"). */
export const TOBACCO_USER = list('Tobacco user', { sct: ['449868002', '428041000124106', '77176002', '65568007', '428071000124103', '428061000124105', '56578002', '59978006', '228494002', '160603005'] });
/** CMS138 "Tobacco Use Cessation Counseling" and "Tobacco Use Cessation Pharmacotherapy" (drugs by name). */
export const TOBACCO_CESSATION = list('Tobacco cessation intervention', { sct: ['225323000', '710081004', '171055003', '185795007', '395700008'] });
export const CESSATION_TEXT = /smoking cessation|tobacco (use )?cessation|quit smoking|stop smoking|varenicline|bupropion|nicotine/i;

/** CMS2 "Adolescent Depression Screening Assessment", "Adult Depression Screening Assessment" and the PHQ instruments. */
export const DEPRESSION_SCREENING = list('Depression screening', { loinc: ['44261-6', '55758-7', '89204-2', '73831-0', '73832-8'] });
/** LOINC answer "Positive" (LA6576-8) for the yes/no screening assessments. */
export const SCREEN_POSITIVE_ANSWER = 'loinc|LA6576-8';
/** CMS2 "Follow Up for Adolescent/Adult Depression", "Referral for Depression", "Depression medications" (simplified). */
export const DEPRESSION_FOLLOW_UP = list('Depression follow-up plan', { sct: ['306136006', '306226009', '183524004', '385893007', '108313002', '410223002'] });
export const DEPRESSION_FOLLOW_UP_TEXT = /depression|mental health|psychiatr|psycholog|psychotherap|counsel|sertraline|fluoxetine|citalopram|escitalopram|paroxetine|mirtazapine|venlafaxine|duloxetine|bupropion/i;

/** Every list, for the facts reader: an entry coded in none of them is not kept. */
export const ALL_LISTS: readonly CodeList[] = [
  DIABETES, ESSENTIAL_HYPERTENSION, KIDNEY_FAILURE, PREGNANCY, BILATERAL_MASTECTOMY, RIGHT_MASTECTOMY, LEFT_MASTECTOMY,
  COLORECTAL_CANCER, TOTAL_COLECTOMY, DEPRESSION_OR_BIPOLAR, HOSPICE, PALLIATIVE, FRAILTY, ADVANCED_ILLNESS, HBA1C, BP_PANEL,
  SYSTOLIC, DIASTOLIC, MAMMOGRAPHY, COLONOSCOPY, FOBT, STOOL_DNA, FLEXIBLE_SIGMOIDOSCOPY, CT_COLONOGRAPHY, TOBACCO_SCREENING,
  TOBACCO_CESSATION, DEPRESSION_SCREENING, DEPRESSION_FOLLOW_UP
];
