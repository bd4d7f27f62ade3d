import { bundledIcd10Subset, type Icd10Entry, type Icd10Match, type Icd10Subset } from './icd10';
import { normalizeForSearch } from './patient';

/**
 * Search over the full ICD-10-CM code set (billable codes only, about
 * 72,000), with the curated primary-care subset's synonyms and "common"
 * flags as boosts on top. The set comes as a static asset
 * (static/icd10cm/icd10cm-<release>.tsv, built by scripts/icd10/build.ts from
 * the CDC order file), fetched after the first screen and precached by the
 * service worker, so it is searchable offline after the first load; the
 * subset answers instantly until then.
 *
 * Ranking: the exact code, then codes the query starts (`E11` → E11.x), then
 * codes whose synonyms or title words the query's words all start. Within
 * each: a synonym hit, then an everyday (`common`) subset code, then another
 * subset code, then a title or synonym that begins with the first query word,
 * then shorter titles, then the code.
 */

/** Where the app serves the asset (under static/); the service worker precaches it. */
export const ICD10CM_FULL_URL = '/icd10cm/icd10cm-2021-01.tsv';

export interface Icd10Asset {
  release: string;
  codes: { code: string; title: string }[];
}

const CODE = /^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$/;

/** Parses the asset's text; checks its header line and that it holds as many codes as it says. */
export function parseIcd10Asset(text: string): Icd10Asset {
  const lines = text.split('\n');
  const head = lines[0]?.split('\t') ?? [];
  if (head[0] !== '#icd10cm' || !head[1] || !/^\d+$/.test(head[2] ?? '')) throw new Error('Invalid ICD-10-CM asset: no header line');
  const codes: { code: string; title: string }[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    const tab = line.indexOf('\t');
    const code = line.slice(0, tab);
    if (tab < 0 || !CODE.test(code)) throw new Error(`Invalid ICD-10-CM asset: line ${i + 1}`);
    codes.push({ code, title: line.slice(tab + 1) });
  }
  if (codes.length !== Number(head[2])) throw new Error(`Invalid ICD-10-CM asset: ${codes.length} codes, header says ${head[2]}`);
  return { release: head[1], codes };
}

const words = (s: string) => normalizeForSearch(s).split(/[^a-z0-9]+/).filter(Boolean);
const bare = (code: string) => code.replace('.', '').toLowerCase();

interface Row {
  code: string;
  title: string;
  bareCode: string;
  /** " word word …": a query word starts a title word where `hay` includes " " + it. */
  hay: string;
  synonyms?: { text: string; hay: string }[];
  /** 2: an everyday subset code; 1: another subset code; 0: not in the subset. */
  boost: number;
}

// Tiers (exact code, code prefix, words) × synonym hit × boost × starts-phrase:
// rows go to buckets in scan order (title length, code), so no sort is needed.
const BUCKETS = 3 * 2 * 3 * 2;
const bucketOf = (tier: number, synonym: boolean, boost: number, starts: boolean) =>
  ((tier * 2 + (synonym ? 0 : 1)) * 3 + (2 - boost)) * 2 + (starts ? 0 : 1);

export class FullIcd10Index {
  readonly version: string;
  /** Billable codes loaded from the asset. */
  readonly assetCount: number;
  readonly #rows: Row[];
  readonly #byBare = new Map<string, Row>();
  /** Rows (indices in scan order) with a title or synonym word starting with each two-letter prefix. */
  readonly #byPrefix = new Map<string, Int32Array>();
  /** Row indices sorted by bare code, for code-prefix ranges. */
  readonly #byCodeOrder: Int32Array;

