import { POC_ANSWER_SYSTEM, specByCode } from '../../../src/lib/domain/point-of-care';
import { FREE_TEXT_LIMITS } from '../../../src/lib/domain/orders';
import type { RuleInput, RuleOutput, Violation } from '../policy-types';
import { isRecord, locate, sameValue, valueOf } from '../node-values';

/**
 * Results entered by people (`observations` written by a user), judged
 * against the test catalogue of domain/point-of-care.ts, the module the app
 * enters them with. Imported results keep the laboratory's own shape.
 *
 * - `lab.result-value` (refuse): a result of a catalogue test with a result
 *   spec holds what the spec admits: a quantitative test a number within
 *   the plausible span in the test's unit; a qualitative test one of its
 *   answers. Refused, not corrected: there is no right value to put back.
 * - `lab.not-in-catalogue` (refuse): the result of a test ordered by name
 *   carries no reference range and no flag (the chart has none for a test
 *   it does not know), and its text stays within the limit.
 *
 * Checked when an entry is created or its code or value changes.
 *
 * Reviews (domain/result-review.ts), checked whenever one is written:
 * - `lab.review-role` (refuse): only a clinician marks a result reviewed;
 *   the review stands for the clinician's judgement on the result.
 * - `lab.review-fields` (refuse): a review is written whole (`reviewedAt`,
 *   `reviewedBy`, `reviewedById`, each a non-empty string) on a laboratory
 *   result. The provenance rule holds the id and name to the author and
 *   the time to the clock; the policy table keeps a recorded review from
 *   changing or being removed.
 */

const WATCHED = ['code', 'valueQuantity', 'valueCodeableConcept', 'valueString', 'referenceRange', 'interpretation', 'notInCatalogue'];

const LOINC = 'http://loinc.org';

function loincCode(code: unknown): string | undefined {
  if (!isRecord(code) || !Array.isArray(code.coding)) return undefined;
  const c = code.coding.find((x) => isRecord(x) && x.system === LOINC && typeof x.code === 'string');
  return isRecord(c) ? (c.code as string) : undefined;
}

const REVIEW_FIELDS = ['reviewedAt', 'reviewedBy', 'reviewedById'];

export function resultReviewRule(input: RuleInput): RuleOutput {
  const { change, author } = input;
  const { before, after } = change;
  if (!after || REVIEW_FIELDS.every((f) => sameValue(valueOf(before, f), valueOf(after, f)))) return {};
  if (author.kind === 'server' && author.origin !== 'import') return {};
  const out: Violation[] = [];
  const at = locate(change.root, change.key, ['reviewedAt']);
  if (!author.roles.includes('clinician')) out.push({ rule: 'lab.review-role', action: 'refuse', at, message: 'Only a clinician marks a result reviewed' });
  const whole = REVIEW_FIELDS.every((f) => {
    const v = valueOf(after, f);
    return typeof v === 'string' && v.trim().length > 0;
  });
  if (!whole) out.push({ rule: 'lab.review-fields', action: 'refuse', at, message: 'A review names who reviewed the result and when' });
  else if (valueOf(after, 'category') !== 'laboratory') out.push({ rule: 'lab.review-fields', action: 'refuse', at, message: 'Only a laboratory result is marked reviewed' });
  return { violations: out };
}

export function labResultsRule(input: RuleInput): RuleOutput {
  const { change, author } = input;
  const { before, after } = change;
  if (author.kind !== 'user' || !after) return {};
  if (before && WATCHED.every((f) => sameValue(valueOf(before, f), valueOf(after, f)))) return {};
  const out: Violation[] = [];
  const refuse = (rule: string, field: string, message: string) => out.push({ rule, action: 'refuse', at: locate(change.root, change.key, [field]), message });

  if (valueOf(after, 'notInCatalogue') === true) {
    const range = valueOf(after, 'referenceRange');
    const interpretation = valueOf(after, 'interpretation');
    if (Array.isArray(range) && range.length > 0) refuse('lab.not-in-catalogue', 'referenceRange', 'A test not in the catalogue is not range-checked');
    if (Array.isArray(interpretation) && interpretation.length > 0) refuse('lab.not-in-catalogue', 'interpretation', 'A test not in the catalogue is not flagged');
    const text = valueOf(after, 'valueString');
    if (typeof text === 'string' && text.length > FREE_TEXT_LIMITS.resultText) refuse('lab.not-in-catalogue', 'valueString', 'The result text is too long');
    return { violations: out };
  }

  const code = loincCode(valueOf(after, 'code'));
  const known = code ? specByCode(code) : undefined;
  if (!known) return {};
  const { spec } = known;
  if (spec.kind === 'quantitative') {
    const q = valueOf(after, 'valueQuantity');
    const v = isRecord(q) ? q.value : undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) refuse('lab.result-value', 'valueQuantity', `A ${known.short} result is a number`);
    else if (v < spec.min || v > spec.max) refuse('lab.result-value', 'valueQuantity', `A ${known.short} result is between ${spec.min} and ${spec.max} ${spec.unit}`);
    else if (isRecord(q) && q.unit !== spec.unit) refuse('lab.result-value', 'valueQuantity', `A ${known.short} result is in ${spec.unit}`);
  } else {
    const cc = valueOf(after, 'valueCodeableConcept');
    const coding = isRecord(cc) && Array.isArray(cc.coding) ? cc.coding.find((c) => isRecord(c) && c.system === POC_ANSWER_SYSTEM) : undefined;
    const answer = isRecord(coding) ? coding.code : undefined;
    if (!spec.answers.some((a) => a.code === answer)) refuse('lab.result-value', 'valueCodeableConcept', `A ${known.short} result is one of: ${spec.answers.map((a) => a.code).join(', ')}`);
  }
  return { violations: out };
}
