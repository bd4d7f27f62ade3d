import { ageOn, shiftDays, shiftMonths, within, type ConditionFact, type EventFact, type ObservationFact, type PatientFacts, type Period } from './measure-facts';
import * as VS from './value-sets';
import { inList, type CodeList } from './value-sets';

/**
 * Building blocks the measure definitions share: qualifying visits,
 * conditions overlapping a period, the newest result, and the exclusions
 * most CMS eCQMs of the 2025 performance period carry (hospice, palliative
 * care, frailty with advanced illness). Pure functions of the facts.
 */

/** Visits in the period (every kept encounter: cancelled and entered-in-error ones are not facts). */
export function visitsIn(f: PatientFacts, p: Period) {
  return f.encounters.filter((e) => within(e.date, p.start, p.end));
}

/**
 * The clinician a patient's measures are attributed to: the provider of the
 * latest visit in the period ('' when none). Simplified from CMS's
 * attribution by billing clinician.
 */
export function attributedProvider(f: PatientFacts, p: Period): string {
  let best: { date: string; provider: string } | null = null;
  for (const e of f.encounters) if (within(e.date, p.start, p.end) && (!best || e.date >= best.date)) best = e;
  return best?.provider ?? '';
}

/** At least one visit in the period. */
export function visitIn(f: PatientFacts, p: Period, type?: RegExp): boolean {
  return f.encounters.some((e) => within(e.date, p.start, p.end) && (!type || type.test(e.type)));
}

/** A condition of the list that was present at some time in [from, to]. */
export function conditionOverlaps(f: PatientFacts, l: CodeList, from: string, to: string): boolean {
  return f.conditions.some((c) => inList(c.codes, l) && overlaps(c, from, to));
}

function overlaps(c: ConditionFact, from: string, to: string): boolean {
  const started = c.onset === '' || c.onset <= to;
  const notEnded = c.abatement === '' || c.abatement >= from;
  return started && notEnded;
}

/** A condition of the list whose onset is on or before `date` (unknown onset counts as before). */
export function conditionBy(f: PatientFacts, l: CodeList, date: string): boolean {
  return f.conditions.some((c) => inList(c.codes, l) && (c.onset === '' || c.onset <= date));
}

/** A procedure, care plan, report or medication of the list (or matching the name pattern) dated in [from, to]. */
export function eventIn(f: PatientFacts, l: CodeList | null, from: string, to: string, text?: RegExp): boolean {
  return f.events.some((e) => within(e.date, from, to) && matchesEvent(e, l, text));
}

function matchesEvent(e: EventFact, l: CodeList | null, text?: RegExp): boolean {
  return (l !== null && inList(e.codes, l)) || (!!text && text.test(e.text));
}

/** A result or assessment of the list dated in [from, to]. */
export function observationIn(f: PatientFacts, l: CodeList, from: string, to: string): boolean {
  return f.observations.some((o) => within(o.date, from, to) && inList(o.codes, l));
}

/**
 * The newest results of the list in [from, to]: every one on the latest
 * date (a day can hold several), empty when there is none.
 */
export function latestDay(f: PatientFacts, l: CodeList, from: string, to: string): ObservationFact[] {
  const hits = f.observations.filter((o) => within(o.date, from, to) && inList(o.codes, l));
  const last = hits.reduce((d, o) => (o.date > d ? o.date : d), '');
  return hits.filter((o) => o.date === last);
}

/** Hospice care (procedure, referral, or a visit typed as hospice) in the period. CMS eCQM "Hospice" library. */
export function inHospice(f: PatientFacts, p: Period): boolean {
  return eventIn(f, VS.HOSPICE, p.start, p.end) || conditionOverlaps(f, VS.HOSPICE, p.start, p.end) || visitIn(f, p, /hospice/i);
}

/** Palliative care (Z51.5, a palliative procedure, or a visit typed as palliative) in the period. CMS eCQM "PalliativeCare" library. */
export function palliative(f: PatientFacts, p: Period): boolean {
  return (
    conditionOverlaps(f, VS.PALLIATIVE, p.start, p.end) ||
    eventIn(f, VS.PALLIATIVE, p.start, p.end) ||
    visitIn(f, p, /palliative/i)
  );
}

/** An indication of frailty in the period (simplified: a frailty diagnosis overlapping it). */
export function frail(f: PatientFacts, p: Period): boolean {
  return conditionOverlaps(f, VS.FRAILTY, p.start, p.end);
}

/**
 * CMS eCQM "AdvancedIllnessandFrailty" library, 2025 (simplified): 66 or
 * older at the period's end, frail during it, and an advanced illness in
 * the period or the year before, or a dementia drug in that time. The long
 * term care residence rule is not evaluated (the chart does not record it).
 */
export function frailWithAdvancedIllness(f: PatientFacts, p: Period): boolean {
  const age = ageOn(f.birthDate, p.end);
  if (age === undefined || age < 66 || !frail(f, p)) return false;
  const from = shiftMonths(p.start, -12);
  return conditionOverlaps(f, VS.ADVANCED_ILLNESS, from, p.end) || eventIn(f, null, from, p.end, VS.DEMENTIA_MEDICATION);
}

/** Age on the period's end within [min, max]; false without a birth date. */
export function agedAtEnd(f: PatientFacts, p: Period, min: number, max = Infinity): boolean {
  const age = ageOn(f.birthDate, p.end);
  return age !== undefined && age >= min && age <= max;
}

/** Age on the period's start of at least `min`. */
export function agedAtStart(f: PatientFacts, p: Period, min: number): boolean {
  const age = ageOn(f.birthDate, p.start);
  return age !== undefined && age >= min;
}

export { shiftDays, shiftMonths, within };