  /**
   * The asset's codes merged with the subset: a subset code absent from the
   * asset (added by a newer release than the asset's) is added, and an asset
   * code that such a subset code extends (`M54.5` under `M54.50`) is dropped,
   * being a header, not billable, in that newer release.
   */
  constructor(asset: Icd10Asset, subset: Icd10Subset) {
    this.version = asset.release;
    this.assetCount = asset.codes.length;
    const sub = new Map<string, Icd10Entry>(subset.codes.map((e) => [e.code, e]));
    const subBare = subset.codes.map((e) => bare(e.code));
    const assetBare = new Set(asset.codes.map((c) => bare(c.code)));
    const superseded = new Set<string>();
    for (const b of subBare) {
      if (assetBare.has(b)) continue;
      for (let n = b.length - 1; n >= 3; n--) if (assetBare.has(b.slice(0, n))) superseded.add(b.slice(0, n));
    }
    const merged = asset.codes.filter((c) => !superseded.has(bare(c.code)));
    for (const e of subset.codes) if (!assetBare.has(bare(e.code))) merged.push({ code: e.code, title: e.title });
    this.#rows = merged.map((c) => {
      const e = sub.get(c.code);
      const row: Row = {
        code: c.code,
        title: c.title,
        bareCode: bare(c.code),
        hay: ' ' + words(c.title).join(' '),
        boost: e ? (e.common ? 2 : 1) : 0
      };
      if (e?.synonyms?.length) row.synonyms = e.synonyms.map((text) => ({ text, hay: ' ' + words(text).join(' ') }));
      return row;
    });
    this.#rows.sort((a, b) => a.title.length - b.title.length || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    for (const r of this.#rows) this.#byBare.set(r.bareCode, r);
    const lists = new Map<string, number[]>();
    this.#rows.forEach((r, i) => {
      const keys = new Set<string>();
      for (const hay of [r.hay, ...(r.synonyms ?? []).map((s) => s.hay)]) for (const w of hay.split(' ')) if (w.length >= 2) keys.add(w.slice(0, 2));
      for (const k of keys) {
        const list = lists.get(k);
        if (list) list.push(i);
        else lists.set(k, [i]);
      }
    });
    for (const [k, list] of lists) this.#byPrefix.set(k, Int32Array.from(list));
    const rows = this.#rows;
    this.#byCodeOrder = Int32Array.from(rows.keys()).sort((a, b) => (rows[a].bareCode < rows[b].bareCode ? -1 : rows[a].bareCode > rows[b].bareCode ? 1 : 0));
  }

  /** Scan-order indices of the rows whose bare code starts with `prefix`. */
  #codeRange(prefix: string): Int32Array {
    const order = this.#byCodeOrder;
    const rows = this.#rows;
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rows[order[mid]].bareCode < prefix) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    while (end < order.length && rows[order[end]].bareCode.startsWith(prefix)) end++;
    return order.slice(lo, end).sort();
  }

  get size(): number {
    return this.#rows.length;
  }

  /** The billable code (with or without its dot), if the set holds it; a header (`E11`) is not there. */
  byCode(code: string): { code: string; title: string } | undefined {
    const r = this.#byBare.get(bare(code.trim()));
    return r && { code: r.code, title: r.title };
  }

  search(query: string, limit = 12): Icd10Match[] {
    const q = normalizeForSearch(query).trim();
    if (!q || limit <= 0) return [];
    const qWords = words(q).map((w) => ' ' + w);
    const qCode = /^[a-z][0-9]/.test(q) ? bare(q.replace(/\s+/g, '')) : '';
    const buckets: { row: Row; matched?: string }[][] = Array.from({ length: BUCKETS }, () => []);
    const exact = qCode ? this.#byBare.get(qCode) : undefined;
    if (exact) buckets[0].push({ row: exact });
    const all = (hay: string) => {
      for (const w of qWords) if (!hay.includes(w)) return false;
      return true;
    };
    const first = qWords[0] ?? '';
    const starts = (row: Row) => !!first && (row.hay.startsWith(first) || !!row.synonyms?.some((s) => s.hay.startsWith(first)));
    const push = (b: number, row: Row, matched?: string) => {
      if (buckets[b].length < limit) buckets[b].push({ row, matched });
    };
    // Codes the query starts: a range of the code-sorted rows.
    if (qCode) for (const i of this.#codeRange(qCode)) if (this.#rows[i] !== exact) push(bucketOf(1, false, this.#rows[i].boost, starts(this.#rows[i])), this.#rows[i]);
    if (!qWords.length) return flatten(buckets, limit);
    // Words: only the rows holding a word with the first two letters of the
    // query's rarest word (every row when no query word has two letters).
    let candidates: Int32Array | undefined;
    for (const w of qWords) {
      if (w.length < 3) continue;
      const list = this.#byPrefix.get(w.slice(1, 3)) ?? new Int32Array(0);
      if (!candidates || list.length < candidates.length) candidates = list;
    }
    const n = candidates ? candidates.length : this.#rows.length;
    for (let k = 0; k < n; k++) {
      const row = this.#rows[candidates ? candidates[k] : k];
      if (row === exact || (qCode && row.bareCode.startsWith(qCode))) continue;
      let matched: string | undefined;
      if (row.synonyms) matched = row.synonyms.find((s) => all(s.hay))?.text;
      if (!matched && !all(row.hay)) continue;
      push(bucketOf(2, !!matched, row.boost, starts(row)), row, matched);
    }
    return flatten(buckets, limit);
  }
}

function flatten(buckets: { row: Row; matched?: string }[][], limit: number): Icd10Match[] {
  const out: Icd10Match[] = [];
  for (const bucket of buckets) {
    for (const { row, matched } of bucket) {
      if (out.length === limit) return out;
      out.push({ code: row.code, title: row.title, ...(matched ? { matched } : {}) });
    }
  }
  return out;
}

let loading: Promise<FullIcd10Index> | undefined;
let loaded: FullIcd10Index | undefined;

/**
 * Fetches and indexes the full set once (later calls share the promise; a
 * failed load may be retried). Offline after the first visit, the service
 * worker answers from its precache.
 */
export function loadFullIcd10(fetcher: typeof fetch = fetch): Promise<FullIcd10Index> {
  loading ??= (async () => {
    const res = await fetcher(ICD10CM_FULL_URL);
    if (!res.ok) throw new Error(`ICD-10-CM code set: HTTP ${res.status}`);
    loaded = new FullIcd10Index(parseIcd10Asset(await res.text()), bundledIcd10Subset());
    return loaded;
  })().catch((e: unknown) => {
    loading = undefined;
    throw e;
  });
  return loading;
}

/** The full index if it has loaded, else undefined (search the subset meanwhile). */
export function loadedFullIcd10(): FullIcd10Index | undefined {
  return loaded;
}
