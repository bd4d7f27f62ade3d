/**
 * Resolves a medication or allergy as recorded to pack ingredients: first by
 * RxNorm code (ingredient, combination, then product), then by the words of
 * its name. Anything left unresolved is reported by the checks as "not
 * checked" rather than dropped.
 */
import type { AllergyInput, MedicationInput } from './inputs';
import { RXNORM_SYSTEM } from './inputs';
import type { DrugKnowledge } from './knowledge';
import { NON_SYSTEMIC_ROUTES, ROUTES, type Route } from './pack-schema';
import { routeFromText } from './route-from-text';
import { matchPhrases } from './text-match';

export interface ResolvedMedication {
  input: MedicationInput;
  label: string;
  ingredients: string[];
  rxcui?: string;
  matchedBy: 'rxcui' | 'name' | 'none';
  route?: Route;
  /** False for topical, ophthalmic and otic use. */
  systemic: boolean;
  /** Components of a combination product the pack does not know. */
  unknownComponents: string[];
  /** Display text of the product, used to read strengths ("10 MG"). */
  productText: string;
}

const isRxNorm = (system?: string) => !system || system === RXNORM_SYSTEM || /rxnorm/i.test(system);

export function medicationLabel(m: MedicationInput): string {
  return m.text ?? m.codings?.find((c) => c.display)?.display ?? m.codings?.find((c) => c.code)?.code ?? 'unnamed medication';
}

export function resolveMedication(k: DrugKnowledge, m: MedicationInput): ResolvedMedication {
  const label = medicationLabel(m);
  const productText = [m.text, ...(m.codings ?? []).map((c) => c.display)].filter(Boolean).join(' | ');
  let ingredients: string[] = [];
  let rxcui: string | undefined;
  let productRoute: Route | undefined;
  let unknownComponents: string[] = [];
  for (const c of m.codings ?? []) {
    if (!c.code || !isRxNorm(c.system)) continue;
    const drug = k.drugByRxcui.get(c.code);
    const combo = k.combinationByRxcui.get(c.code);
    const product = k.products.get(c.code);
    const ids = drug ? [drug.id] : combo ? combo.ingredients : product ? product.ingredients : undefined;
    if (ids) {
      ingredients = ids;
      rxcui = c.code;
      productRoute = product?.route;
      unknownComponents = product?.unknownComponents ?? [];
      break;
    }
  }
  let matchedBy: ResolvedMedication['matchedBy'] = ingredients.length ? 'rxcui' : 'none';
  if (!ingredients.length) {
    const ids = new Set<string>();
    for (const text of [m.text, ...(m.codings ?? []).map((c) => c.display)]) {
      if (!text) continue;
      for (const hit of matchPhrases(k.names, text)) if (hit.value.kind === 'ingredients') hit.value.ids.forEach((id) => ids.add(id));
      if (ids.size) break;
    }
    ingredients = [...ids];
    if (ingredients.length) matchedBy = 'name';
    rxcui = m.codings?.find((c) => c.code && isRxNorm(c.system))?.code;
  }
  const route = normalizeRoute(m.route) ?? productRoute ?? routeFromText(productText);
  const drugRoutes = ingredients.flatMap((id) => k.drugs.get(id)?.routes ?? []);
  const systemic = route ? !NON_SYSTEMIC_ROUTES.has(route) : !drugRoutes.length || drugRoutes.some((r) => !NON_SYSTEMIC_ROUTES.has(r));
  return { input: m, label, ingredients, rxcui, matchedBy, route, systemic, unknownComponents, productText };
}

export function normalizeRoute(route: string | undefined): Route | undefined {
  if (!route) return undefined;
  // Stryker disable next-line MethodExpression: routeFromText lower-cases and ignores spaces itself and maps every route word to itself, so skipping trim/lower-case here gives the same route
  const lower = route.trim().toLowerCase();
  if ((ROUTES as readonly string[]).includes(lower)) return lower as Route;
  return routeFromText(lower);
}

export interface ResolvedAllergy {
  input: AllergyInput;
  label: string;
  ingredients: string[];
  /** Classes named by the allergy text ("penicillins", "sulfa") or `rule:<id>` for rule-only terms. */
  classTerms: string[];
  resolved: boolean;
}

export function allergyLabel(a: AllergyInput): string {
  return a.text ?? a.codings?.find((c) => c.display)?.display ?? a.codings?.find((c) => c.code)?.code ?? 'unnamed allergy';
}

export function resolveAllergy(k: DrugKnowledge, a: AllergyInput): ResolvedAllergy {
  const ingredients = new Set<string>();
  const classTerms = new Set<string>();
  for (const c of a.codings ?? []) {
    if (!c.code || !isRxNorm(c.system)) continue;
    const ids = k.drugByRxcui.get(c.code)?.id ?? k.combinationByRxcui.get(c.code)?.ingredients ?? k.products.get(c.code)?.ingredients;
    for (const id of [ids ?? []].flat()) ingredients.add(id);
  }
  if (!ingredients.size) {
    for (const text of [a.text, ...(a.codings ?? []).map((c) => c.display)]) {
      if (!text) continue;
      for (const hit of matchPhrases(k.allergyNames, text)) {
        if (hit.value.kind === 'ingredients') hit.value.ids.forEach((id) => ingredients.add(id));
        else hit.value.classIds.forEach((id) => classTerms.add(id));
      }
    }
  }
  return { input: a, label: allergyLabel(a), ingredients: [...ingredients], classTerms: [...classTerms], resolved: ingredients.size + classTerms.size > 0 };
}
