import { ageAt } from '../vitals';
import { hasProblem, lastDone, openOrderFor, seriesOf, within, type EvidenceQuery } from './evidence';
import type { Reminder, ReminderAction, ReminderContext, ReminderRule, ReminderSource } from './types';

/**
 * Preventive care due by age and sex: a SUBSET of the US Preventive
 * Services Task Force A and B recommendations for primary care, each with
 * the recommendation's name and year. Not comprehensive: risk-based
 * recommendations that need facts the chart does not hold as data (pack
 * years for lung cancer screening, family history, pregnancy, sexual
 * history) are not evaluated, and the screen says so.
 *
 * Intervals: where USPSTF names one it is used; where it leaves the
 * interval to the clinician the rule says which interval it uses and why.
 */

const USPSTF = 'https://www.uspreventiveservicestaskforce.org/uspstf/recommendation-topics/uspstf-a-and-b-recommendations';

interface Screening {
  id: string;
  title: string;
  source: ReminderSource;
  /** Inclusive age band in years. */
  ages: [number, number];
  /** Screening defined by sex assigned at birth; other or unknown recorded sex is not evaluated. */
  sex?: 'female' | 'male';
  /** Any one of these, recent enough, meets the rule. */
  evidence: { query: EvidenceQuery; years: number; what: string }[];
  /** Further conditions: `false` when the rule does not apply, a string when they cannot be judged. */
  applies?: (ctx: ReminderContext) => true | false | string;
  action: ReminderAction;
  /** Catalogue codes of orders that answer it (an open one turns "due" into "ordered"). */
  orderCodes?: readonly string[];
  due: string;
}

function screeningRule(s: Screening): ReminderRule {
  return (ctx) => {
    const base = { id: s.id, category: 'preventive' as const, title: s.title, source: s.source };
    const age = ageAt(ctx.birthDate, ctx.now);
    if (age === undefined) return { ...base, status: 'not-evaluated', reason: 'Birth date unknown' };
    if (age < s.ages[0] || age > s.ages[1]) return null;
    if (s.sex) {
      if (ctx.gender !== 'female' && ctx.gender !== 'male') {
        return { ...base, status: 'not-evaluated', reason: `Sex recorded as ${ctx.gender || 'unknown'}: this screening depends on anatomy; decide with the patient` };
      }
      if (ctx.gender !== s.sex) return null;
    }
    const extra = s.applies?.(ctx) ?? true;
    if (extra === false) return null;
    if (typeof extra === 'string') return { ...base, status: 'not-evaluated', reason: extra };
    if (s.evidence.some((e) => within(lastDone(ctx, e.query), e.years, ctx.now))) return null;
    const orderId = s.orderCodes ? openOrderFor(ctx, s.orderCodes) : undefined;
    if (orderId) return { ...base, status: 'ordered', detail: 'Ordered; awaiting the result', orderId };
    const last = s.evidence.map((e) => lastDone(ctx, e.query)).filter(Boolean).sort().at(-1);
    return { ...base, status: 'due', level: 'info', overdue: !!last, detail: last ? `${s.due} Last recorded ${last.slice(0, 10)}.` : `${s.due} None recorded.`, action: s.action } satisfies Reminder;
  };
}

// Evidence codes. LOINC for tests, SNOMED CT for procedures as Synthea and most US records send them.
const COLONOSCOPY = { codes: ['73761001'], text: /colonoscopy/i };
const FIT = { codes: ['57905-2', '29771-3'], text: /\b(FIT|fecal immunochemical|occult blood)\b/i };
const STOOL_DNA = { codes: ['77353-1'], text: /stool DNA|cologuard/i };
const FLEX_SIG_OR_CT = { codes: ['44441009'], text: /sigmoidoscopy|CT colonography/i };
const MAMMOGRAM = { codes: ['24606-6', '71651007', '24623002'], text: /mammogra/i };
const CERVICAL_CYTOLOGY = { codes: ['10524-7', '19762-4', '47527-7', '47528-5'], text: /pap (smear|test)|cervical (cytology|smear)|papanicolaou/i };
const HPV_TEST = { codes: ['21440-3', '30167-1'], text: /\bHPV\b|papillomavirus/i };
const BLOOD_PRESSURE = { codes: ['85354-9', '55284-4'] };
const GLYCAEMIA = { codes: ['4548-4', '17856-6', '1558-6', '2339-0', '2345-7'] };
const LIPIDS = { codes: ['57698-3', '24331-1', '2093-3', '18262-6', '13457-7', '2089-1'] };
/** PHQ-2, PHQ-9, and the PHQ-A the adolescent rule asks for. */
const DEPRESSION_SCREEN = { codes: ['55757-9', '55758-7', '44249-1', '44261-6'], text: /PHQ-?(?:[29]|A\b)|patient health questionnaire/i };
const TOBACCO_STATUS = { codes: ['72166-2', '11367-0'], text: /tobacco|smoking status/i };
const HCV_TEST = { codes: ['13955-0', '16128-1', '11259-9'], text: /hepatitis C|\bHCV\b/i };
const HIV_TEST = { codes: ['75622-1', '56888-1', '7917-8'], text: /\bHIV\b/i };
/** Type 1 or 2 diabetes (SNOMED CT, ICD-10-CM E10/E11 by prefix in evidence.ts); prediabetes is not diabetes. */
const DIABETES = { codes: ['44054006', '73211009', '46635009'], codePrefixes: ['E10', 'E11'], text: /(?<!pre-?)diabetes/i };

