/**
 * Scores and severity bands of the depression and anxiety screens on the
 * pre-visit form. Pure functions: the patient's device shows the same
 * result the server stores, and the server always computes it again from
 * the answers (a score sent by a client is never read).
 *
 * Sources:
 * - PHQ-9: Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a
 *   brief depression severity measure. J Gen Intern Med 2001;16(9):606–613.
 *   Nine items scored 0–3, total 0–27; cut-points 5, 10, 15 and 20 mark
 *   mild, moderate, moderately severe and severe depression.
 * - PHQ-2: Kroenke K, Spitzer RL, Williams JBW. The Patient Health
 *   Questionnaire-2: validity of a two-item depression screener. Med Care
 *   2003;41(11):1284–1292. The first two PHQ-9 items, total 0–6; a score of
 *   3 or more is a positive screen (sensitivity 83%, specificity 92% for
 *   major depression), after which the other seven PHQ-9 items are asked.
 * - GAD-7: Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure for
 *   assessing generalized anxiety disorder: the GAD-7. Arch Intern Med
 *   2006;166(10):1092–1097. Seven items scored 0–3, total 0–21; cut-points
 *   5, 10 and 15 mark mild, moderate and severe anxiety.
 *
 * PHQ-9 item 9 ("thoughts that you would be better off dead or of hurting
 * yourself") answered above "not at all" is flagged for a clinician the
 * same day whatever the total (Kroenke 2001 advises that any positive
 * answer be followed up with an assessment of suicide risk).
 */

/** Every item of these screens: 0 not at all, 1 several days, 2 more than half the days, 3 nearly every day. */
export const ITEM_VALUES = [0, 1, 2, 3] as const;
export type ItemValue = (typeof ITEM_VALUES)[number];

export const PHQ2_ITEMS = 2;
export const PHQ9_ITEMS = 9;
export const GAD7_ITEMS = 7;
/** PHQ-2 total at or above which the PHQ-9 is asked (Kroenke 2003). */
export const PHQ2_POSITIVE = 3;

export type Phq9Band = 'minimal' | 'mild' | 'moderate' | 'moderately-severe' | 'severe';
export type Gad7Band = 'minimal' | 'mild' | 'moderate' | 'severe';
export type Phq2Band = 'negative' | 'positive';

export function isItemValue(v: unknown): v is ItemValue {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 3;
}

function total(answers: readonly number[], count: number, name: string): number {
  if (answers.length !== count) throw new RangeError(`${name} has ${count} answers`);
  if (!answers.every(isItemValue)) throw new RangeError(`${name} answers are 0 to 3`);
  return answers.reduce<number>((a, b) => a + b, 0);
}

/** PHQ-2 total (0–6) from the first two PHQ-9 items. */
export function phq2Score(answers: readonly number[]): number {
  return total(answers.slice(0, PHQ2_ITEMS), PHQ2_ITEMS, 'PHQ-2');
}

export function phq2Band(score: number): Phq2Band {
  return score >= PHQ2_POSITIVE ? 'positive' : 'negative';
}

/** Whether the PHQ-9's other seven items are asked after these two answers. */
export function phq9Needed(first2: readonly number[]): boolean {
  return phq2Score(first2) >= PHQ2_POSITIVE;
}

/** PHQ-9 total (0–27). */
export function phq9Score(answers: readonly number[]): number {
  return total(answers, PHQ9_ITEMS, 'PHQ-9');
}

export function phq9Band(score: number): Phq9Band {
  if (score >= 20) return 'severe';
  if (score >= 15) return 'moderately-severe';
  if (score >= 10) return 'moderate';
  if (score >= 5) return 'mild';
  return 'minimal';
}

/** GAD-7 total (0–21). */
export function gad7Score(answers: readonly number[]): number {
  return total(answers, GAD7_ITEMS, 'GAD-7');
}

export function gad7Band(score: number): Gad7Band {
  if (score >= 15) return 'severe';
  if (score >= 10) return 'moderate';
  if (score >= 5) return 'mild';
  return 'minimal';
}

/** PHQ-9 item 9 (self-harm) answered above 0: a clinician reviews the form today. */
export function selfHarmFlag(phqAnswers: readonly number[]): boolean {
  return phqAnswers.length >= PHQ9_ITEMS && (phqAnswers[8] ?? 0) > 0;
}

export interface PhqResult {
  /** The answers as given: 2 (PHQ-2 negative) or 9. */
  answers: number[];
  phq2: number;
  phq2Band: Phq2Band;
  /** Null when the PHQ-9 was not asked (PHQ-2 below 3). */
  phq9: number | null;
  phq9Band: Phq9Band | null;
  selfHarm: boolean;
}

export interface Gad7Result {
  answers: number[];
  score: number;
  band: Gad7Band;
}

/** The depression screen's result; throws RangeError when the answers do not follow the PHQ-2 → PHQ-9 path. */
export function scorePhq(answers: readonly number[]): PhqResult {
  const p2 = phq2Score(answers);
  const positive = p2 >= PHQ2_POSITIVE;
  if (!positive && answers.length !== PHQ2_ITEMS) throw new RangeError('The PHQ-9 is asked only after a PHQ-2 of 3 or more');
  if (positive && answers.length !== PHQ9_ITEMS) throw new RangeError('A PHQ-2 of 3 or more goes on to all nine PHQ-9 questions');
  const p9 = positive ? phq9Score(answers) : null;
  return { answers: [...answers], phq2: p2, phq2Band: phq2Band(p2), phq9: p9, phq9Band: p9 === null ? null : phq9Band(p9), selfHarm: selfHarmFlag(answers) };
}

export function scoreGad7(answers: readonly number[]): Gad7Result {
  const s = gad7Score(answers);
  return { answers: [...answers], score: s, band: gad7Band(s) };
}

/** The instruments' own names, the same in every language. */
export const INSTRUMENT_NAMES = { phq2: 'PHQ-2', phq9: 'PHQ-9', gad7: 'GAD-7' } as const;
