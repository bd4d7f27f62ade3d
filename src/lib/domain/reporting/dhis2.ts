import { z } from 'zod';
import { countingRuleSchema, monthSchema, RULE_PRESET_IDS, RULE_PRESETS, type CountingRule, type RulePresetId } from './counting-rules';

/**
 * DHIS2 aggregate reporting: the clinic's mapping from Outpost counting
 * rules to DHIS2 data elements, and the month's data value set built from
 * it, in the format of the DHIS2 Web API, "Data values → Sending data
 * values" (docs.dhis2.org, developer manual, Web API, `POST
 * /api/dataValueSets`, JSON format):
 *
 *   { "dataSet": "<uid>", "completeDate": "YYYY-MM-DD", "period": "YYYYMM",
 *     "orgUnit": "<uid>", "attributeOptionCombo": "<uid>" (optional),
 *     "dataValues": [{ "dataElement": "<uid>", "categoryOptionCombo": "<uid>", "value": "12" }] }
 *
 * The monthly period is ISO "YYYYMM" ("Date and period format" in the same
 * manual). Identifiers are DHIS2 UIDs: 11 characters, letters and digits,
 * the first a letter (DHIS2 "Identifier schemes"; CodeGenerator). Values
 * are strings, as the documented examples send them.
 */

/** A DHIS2 UID: 11 letters or digits, starting with a letter. */
export const DHIS2_UID = /^[A-Za-z][A-Za-z0-9]{10}$/;
const uid = (what: string) => z.string().trim().regex(DHIS2_UID, `${what} must be a DHIS2 id: 11 letters or digits, starting with a letter`);

export const mappingSchema = z
  .object({
    /** A ready-made rule (counting-rules.ts RULE_PRESETS) by id, or a rule written out. */
    rule: z.union([z.enum(RULE_PRESET_IDS as [RulePresetId, ...RulePresetId[]]), countingRuleSchema]),
    dataElement: uid('The data element'),
    categoryOptionCombo: uid('The category option combo')
  })
  .strict();
export type Dhis2Mapping = z.infer<typeof mappingSchema>;

export const AUTH_KINDS = ['basic', 'token'] as const;

/**
 * What the administrator configures. The password or personal access token
 * is not part of it: it is stored sealed on the server and never sent back
 * (the configuration the browser sees says only whether one is set).
 */
export const dhis2ConfigSchema = z
  .object({
    baseUrl: z
      .string()
      .trim()
      .max(500)
      .refine((u) => {
        try {
          const url = new URL(u);
          return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password && !url.search && !url.hash;
        } catch {
          return false;
        }
      }, 'Enter the DHIS2 address, like https://dhis2.example.org (no user name, query or fragment in it)'),
    authKind: z.enum(AUTH_KINDS),
    /** For basic auth. */
    username: z.string().trim().max(200).default(''),
    orgUnit: uid('The organisation unit'),
    dataSet: uid('The data set'),
    attributeOptionCombo: z.union([z.literal(''), uid('The attribute option combo')]).default(''),
    mappings: z.array(mappingSchema).min(1, 'Map at least one counting rule to a data element').max(200)
  })
  .strict()
  .refine((c) => c.authKind !== 'basic' || c.username.length > 0, { message: 'Enter the DHIS2 user name', path: ['username'] })
  .refine((c) => new Set(c.mappings.map((m) => `${m.dataElement}.${m.categoryOptionCombo}`)).size === c.mappings.length, {
    message: 'Two rules are mapped to the same data element and category option combo',
    path: ['mappings']
  });
export type Dhis2Config = z.infer<typeof dhis2ConfigSchema>;

export function ruleOf(m: Pick<Dhis2Mapping, 'rule'>): CountingRule {
  return typeof m.rule === 'string' ? RULE_PRESETS[m.rule] : m.rule;
}

/** `2026-11` → `202611` (DHIS2 monthly period). */
export function monthlyPeriod(month: string): string {
  monthSchema.parse(month);
  return month.replace('-', '');
}

/** The data value set, exactly as DHIS2 documents it (see the schema below). */
export const dataValueSetSchema = z
  .object({
    dataSet: z.string().regex(DHIS2_UID),
    completeDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    period: z.string().regex(/^\d{4}(0[1-9]|1[0-2])$/),
    orgUnit: z.string().regex(DHIS2_UID),
    attributeOptionCombo: z.string().regex(DHIS2_UID).optional(),
    dataValues: z
      .array(
        z
          .object({
            dataElement: z.string().regex(DHIS2_UID),
            categoryOptionCombo: z.string().regex(DHIS2_UID),
            value: z.string().regex(/^(0|[1-9]\d*)$/)
          })
          .strict()
      )
      .min(1)
  })
  .strict();
export type DataValueSet = z.infer<typeof dataValueSetSchema>;

export interface CountedMapping {
  mapping: Dhis2Mapping;
  value: number;
}

/** Builds the month's payload from counted mappings; `completeDate` is the day the report is completed (YYYY-MM-DD). */
export function buildDataValueSet(config: Pick<Dhis2Config, 'dataSet' | 'orgUnit' | 'attributeOptionCombo'>, month: string, completeDate: string, counted: readonly CountedMapping[]): DataValueSet {
  const set: DataValueSet = {
    dataSet: config.dataSet,
    completeDate,
    period: monthlyPeriod(month),
    orgUnit: config.orgUnit,
    ...(config.attributeOptionCombo ? { attributeOptionCombo: config.attributeOptionCombo } : {}),
    dataValues: counted.map((c) => ({ dataElement: c.mapping.dataElement, categoryOptionCombo: c.mapping.categoryOptionCombo, value: String(c.value) }))
  };
  return dataValueSetSchema.parse(set);
}

/** DHIS2's answer to an import, the parts a person needs: counts and conflicts. */
export interface ImportSummary {
  /** SUCCESS, WARNING or ERROR (DHIS2 ImportStatus). */
  status: string;
  imported: number;
  updated: number;
  ignored: number;
  deleted: number;
  conflicts: { object: string; value: string }[];
  description: string;
}

const importCountSchema = z.object({ imported: z.number().default(0), updated: z.number().default(0), ignored: z.number().default(0), deleted: z.number().default(0) });
const summaryBody = z.object({
  status: z.string().optional(),
  description: z.string().optional(),
  importCount: importCountSchema,
  conflicts: z.array(z.object({ object: z.string().optional(), value: z.string().optional() }).loose()).optional()
});

/**
 * Reads an import summary from DHIS2's answer: DHIS2 2.36 and later wrap it
 * in a WebMessage (`{ httpStatus, status, message, response: { responseType:
 * "ImportSummary", importCount, conflicts } }`), earlier versions answer the
 * ImportSummary itself. Null when the body is neither.
 */
export function readImportSummary(body: unknown): ImportSummary | null {
  const wrapped = z.object({ message: z.string().optional(), response: summaryBody }).safeParse(body);
  const bare = wrapped.success ? null : summaryBody.safeParse(body);
  const s = wrapped.success ? wrapped.data.response : bare?.success ? bare.data : null;
  if (!s) return null;
  return {
    status: s.status ?? 'SUCCESS',
    ...s.importCount,
    conflicts: (s.conflicts ?? []).map((c) => ({ object: String(c.object ?? ''), value: String(c.value ?? '') })).slice(0, 100),
    description: (s.description ?? (wrapped.success ? wrapped.data.message : '') ?? '').slice(0, 500)
  };
}
