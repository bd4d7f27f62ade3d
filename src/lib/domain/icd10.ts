import { z } from 'zod';
import subsetJson from '../../../knowledge/icd10cm/primary-care.json' with { type: 'json' };
import type { CodeableConcept, Coding } from './chart';
import { normalizeForSearch } from './patient';

/**
 * ICD-10-CM code search for the problem list. The bundled subset of common
 * primary-care diagnoses (knowledge/icd10cm, FY2025 release of the US
 * National Center for Health Statistics, public domain) answers at once;
 * the full billable code set (./icd10-full, a static asset fetched after the
 * first screen and precached for offline use) takes over once loaded, with
 * the subset's synonyms as boosts. Both are pure and synchronous once
 * loaded: they answer while typing, offline.
 */

export const ICD10CM_SYSTEM = 'http://hl7.org/fhir/sid/icd-10-cm';
export const SNOMED_SYSTEM = 'http://snomed.info/sct';

const CODE = /^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$/;

const subsetSchema = z.object({
  system: z.literal(ICD10CM_SYSTEM),
  version: z.string(),
  codes: z
    .array(
      z.object({
        code: z.string().regex(CODE, 'not an ICD-10-CM code'),
        title: z.string().min(1),
        synonyms: z.array(z.string().min(1)).optional(),
        common: z.boolean().optional()
      })
    )
    .min(1)
});
export type Icd10Subset = z.infer<typeof subsetSchema>;
export type Icd10Entry = Icd10Subset['codes'][number];

/** Validates a subset file: shape, code format, no code twice. Throws with every problem found. */
export function parseIcd10Subset(json: unknown): Icd10Subset {
  const parsed = subsetSchema.safeParse(json);
  if (!parsed.success) throw new Error(`Invalid ICD-10-CM subset: ${parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const seen = new Set<string>();
  const dup = parsed.data.codes.filter((c) => (seen.has(c.code) ? true : (seen.add(c.code), false)));
  if (dup.length) throw new Error(`Invalid ICD-10-CM subset: duplicate codes ${dup.map((c) => c.code).join(', ')}`);
  return parsed.data;
}

export interface Icd10Match {
  code: string;
  title: string;
  /** The synonym the query matched, when it was a synonym rather than the title ("HTN"). */
  matched?: string;
}

interface Indexed {
  entry: Icd10Entry;
  bareCode: string;
  titleWords: string[];
  synonyms: { text: string; words: string[] }[];
}

const words = (s: string) => normalizeForSearch(s).split(/[^a-z0-9]+/).filter(Boolean);
const bare = (code: string) => code.replace('.', '').toLowerCase();

export class Icd10Index {
  readonly version: string;
  readonly #rows: Indexed[];

  constructor(subset: Icd10Subset) {
    this.version = subset.version;
    this.#rows = subset.codes.map((entry) => ({
      entry,
      bareCode: bare(entry.code),
      titleWords: words(entry.title),
      synonyms: (entry.synonyms ?? []).map((text) => ({ text, words: words(text) }))
    }));
  }

  get size(): number {
    return this.#rows.length;
  }

  /** The entry for an exact code (with or without its dot), if the subset holds it. */
  byCode(code: string): Icd10Entry | undefined {
    const b = bare(code.trim());
    return this.#rows.find((r) => r.bareCode === b)?.entry;
  }

  /**
   * Best matches first: the exact code, then codes the query starts
   * (`E11` → E11.x), then synonyms and titles in which every query word
   * starts a word (`diab` → diabetes; `type 2 diab`). Among those, a title
   * or synonym that begins with the first word ranks above one that only
   * contains it, the everyday code above a rarer one (`common`), then
   * synonym hits, then shorter titles.
   */
  search(query: string, limit = 12): Icd10Match[] {
    const q = normalizeForSearch(query).trim();
    if (!q) return [];
    const qWords = words(q);
    const qCode = /^[a-z][0-9]/.test(q) ? bare(q.replace(/\s+/g, '')) : '';
    const scored: { row: Indexed; tier: number; matched?: string; rank: number }[] = [];
    for (const row of this.#rows) {
      let tier = -1;
      let matched: string | undefined;
      if (qCode && row.bareCode === qCode) tier = 0;
      else if (qCode && row.bareCode.startsWith(qCode)) tier = 1;
      else if (qWords.length) {
        const syn = row.synonyms.find((s) => allStart(s.words, qWords));
        if (syn) {
          tier = 2;
          matched = syn.text;
        } else if (allStart(row.titleWords, qWords)) tier = 2;
      }
      if (tier < 0) continue;
      const first = qWords[0] ?? '';
      const startsPhrase = !!first && (row.titleWords[0]?.startsWith(first) || row.synonyms.some((s) => s.words[0]?.startsWith(first)));
      scored.push({ row, tier, matched, rank: (startsPhrase ? 2 : 0) + (row.entry.common ? 1 : 0) });
    }
    scored.sort(
      (a, b) =>
        a.tier - b.tier ||
        b.rank - a.rank ||
        Number(!!b.matched) - Number(!!a.matched) ||
        a.row.entry.title.length - b.row.entry.title.length ||
        a.row.entry.code.localeCompare(b.row.entry.code)
    );
    return scored.slice(0, limit).map((s) => ({ code: s.row.entry.code, title: s.row.entry.title, ...(s.matched ? { matched: s.matched } : {}) }));
  }
}

function allStart(haystack: readonly string[], needles: readonly string[]): boolean {
  return needles.every((n) => haystack.some((w) => w.startsWith(n)));
}

let bundled: Icd10Index | undefined;

let subset: Icd10Subset | undefined;

/** The bundled primary-care subset, validated on first use. */
export function bundledIcd10Subset(): Icd10Subset {
  subset ??= parseIcd10Subset(subsetJson);
  return subset;
}

/** The index over the bundled primary-care subset, built on first use. */
export function bundledIcd10(): Icd10Index {
  bundled ??= new Icd10Index(bundledIcd10Subset());
  return bundled;
}

/** The FHIR coding for an ICD-10-CM entry. */
export function icd10Coding(entry: Pick<Icd10Entry, 'code' | 'title'>): Required<Coding> {
  return { system: ICD10CM_SYSTEM, code: entry.code, display: entry.title };
}

/**
 * A problem's concept with `coding` set as its ICD-10-CM coding. Codings in
 * other systems (SNOMED CT from an import) are kept; a previous ICD-10-CM
 * coding is replaced, since a problem carries one code per system. The text
 * is kept unless empty.
 */
export function withIcd10Coding(concept: CodeableConcept, coding: Coding): CodeableConcept {
  if (coding.system !== ICD10CM_SYSTEM || !coding.code || !CODE.test(coding.code)) throw new Error('withIcd10Coding: not an ICD-10-CM coding');
  const others = (concept.coding ?? []).filter((c) => c.system !== ICD10CM_SYSTEM);
  return { text: concept.text || coding.display || coding.code, coding: [...others, coding] };
}
