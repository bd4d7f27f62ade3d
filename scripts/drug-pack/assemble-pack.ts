/**
 * Turns the curated tables plus the extracted PDDI-CDS value sets and Synthea
 * codes into the pack object. Pure apart from its inputs; build.ts does IO.
 * Throws on any inconsistency (unknown class, RxCUI disagreement between
 * sources, rule naming a drug the pack lacks) so a bad pack never ships.
 */
import { drugPackSchema, type DrugPack, type Product, type Route } from '../../src/lib/domain/drugs/pack-schema';
import { buildPhraseIndex, matchPhrases, normalizeText } from '../../src/lib/domain/drugs/text-match';
import { routeFromText } from '../../src/lib/domain/drugs/route-from-text';
import { ALLERGY_RULES } from './curated/allergy-rules';
import { CLASSES } from './curated/classes';
import { COMBINATIONS } from './curated/combinations';
import { COVERAGE } from './curated/coverage';
import { ALL_DRUGS } from './curated/drugs';
import { INTERACTIONS, LOW_PRIORITY_NOT_MAPPED } from './curated/interactions';
import { PEDIATRIC_DOSES } from './curated/pediatric-doses';
import { SOURCES } from './curated/sources';
import { attachRxNormCodes } from './attach-rxnorm';
import { checkLowPriorityRows } from './check-low-priority';
import type { LowPriorityList } from './extract-low-priority';
import type { PrescribeIngredients, RxTermsIngredients } from './extract-rxnorm';
import type { PddiSources, SyntheaCodes } from './extract-sources';

export const PACK_VERSION = '1.0.0';

/** PDDI-CDS element value sets whose name is not the pack's ingredient name. */
const VALUE_SET_INGREDIENT: Record<string, string> = { mefenamate: 'mefenamic acid', ethacrynate: 'ethacrynic acid', topicaldiclofenac: 'diclofenac' };
/** Value sets read for LOINC codes (context factors of the digoxin + cyclosporine rule). */
const LOINC_SETS = { digoxin: 'digoxin-LOINC', potassium: 'potassium-LOINC', magnesium: 'magnesium-LOINC', calcium: 'calcium-LOINC', creatinine: 'renal-LOINC' } as const;

export const slug = (name: string) => normalizeText(name).replace(/ /g, '-');

export interface AssembleInput {
  pddi: PddiSources;
  synthea: SyntheaCodes;
  /** RxNorm ingredient tables (TTY=IN); see extract-rxnorm.ts. */
  rxnorm: { prescribe: PrescribeIngredients; rxterms: RxTermsIngredients };
  /** The 33 low-priority class pairs of Phansalkar et al. 2013; see extract-low-priority.ts. */
  lowPriority: LowPriorityList;
  builtAt: string;
}

type RxcuiSource = DrugPack['drugs'][number]['rxcuiSource'];

