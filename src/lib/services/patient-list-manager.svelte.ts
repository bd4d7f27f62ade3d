import { queryWords, searchTokens, type PatientSummary } from '../domain/patient';

/**
 * The patient list in memory, decrypted from the device store at unlock and
 * kept current by registration, edits and sync. Search runs over
 * precomputed tokens so it stays instant for a large clinic.
 */
export class PatientListManager {
  #all = $state.raw<PatientSummary[]>([]);
  #ready = $state(false);
  /**
   * Per row, in the order of `#all`: its search tokens joined into one
   * string, each preceded by a separator, so "a token starts with this
   * word" is one `includes` per word instead of a loop over tokens.
   */
  #haystacks: string[] = [];

  /** Every patient on the device, sorted by family then given names. */
  get all(): PatientSummary[] {
    return this.#all;
  }

  /** False until the list was decrypted after unlock. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Replaces the list (at unlock). */
  load(rows: readonly PatientSummary[]): void {
    this.#setRows(sortRows(rows));
    this.#ready = true;
  }

  /** Adds or replaces rows (registration, an edit, a catch-up). */
  upsert(rows: readonly PatientSummary[]): void {
    if (rows.length === 0) return;
    const byId = new Map(this.#all.map((r) => [r.id, r]));
    for (const r of rows) byId.set(r.id, r);
    this.#setRows(sortRows([...byId.values()]));
  }

  /** Rows whose tokens (names, MRN, birth date) each start with one of the query's words — every word must match. */
  search(query: string): PatientSummary[] {
    const words = queryWords(query).map((w) => SEPARATOR + w);
    const all = this.#all;
    if (words.length === 0) return all;
    const hay = this.#haystacks;
    const out: PatientSummary[] = [];
    rows: for (let i = 0; i < all.length; i++) {
      for (const w of words) if (!hay[i].includes(w)) continue rows;
      out.push(all[i]);
    }
    return out;
  }

  reset(): void {
    this.#all = [];
    this.#haystacks = [];
    this.#ready = false;
  }

  #setRows(sorted: PatientSummary[]): void {
    this.#haystacks = sorted.map((r) => searchTokens(r).map((t) => SEPARATOR + t).join(''));
    this.#all = sorted;
  }
}

/** Cannot occur in a normalized token (letters, digits and dashes of a date). */
const SEPARATOR = '\u0001';

const collator = new Intl.Collator(undefined, { sensitivity: 'base' });

function sortRows(rows: readonly PatientSummary[]): PatientSummary[] {
  return [...rows].sort(
    (a, b) => collator.compare(a.name.family, b.name.family) || collator.compare(a.name.given.join(' '), b.name.given.join(' ')) || a.id.localeCompare(b.id)
  );
}
