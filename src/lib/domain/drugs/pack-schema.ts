/**
 * Schema of the drug knowledge pack (knowledge/drug-pack/drug-pack.json). The build
 * script validates its output against it and the app validates the pack again
 * when it loads, so a hand-edited or truncated pack fails loudly instead of
 * silently checking less.
 */
import { z } from 'zod';

export const ROUTES = [
  'oral', 'sublingual', 'buccal', 'iv', 'im', 'sc', 'inhalation', 'nasal', 'topical', 'ophthalmic', 'otic',
  'transdermal', 'rectal', 'vaginal', 'intrauterine', 'implant', 'injection'
] as const;
export type Route = (typeof ROUTES)[number];
export const routeSchema = z.enum(ROUTES);

/** Routes that deliver too little drug into the circulation for systemic interactions. */
export const NON_SYSTEMIC_ROUTES: ReadonlySet<Route> = new Set(['topical', 'ophthalmic', 'otic']);

export const SEVERITIES = ['contraindicated', 'serious', 'moderate', 'minor', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const severitySchema = z.enum(SEVERITIES);

const id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/);
const rxcui = z.string().regex(/^\d{1,8}$/);

export const doseRangeSchema = z.object({
  route: routeSchema,
  unit: z.enum(['mg', 'mcg', 'g']),
  minSingle: z.number().positive().optional(),
  maxSingle: z.number().positive().optional(),
  maxDaily: z.number().positive().optional(),
  maxWeekly: z.number().positive().optional(),
  note: z.string().optional()
});
export type DoseRange = z.infer<typeof doseRangeSchema>;

/**
 * A weight-based range for children, in mg per kg of body weight, for an age
 * band [minAgeMonths, maxAgeMonths). Every band names the source it is taken
 * from; a drug without a band for the child's age is reported as not checked.
 */
export const pediatricDoseSchema = z.object({
  route: routeSchema,
  minAgeMonths: z.number().int().nonnegative(),
  /** Exclusive upper bound; absent = up to the 18th birthday. */
  maxAgeMonths: z.number().int().positive().optional(),
  maxMgPerKgDose: z.number().positive(),
  maxMgPerKgDay: z.number().positive(),
  sourceId: z.string(),
  citation: z.string(),
  note: z.string().optional()
});
export type PediatricDose = z.infer<typeof pediatricDoseSchema>;

export const drugSchema = z.object({
  id,
  name: z.string().min(1),
  rxcui: rxcui.nullable(),
  /** Where the RxNorm ingredient code comes from (see knowledge/drug-pack/README.md). */
  rxcuiSource: z.enum(['hl7-pddi-cds', 'cpic-drug-table', 'rxnorm-prescribe', 'nlm-rxterms']).nullable(),
  synonyms: z.array(z.string()),
  brands: z.array(z.string()),
  classes: z.array(id).min(1),
  routes: z.array(routeSchema).min(1),
  doses: z.array(doseRangeSchema),
  doseSourceId: z.string().nullable(),
  /** Weight-based ranges for children; absent or empty = none in the pack. */
  pediatricDoses: z.array(pediatricDoseSchema).optional(),
  note: z.string().optional()
});
export type Drug = z.infer<typeof drugSchema>;

export const combinationSchema = z.object({
  id,
  name: z.string(),
  rxcui: rxcui.nullable(),
  ingredients: z.array(id).min(2),
  brands: z.array(z.string()),
  synonyms: z.array(z.string())
});
export type Combination = z.infer<typeof combinationSchema>;

export const drugClassSchema = z.object({
  id,
  name: z.string(),
  kind: z.enum(['therapeutic', 'interaction-group']),
  atc: z.array(z.string()),
  parent: id.optional(),
  duplicateCheck: z.boolean(),
  note: z.string().optional()
});
export type DrugClass = z.infer<typeof drugClassSchema>;

/** A product code (RxNorm SCD/SBD/BN/pack) and the ingredients it contains. */
export const productSchema = z.object({
  ingredients: z.array(id).min(1),
  route: routeSchema.optional(),
  /** Named components of the product that the pack does not know, so were not checked. */
  unknownComponents: z.array(z.string()).optional()
});
export type Product = z.infer<typeof productSchema>;

export const ruleSideSchema = z.object({
  label: z.string(),
  classes: z.array(id),
  ingredients: z.array(id)
});
export type RuleSide = z.infer<typeof ruleSideSchema>;

const citedSchema = z.object({ sourceId: z.string(), citation: z.string(), url: z.string().optional() });

export const interactionRuleSchema = citedSchema.extend({
  id,
  title: z.string(),
  logic: z.enum(['pair', 'pddi-warfarin-nsaid', 'pddi-digoxin-cyclosporine']),
  a: ruleSideSchema,
  b: ruleSideSchema,
  severity: severitySchema,
  /**
   * `non-interruptive`: shown with the checks but never interrupting the
   * prescriber or asking for an override reason (low-priority pairs of
   * Phansalkar et al., JAMIA 2013;20(3):489-493). Such a rule may only be
   * graded minor or info. Absent = interruptive as graded.
   */
  tier: z.enum(['interruptive', 'non-interruptive']).optional(),
  overrides: z.array(z.object({ ingredients: z.array(id), severity: severitySchema, reason: z.string() })),
  consequence: z.string(),
  mechanism: z.string(),
  action: z.string()
});
export type InteractionRule = z.infer<typeof interactionRuleSchema>;

export const allergyRuleSchema = citedSchema.extend({
  id,
  allergen: z.object({ label: z.string(), classes: z.array(id), ingredients: z.array(id), terms: z.array(z.string()) }),
  targets: z.array(
    z.object({
      classes: z.array(id),
      ingredients: z.array(id),
      sameSubclassOf: id.optional(),
      severity: severitySchema,
      title: z.string(),
      detail: z.string()
    })
  )
});
export type AllergyRule = z.infer<typeof allergyRuleSchema>;

export const sourceSchema = z.object({
  id: z.string(),
  title: z.string(),
  citation: z.string(),
  url: z.string().optional(),
  license: z.string().optional(),
  use: z.string()
});

export const drugPackSchema = z.object({
  formatVersion: z.literal(1),
  version: z.string(),
  builtAt: z.string(),
  coverage: z.object({
    summary: z.string(),
    checks: z.array(z.string()),
    notCovered: z.array(z.string()),
    counts: z.record(z.string(), z.number())
  }),
  sources: z.array(sourceSchema),
  classes: z.array(drugClassSchema),
  drugs: z.array(drugSchema),
  combinations: z.array(combinationSchema),
  products: z.record(rxcui, productSchema),
  interactions: z.array(interactionRuleSchema),
  allergyRules: z.array(allergyRuleSchema),
  context: z.object({
    giBleedIcd10Prefixes: z.array(z.string()),
    giBleedTextPattern: z.string(),
    loinc: z.object({
      digoxin: z.array(z.string()),
      potassium: z.array(z.string()),
      magnesium: z.array(z.string()),
      calcium: z.array(z.string()),
      creatinine: z.array(z.string())
    })
  })
});
export type DrugPack = z.infer<typeof drugPackSchema>;
