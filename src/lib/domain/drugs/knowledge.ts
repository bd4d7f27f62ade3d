/**
 * Lookup structures over a pack, built once: ingredients by RxCUI and by name,
 * class membership closed over parent classes, and interaction rules indexed
 * by ingredient so a check touches only the rules that can fire.
 */
import type { AllergyRule, Combination, Drug, DrugClass, DrugPack, InteractionRule, Product, RuleSide } from './pack-schema';
import { buildPhraseIndex, type PhraseIndex } from './text-match';

export type NameHit = { kind: 'ingredients'; ids: string[] } | { kind: 'class-term'; classIds: string[] };

export class DrugKnowledge {
  readonly drugs = new Map<string, Drug>();
  readonly classes = new Map<string, DrugClass>();
  readonly drugByRxcui = new Map<string, Drug>();
  readonly combinationByRxcui = new Map<string, Combination>();
  readonly products: ReadonlyMap<string, Product>;
  /** Ingredient id -> every class it belongs to, including ancestors. */
  readonly classesOf = new Map<string, ReadonlySet<string>>();
  /** Ingredient names, synonyms, brands and combination names. */
  readonly names: PhraseIndex<NameHit>;
  /** The above plus allergy class terms ("sulfa", "penicillins"). */
  readonly allergyNames: PhraseIndex<NameHit>;
  /** Ingredient id -> pair rules in which it appears on either side. */
  readonly rulesByIngredient = new Map<string, InteractionRule[]>();
  /** Rule id -> ingredient ids of side a and side b. */
  readonly ruleMembers = new Map<string, { a: ReadonlySet<string>; b: ReadonlySet<string> }>();

  constructor(readonly pack: DrugPack) {
    for (const c of pack.classes) this.classes.set(c.id, c);
    for (const d of pack.drugs) {
      this.drugs.set(d.id, d);
      if (d.rxcui) this.drugByRxcui.set(d.rxcui, d);
      this.classesOf.set(d.id, this.closeClasses(d.classes));
    }
    for (const c of pack.combinations) if (c.rxcui) this.combinationByRxcui.set(c.rxcui, c);
    this.products = new Map(Object.entries(pack.products));
    const nameEntries: [string, NameHit][] = [
      ...pack.drugs.flatMap((d) => [d.name, ...d.synonyms, ...d.brands].map((n): [string, NameHit] => [n, { kind: 'ingredients', ids: [d.id] }])),
      ...pack.combinations.flatMap((c) => [c.name, ...c.synonyms, ...c.brands].map((n): [string, NameHit] => [n, { kind: 'ingredients', ids: c.ingredients }]))
    ];
    this.names = buildPhraseIndex(nameEntries);
    const termEntries = pack.allergyRules.flatMap((r) => r.allergen.terms.map((t): [string, NameHit] => [t, { kind: 'class-term', classIds: r.allergen.classes.length ? r.allergen.classes : [`rule:${r.id}`] }]));
    const classNameEntries = pack.classes
      .filter((c) => c.kind === 'therapeutic')
      .flatMap((c) => classNameVariants(c.name).map((n): [string, NameHit] => [n, { kind: 'class-term', classIds: [c.id] }]));
    this.allergyNames = buildPhraseIndex([...nameEntries, ...termEntries, ...classNameEntries]);
    for (const rule of pack.interactions) {
      const a = this.membersOf(rule.a);
      const b = this.membersOf(rule.b);
      this.ruleMembers.set(rule.id, { a, b });
      for (const id of new Set([...a, ...b])) {
        const list = this.rulesByIngredient.get(id) ?? [];
        list.push(rule);
        this.rulesByIngredient.set(id, list);
      }
    }
  }

  /** Every ingredient a rule side names, directly or through a class (including subclasses). */
  membersOf(side: Pick<RuleSide, 'classes' | 'ingredients'>): ReadonlySet<string> {
    const cached = this.memberCache.get(side);
    if (cached) return cached;
    const out = new Set(side.ingredients);
    for (const [id, classes] of this.classesOf) if (side.classes.some((c) => classes.has(c))) out.add(id);
    this.memberCache.set(side, out);
    return out;
  }

  /** Rule sides are immutable pack objects, so their expansion is computed once. */
  private readonly memberCache = new WeakMap<object, ReadonlySet<string>>();

  inClass(ingredientId: string, classId: string): boolean {
    return this.classesOf.get(ingredientId)?.has(classId) ?? false;
  }

  /** Direct children of `parent` that the ingredient belongs to. */
  subclassesUnder(ingredientId: string, parent: string): string[] {
    return [...(this.classesOf.get(ingredientId) ?? [])].filter((c) => this.classes.get(c)?.parent === parent);
  }

  /** Depth of a class in the hierarchy; deeper is more specific. */
  classDepth(classId: string): number {
    let depth = 0;
    for (let c = this.classes.get(classId); c?.parent; c = this.classes.get(c.parent)) depth++;
    return depth;
  }

  drugName(id: string): string {
    return this.drugs.get(id)?.name ?? id;
  }

  allergyRulesFor(): AllergyRule[] {
    return this.pack.allergyRules;
  }

  private closeClasses(direct: string[]): ReadonlySet<string> {
    const out = new Set<string>();
    for (const start of direct) {
      for (let c: string | undefined = start; c && !out.has(c); c = this.classes.get(c)?.parent) out.add(c);
    }
    return out;
  }
}

const cache = new WeakMap<DrugPack, DrugKnowledge>();

/** Indices for a pack, built on first use and shared afterwards. */
export function knowledgeFor(pack: DrugPack): DrugKnowledge {
  let k = cache.get(pack);
  if (!k) {
    k = new DrugKnowledge(pack);
    cache.set(pack, k);
  }
  return k;
}

/**
 * The ways an allergy record names a therapeutic class: the pack's name
 * ("HMG-CoA reductase inhibitors (statins)"), the name without its
 * parenthesis and the parenthesis alone ("statins"), and each in the
 * singular ("statin", "beta blocker"), as clinicians write them.
 */
export function classNameVariants(name: string): string[] {
  const out = new Set<string>();
  const add = (n: string) => {
    const t = n.trim();
    if (t.length < 3) return;
    out.add(t);
    if (/[^s]s$/i.test(t)) out.add(t.slice(0, -1));
  };
  add(name);
  const paren = /^(.*?)\s*\(([^)]*)\)\s*$/.exec(name);
  if (paren) {
    add(paren[1]);
    add(paren[2]);
  }
  return [...out];
}
