/**
 * Drug search for the prescribing form: by name, synonym, brand or class name
 * prefix ("amox", "Zoloft", "statin"). Exact matches rank first, then name
 * prefixes, then brand and synonym prefixes, then class members.
 */
import { bundledDrugPack } from './drug-pack';
import { knowledgeFor, type DrugKnowledge } from './knowledge';
import type { Drug, DrugPack } from './pack-schema';
import { normalizeText } from './text-match';

export interface DrugSearchResult {
  drug: Drug;
  matchedOn: 'name' | 'synonym' | 'brand' | 'class';
  matchedText: string;
}

interface Entry {
  key: string;
  words: string[];
  drugIds: string[];
  matchedOn: DrugSearchResult['matchedOn'];
  text: string;
}

const entriesCache = new WeakMap<DrugKnowledge, Entry[]>();

function entries(k: DrugKnowledge): Entry[] {
  let list = entriesCache.get(k);
  if (list) return list;
  const make = (text: string, drugIds: string[], matchedOn: Entry['matchedOn']): Entry => {
    const key = normalizeText(text);
    return { key, words: key.split(' '), drugIds, matchedOn, text };
  };
  list = [
    ...k.pack.drugs.flatMap((d) => [
      make(d.name, [d.id], 'name'),
      ...d.synonyms.map((s) => make(s, [d.id], 'synonym')),
      ...d.brands.map((b) => make(b, [d.id], 'brand'))
    ]),
    ...k.pack.classes.map((c) => make(c.name, [...k.membersOf({ classes: [c.id], ingredients: [] })], 'class')),
    ...k.pack.classes.map((c) => make(c.id.replace(/-/g, ' '), [...k.membersOf({ classes: [c.id], ingredients: [] })], 'class'))
  ];
  entriesCache.set(k, list);
  return list;
}

const RANK: Record<Entry['matchedOn'], number> = { name: 1, synonym: 2, brand: 2, class: 4 };

export function searchDrugs(query: string, options: { limit?: number; pack?: DrugPack } = {}): DrugSearchResult[] {
  const q = normalizeText(query);
  if (!q) return [];
  const k = knowledgeFor(options.pack ?? bundledDrugPack());
  const best = new Map<string, { score: number; result: DrugSearchResult }>();
  for (const e of entries(k)) {
    const exact = e.key === q;
    const prefix = e.key.startsWith(q);
    const wordPrefix = !prefix && e.words.some((w) => w.startsWith(q));
    if (!exact && !prefix && !wordPrefix) continue;
    const score = (exact ? 0 : RANK[e.matchedOn]) + (wordPrefix ? 0.5 : 0);
    for (const id of e.drugIds) {
      const prior = best.get(id);
      if (prior && prior.score <= score) continue;
      best.set(id, { score, result: { drug: k.drugs.get(id)!, matchedOn: e.matchedOn, matchedText: e.text } });
    }
  }
  return [...best.values()]
    .sort((a, b) => a.score - b.score || a.result.drug.name.localeCompare(b.result.drug.name))
    .slice(0, options.limit ?? 20)
    .map((x) => x.result);
}