/** Overweight or obesity as a problem (SNOMED CT 238131007 overweight, 414916001 obesity, 162864005 BMI 30+, ICD-10-CM E66). */
const OVERWEIGHT = { codes: ['238131007', '414916001', '162864005', '162863004'], codePrefixes: ['E66'], text: /obes|overweight|body mass index (2[5-9]|[34]\d)/i };

/** Latest BMI from the vitals (adult BMI categories in domain/vitals.ts). */
function latestBmi(ctx: ReminderContext): number | undefined {
  return seriesOf(ctx).bmi.at(-1)?.value;
}

export const PREVENTIVE_RULES: readonly ReminderRule[] = [
  screeningRule({
    id: 'uspstf-colorectal-cancer',
    title: 'Colorectal cancer screening (45–75)',
    source: { citation: 'USPSTF, Colorectal Cancer: Screening, 2021 (A for 50–75, B for 45–49)', url: USPSTF },
    ages: [45, 75],
    evidence: [
      { query: COLONOSCOPY, years: 10, what: 'colonoscopy' },
      { query: FLEX_SIG_OR_CT, years: 5, what: 'sigmoidoscopy or CT colonography' },
      { query: STOOL_DNA, years: 3, what: 'stool DNA-FIT' },
      { query: FIT, years: 1, what: 'FIT' }
    ],
    action: { kind: 'order', code: '57905-2', label: 'Order FIT' },
    orderCodes: ['57905-2'],
    due: 'FIT yearly, stool DNA-FIT every 1–3 years, CT colonography or sigmoidoscopy every 5, or colonoscopy every 10 years.'
  }),
  screeningRule({
    id: 'uspstf-breast-cancer',
    title: 'Breast cancer screening: mammography every 2 years (women 40–74)',
    source: { citation: 'USPSTF, Breast Cancer: Screening, 2024 (B)', url: USPSTF },
    ages: [40, 74],
    sex: 'female',
    evidence: [{ query: MAMMOGRAM, years: 2, what: 'mammogram' }],
    action: { kind: 'order', code: '24606-6', label: 'Order screening mammogram' },
    orderCodes: ['24606-6'],
    due: 'Biennial screening mammography.'
  }),
  screeningRule({
    id: 'uspstf-cervical-cancer',
    title: 'Cervical cancer screening (women 21–65)',
    source: { citation: 'USPSTF, Cervical Cancer: Screening, 2018 (A)', url: USPSTF },
    ages: [21, 65],
    sex: 'female',
    evidence: [
      { query: CERVICAL_CYTOLOGY, years: 3, what: 'cervical cytology' },
      { query: HPV_TEST, years: 5, what: 'high-risk HPV test' }
    ],
    action: { kind: 'review', label: 'Offer cervical screening' },
    due: 'Cytology every 3 years (21–65), or from 30 high-risk HPV testing or co-testing every 5 years. (Hysterectomy with cervix removed is not checked.)'
  }),
  screeningRule({
    id: 'uspstf-hypertension',
    title: 'Blood pressure screening (adults)',
    source: { citation: 'USPSTF, Hypertension in Adults: Screening, 2021 (A)', url: USPSTF },
    ages: [18, 150],
    evidence: [{ query: BLOOD_PRESSURE, years: 1, what: 'blood pressure' }],
    applies: (ctx) => {
      // USPSTF: yearly from 40 (or at increased risk); every 3–5 years for 18–39 with normal readings. The rule uses 3.
      const age = ageAt(ctx.birthDate, ctx.now)!;
      return age >= 40 || !within(lastDone(ctx, BLOOD_PRESSURE), 3, ctx.now);
    },
    action: { kind: 'record-vitals', label: 'Go to vitals' },
    due: 'Yearly from 40; every 3–5 years for 18–39 (this rule uses 3).'
  }),
  screeningRule({
    id: 'uspstf-prediabetes-diabetes',
    title: 'Prediabetes and type 2 diabetes screening (35–70 with overweight or obesity)',
    source: { citation: 'USPSTF, Prediabetes and Type 2 Diabetes: Screening, 2021 (B)', url: USPSTF },
    ages: [35, 70],
    evidence: [{ query: GLYCAEMIA, years: 3, what: 'HbA1c or glucose' }],
    applies: (ctx) => {
      if (hasProblem(ctx, DIABETES)) return false;
      const bmi = latestBmi(ctx);
      if (bmi !== undefined) return bmi >= 25;
      // Without a measured BMI, overweight or obesity on the problem list answers the question.
      if (hasProblem(ctx, OVERWEIGHT)) return true;
      return 'No BMI recorded: record height and weight';
    },
    action: { kind: 'order', code: '4548-4', label: 'Order HbA1c' },
    orderCodes: ['4548-4'],
    due: 'HbA1c or fasting glucose; USPSTF suggests every 3 years may be reasonable.'
  }),
  screeningRule({
    id: 'uspstf-statin-lipids',
    title: 'Cardiovascular risk assessment: lipids (40–75)',
    source: { citation: 'USPSTF, Statin Use for the Primary Prevention of Cardiovascular Disease in Adults: Preventive Medication, 2022 (B)', url: USPSTF },
    ages: [40, 75],
    evidence: [{ query: LIPIDS, years: 5, what: 'lipid panel' }],
    action: { kind: 'order', code: '57698-3', label: 'Order lipid panel' },
    orderCodes: ['57698-3'],
    due: 'Lipids to estimate 10-year CVD risk for the statin decision. USPSTF sets no interval; this rule uses 5 years (2018 ACC/AHA cholesterol guideline: every 4–6 years).'
  }),
  screeningRule({
    id: 'uspstf-depression-adults',
    title: 'Depression screening (adults)',
    source: { citation: 'USPSTF, Depression and Suicide Risk in Adults: Screening, 2023 (B)', url: USPSTF },
    ages: [19, 150],
    evidence: [{ query: DEPRESSION_SCREEN, years: 1, what: 'PHQ' }],
    action: { kind: 'review', label: 'Screen with PHQ-2/PHQ-9' },
    due: 'USPSTF sets no interval; this rule uses yearly.'
  }),
  screeningRule({
    id: 'uspstf-depression-adolescents',
    title: 'Depression screening (adolescents 12–18)',
    source: { citation: 'USPSTF, Depression and Suicide Risk in Children and Adolescents: Screening, 2022 (B)', url: USPSTF },
    ages: [12, 18],
    evidence: [{ query: DEPRESSION_SCREEN, years: 1, what: 'PHQ' }],
    action: { kind: 'review', label: 'Screen with PHQ-A' },
    due: 'USPSTF sets no interval; this rule uses yearly.'
  }),
  screeningRule({
    id: 'uspstf-tobacco',
    title: 'Ask about tobacco use (adults)',
    source: { citation: 'USPSTF, Tobacco Smoking Cessation in Adults, Including Pregnant Persons: Interventions, 2021 (A)', url: USPSTF },
    ages: [18, 150],
    evidence: [{ query: TOBACCO_STATUS, years: 1, what: 'smoking status' }],
    action: { kind: 'review', label: 'Ask and record smoking status' },
    due: 'Ask at visits; this rule looks for a smoking status in the last year.'
  }),
  screeningRule({
    id: 'uspstf-hepatitis-c',
    title: 'Hepatitis C screening once (18–79)',
    source: { citation: 'USPSTF, Hepatitis C Virus Infection in Adolescents and Adults: Screening, 2020 (B)', url: USPSTF },
    ages: [18, 79],
    evidence: [{ query: HCV_TEST, years: 200, what: 'HCV test' }],
    action: { kind: 'review', label: 'Offer HCV antibody test' },
    due: 'Once in adulthood.'
  }),
  screeningRule({
    id: 'uspstf-hiv',
    title: 'HIV screening (15–65)',
    source: { citation: 'USPSTF, Human Immunodeficiency Virus (HIV) Infection: Screening, 2019 (A)', url: USPSTF },
    ages: [15, 65],
    evidence: [{ query: HIV_TEST, years: 200, what: 'HIV test' }],
    action: { kind: 'review', label: 'Offer HIV test' },
    due: 'At least once; repeat for those at increased risk (not checked).'
  })
];

export const PREVENTIVE_COVERAGE =
  'Checks a subset of USPSTF A and B recommendations by age and sex: colorectal, breast and cervical cancer screening, blood pressure, prediabetes/diabetes (with BMI), lipids for the statin decision, depression, tobacco use, hepatitis C and HIV. Not comprehensive: lung cancer (pack-years), AAA, osteoporosis, pregnancy-related, sexually transmitted infection and family-history-based recommendations are not checked.';
