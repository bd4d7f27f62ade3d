import type { Concept } from './fhir-schemas';

/** Small helpers shared by the resource mappings: codeable concepts, statuses and dates. */

export interface ChartConcept {
  text: string;
  coding?: { system?: string; code?: string; display?: string }[];
}

/** SNOMED CT display names end in a semantic tag ("(disorder)"); a clinician reads the name without it. */
export function withoutSemanticTag(s: string): string {
  return s.replace(/\s*\((disorder|finding|procedure|situation|qualifier value|observable entity|regime\/therapy)\)$/, '').trim();
}

export function conceptText(c: Concept | undefined): string {
  return (c?.text ?? c?.coding?.find((x) => x.display)?.display ?? '').trim();
}

/** A concept as the chart keeps it: readable text plus every coding with system and code (SNOMED, LOINC, RxNorm, CVX kept as sent). */
export function chartConcept(c: Concept | undefined, fallback = 'Unnamed'): ChartConcept {
  const coding = (c?.coding ?? [])
    .filter((x) => x.system || x.code)
    .map((x) => ({ ...(x.system ? { system: x.system } : {}), ...(x.code ? { code: x.code } : {}), ...(x.display ? { display: x.display } : {}) }));
  return { text: conceptText(c) || fallback, ...(coding.length ? { coding } : {}) };
}

/** The first code of a status concept (`clinicalStatus`, `verificationStatus`). */
export function statusCode(c: Concept | undefined): string | undefined {
  return c?.coding?.find((x) => x.code)?.code;
}

export function pick<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T {
  return value !== undefined && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

/**
 * A dateTime as the chart stores it: instants normalised to UTC ISO form so
 * they sort as strings; partial dates (YYYY, YYYY-MM, YYYY-MM-DD) kept as sent.
 */
export function chartDateTime(s: string | undefined): string | undefined {
  if (!s) return undefined;
  if (!s.includes('T')) return s;
  // Fast path for the common UTC form (Synthea writes every instant so); same result as toISOString.
  if (s.length === 25 && s.endsWith('+00:00')) return `${s.slice(0, 19)}.000Z`;
  return new Date(s).toISOString();
}

/** The date part, for fields the chart keeps as dates (onset, abatement, recorded). */
export function chartDate(s: string | undefined): string {
  return s ? s.slice(0, 10) : '';
}

/**
 * Drops undefined values so a stored entry has no empty keys and comparisons
 * stay exact. Copies rather than deleting keys in place: `delete` turns an
 * object into a slow dictionary, felt across thousands of entries per bundle.
 */
export function compact<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out as T;
}
