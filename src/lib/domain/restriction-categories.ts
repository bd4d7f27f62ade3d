/**
 * Categories of a record a patient may ask to restrict, and the problem codes
 * each one covers. Codes are ICD-10-CM (the code system problems are kept in,
 * ARCHITECTURE.md); the ranges follow the ICD-10-CM Tabular List (FY2025):
 *
 * - `mental-health`: Chapter 5, "Mental, Behavioral and Neurodevelopmental
 *   disorders", F01–F99 (it includes substance use disorders F10–F19, whose
 *   records 42 CFR Part 2 protects further).
 * - `hiv`: B20 "Human immunodeficiency virus [HIV] disease", Z21
 *   "Asymptomatic HIV infection status", R75 "Inconclusive laboratory
 *   evidence of HIV" and Z71.7 "HIV counseling" (ICD-10-CM Official
 *   Guidelines, Section I.C.1.a).
 *
 * Notes are restricted by where they are kept: a restricted note or problem
 * is written to the patient's `restricted:<patient>` document, which the
 * server opens only to the named care-team members and to break-glass.
 */
export const RESTRICTION_CATEGORIES = ['mental-health', 'hiv'] as const;
export type RestrictionCategory = (typeof RESTRICTION_CATEGORIES)[number];

/** An ICD-10-CM code without its dot, upper case: `F32.1` → `F321`. */
function normalise(code: string): string {
  return code.replace('.', '').trim().toUpperCase();
}

/** Whether an ICD-10-CM code falls in the category. */
export function codeInCategory(code: string, category: RestrictionCategory): boolean {
  const c = normalise(code);
  if (!/^[A-Z][0-9][0-9A-Z]{0,5}$/.test(c)) return false;
  if (category === 'mental-health') {
    const n = Number(c.slice(1, 3));
    return c[0] === 'F' && n >= 1 && n <= 99;
  }
  return c.startsWith('B20') || c.startsWith('Z21') || c.startsWith('R75') || c.startsWith('Z717');
}

/**
 * Whether an ICD-10-CM code prefix (a registry rule's "E11", "F32", "Z71")
 * selects any code of the category: it lies in the category (F32, B20.1)
 * or a code of the category starts with it (Z71 holds Z71.7 "HIV
 * counseling").
 */
export function prefixTouchesCategory(prefix: string, category: RestrictionCategory): boolean {
  const p = normalise(prefix);
  if (codeInCategory(p, category)) return true;
  if (category === 'mental-health') return false;
  return ['B20', 'Z21', 'R75', 'Z717'].some((root) => root.startsWith(p));
}

const ICD10_SYSTEMS = new Set(['http://hl7.org/fhir/sid/icd-10-cm', 'http://hl7.org/fhir/sid/icd-10']);

interface Coding {
  system?: unknown;
  code?: unknown;
}

/** Whether a FHIR resource carries an ICD-10 code in one of these categories (its `code.coding`). */
export function resourceInCategories(resource: { code?: unknown }, categories: readonly RestrictionCategory[]): boolean {
  if (categories.length === 0) return false;
  const code = resource.code as { coding?: Coding[] } | undefined;
  for (const coding of code?.coding ?? []) {
    if (typeof coding.code !== 'string') continue;
    if (typeof coding.system === 'string' && !ICD10_SYSTEMS.has(coding.system)) continue;
    if (categories.some((cat) => codeInCategory(coding.code as string, cat))) return true;
  }
  return false;
}