export function assemblePack({ pddi, synthea, rxnorm, lowPriority, builtAt }: AssembleInput): { pack: DrugPack; warnings: string[] } {
  const warnings: string[] = [];
  const classIds = new Set(CLASSES.map((c) => c.id));
  const drugs = ALL_DRUGS.map((d) => {
    for (const c of d.classes) if (!classIds.has(c)) throw new Error(`${d.name}: unknown class ${c}`);
    return {
      id: slug(d.name),
      name: d.name,
      rxcui: d.cpicRxcui ?? null,
      rxcuiSource: (d.cpicRxcui ? 'cpic-drug-table' : null) as RxcuiSource,
      synonyms: d.synonyms ?? [],
      brands: d.brands ?? [],
      classes: d.classes,
      routes: d.routes,
      doses: (d.doses ?? []).map((x) => Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined))) as DrugPack['drugs'][number]['doses'],
      doseSourceId: d.doses?.length ? 'fda-labels' : null,
      ...(PEDIATRIC_DOSES[d.name]?.length ? { pediatricDoses: PEDIATRIC_DOSES[d.name] } : {}),
      ...(d.note ? { note: d.note } : {})
    };
  });
  for (const name of Object.keys(PEDIATRIC_DOSES)) if (!ALL_DRUGS.some((d) => d.name === name)) throw new Error(`pediatric doses for unknown drug ${name}`);
  for (const [name, bands] of Object.entries(PEDIATRIC_DOSES))
    for (const b of bands) if (!SOURCES.some((x) => x.id === b.sourceId)) throw new Error(`pediatric dose for ${name}: unknown source ${b.sourceId}`);
  const byId = new Map(drugs.map((d) => [d.id, d]));
  if (byId.size !== drugs.length) throw new Error('duplicate drug ids');

  const combinations = COMBINATIONS.map((c) => {
    const ingredients = c.ingredients.map(slug);
    for (const i of ingredients) if (!byId.has(i)) throw new Error(`combination ${c.name}: unknown ingredient ${i}`);
    return { id: slug(c.name), name: c.name, rxcui: c.cpicRxcui ?? null, ingredients, brands: c.brands, synonyms: c.synonyms ?? [] };
  });

  const names = buildPhraseIndex<string[]>([
    ...drugs.flatMap((d) => [d.name, ...d.synonyms, ...d.brands].map((n): [string, string[]] => [n, [d.id]])),
    ...combinations.flatMap((c) => [c.name, ...c.synonyms, ...c.brands].map((n): [string, string[]] => [n, c.ingredients]))
  ]);
  const ingredientsIn = (display: string) => [...new Set(matchPhrases(names, display).flatMap((m) => m.value))];

  const products: Record<string, Product> = {};
  const addProduct = (code: string, display: string, base: string[], fallbackRoute?: Route) => {
    const ingredients = [...new Set([...base, ...ingredientsIn(display)])];
    if (!ingredients.length) return false;
    const prior = products[code];
    const route = routeFromText(display) ?? fallbackRoute ?? prior?.route;
    const unknown = unknownComponents(display, names);
    products[code] = {
      ingredients: [...new Set([...(prior?.ingredients ?? []), ...ingredients])].sort(),
      ...(route ? { route } : {}),
      ...(unknown.length ? { unknownComponents: unknown } : {})
    };
    return true;
  };

  // PDDI-CDS element value sets: ingredient codes, then product codes.
  for (const [vsId, vs] of Object.entries(pddi.valueSets)) {
    const key = vsId.replace(/^valueset-/, '');
    if (key.endsWith('-LOINC') || vs.includes.length) continue;
    const isExclude = key.endsWith('-exclude');
    const ingredientName = VALUE_SET_INGREDIENT[key.replace(/-exclude$/, '')] ?? key.replace(/-exclude$/, '');
    const drug = byId.get(slug(ingredientName));
    if (!drug) {
      warnings.push(`value set ${vsId}: no pack ingredient "${ingredientName}" (${vs.concepts.length} codes skipped)`);
      continue;
    }
    for (const [code, display] of vs.concepts) {
      if (!isExclude && normalizeText(display) === normalizeText(drug.name)) {
        if (drug.rxcui && drug.rxcui !== code) throw new Error(`${drug.name}: RxCUI ${drug.rxcui} (CPIC) disagrees with ${code} (PDDI-CDS)`);
        drug.rxcui = code;
        drug.rxcuiSource = 'hl7-pddi-cds';
        continue;
      }
      const fallback: Route | undefined = isExclude || key === 'topicaldiclofenac' ? 'topical' : undefined;
      addProduct(code, display, [drug.id], fallback);
    }
  }
  for (const [code, display] of synthea.medications) {
    if (!addProduct(code, display, [])) warnings.push(`Synthea code ${code} "${display}": no pack ingredient matched`);
  }
  for (const [code, name] of attachRxNormCodes(drugs, rxnorm, pddi)) products[code] = { ingredients: [slug(name)] };
  for (const d of drugs) if (d.rxcui) delete products[d.rxcui];

  const sideOf = (s: { label: string; classes?: string[]; ingredients?: string[] }, ruleId: string) => {
    for (const c of s.classes ?? []) if (!classIds.has(c)) throw new Error(`${ruleId}: unknown class ${c}`);
    const ingredients = (s.ingredients ?? []).map(slug);
    for (const i of ingredients) if (!byId.has(i)) throw new Error(`${ruleId}: unknown ingredient ${i}`);
    return { label: s.label, classes: s.classes ?? [], ingredients };
  };
  const interactions = INTERACTIONS.map((r) => ({
    id: r.id, title: r.title, logic: r.logic ?? ('pair' as const), a: sideOf(r.a, r.id), b: sideOf(r.b, r.id),
    severity: r.severity, ...(r.tier ? { tier: r.tier } : {}), overrides: (r.overrides ?? []).map((o) => ({ ...o, ingredients: o.ingredients.map(slug) })),
    consequence: r.consequence, mechanism: r.mechanism, action: r.action, sourceId: r.sourceId, citation: r.citation,
    ...(r.url ? { url: r.url } : {})
  }));
  checkLowPriorityRows(interactions, lowPriority, LOW_PRIORITY_NOT_MAPPED);
  const allergyRules = ALLERGY_RULES.map((r) => {
    const allergen = sideOf(r.allergen, r.id);
    return {
      id: r.id, sourceId: r.sourceId, citation: r.citation, ...(r.url ? { url: r.url } : {}),
      allergen: { ...allergen, terms: r.allergen.terms },
      targets: r.targets.map((t) => {
        const side = sideOf({ label: t.title, classes: t.classes, ingredients: t.ingredients }, r.id);
        return {
          classes: side.classes, ingredients: side.ingredients, ...(t.sameSubclassOf ? { sameSubclassOf: t.sameSubclassOf } : {}),
          severity: t.severity, title: t.title, detail: t.detail
        };
      })
    };
  });

  const loinc = Object.fromEntries(
    Object.entries(LOINC_SETS).map(([k, id]) => [k, (pddi.valueSets[`valueset-${id}`]?.concepts ?? []).map(([code]) => code)])
  ) as DrugPack['context']['loinc'];
  for (const [k, codes] of Object.entries(loinc)) if (!codes.length) throw new Error(`no LOINC codes for ${k}`);

  const withCode = drugs.filter((d) => d.rxcui).length;
  const counts = {
    drugs: drugs.length,
    ingredientsWithRxcui: withCode,
    ingredientsWithoutRxcui: drugs.length - withCode,
    drugsWithDoseRange: drugs.filter((d) => d.doses.length).length,
    drugsWithPediatricDoseRange: drugs.filter((d) => d.pediatricDoses?.length).length,
    combinations: combinations.length,
    productCodes: Object.keys(products).length,
    classes: CLASSES.length,
    interactionRules: interactions.length,
    oncHighPriorityPairs: interactions.filter((r) => r.id.startsWith('onc-')).length,
    lowPriorityPairs: interactions.filter((r) => r.tier === 'non-interruptive').length,
    allergyRules: allergyRules.length
  };
  const pack = drugPackSchema.parse({
    formatVersion: 1,
    version: PACK_VERSION,
    builtAt,
    coverage: { ...COVERAGE, counts },
    sources: SOURCES,
    classes: CLASSES.map((c) => ({ ...c, atc: c.atc ?? [], duplicateCheck: c.duplicateCheck ?? false })),
    drugs,
    combinations,
    products: Object.fromEntries(Object.entries(products).sort(([a], [b]) => Number(a) - Number(b))),
    interactions,
    allergyRules,
    context: {
      giBleedIcd10Prefixes: ['K25', 'K26', 'K27', 'K28', 'K92.0', 'K92.1', 'K92.2'],
      giBleedTextPattern:
        '\\b(gastrointestinal|gi|gastric|duodenal|peptic|esophageal|upper gi)\\b.*\\b(bleed|bleeding|hemorrhage|haemorrhage)\\b|\\b(peptic|gastric|duodenal) ulcer|\\bmelena\\b|\\bhematemesis\\b',
      loinc
    }
  });
  return { pack, warnings };
}

/** Names of " / "-separated components of a product name that no pack name matches (e.g. butalbital). */
function unknownComponents(display: string, names: ReturnType<typeof buildPhraseIndex<string[]>>): string[] {
  if (!display.includes(' / ')) return [];
  const core = display.replace(/\s+/g, ' ').replace(/\[.*?\]/g, '').replace(/^\{?\s*\d+\s*\(/, '');
  return core
    .split(' / ')
    .map((part) => part.replace(/^[\s({]*\d*[\s(]*/, '').split(/\s\d|\s+\(|\)|\s(?:oral|ophthalmic|otic|topical|nasal|rectal|vaginal|inject\w*|chewable|delayed|extended|prefilled|transdermal|cream|ointment|solution|suspension|tablet|capsule|lotion|gel|powder|spray|pack|shampoo|foam|paste)\b/i)[0].trim())
    .filter((name) => /^[a-z]{3}/i.test(name) && !/^(mg|mcg|ml|unt)\b/i.test(name) && matchPhrases(names, name).length === 0);
}
