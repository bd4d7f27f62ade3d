import { matchesWords, queryWords, searchTokens, type PatientSummary } from '../domain/patient';

/**
 * The patient list in memory, decrypted from the device store at unlock and
 * kept current by registration, edits and sync. Search runs over
 * precomputed tokens so it stays instant for a large clinic.
 */
export class PatientListManager {
  #all = $state.raw<PatientSummary[]>([]);
  #ready = $state(false);
  #tokens = new Map<string, string[]>();

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
    this.#tokens = new Map(rows.map((r) => [r.id, searchTokens(r)]));
    this.#all = sortRows(rows);
    this.#ready = true;
  }

  /** Adds or replaces rows (registration, an edit, a catch-up). */
  upsert(rows: readonly PatientSummary[]): void {
    if (rows.length === 0) return;
    const byId = new Map(this.#all.map((r) => [r.id, r]));
    for (const r of rows) {
      byId.set(r.id, r);
      this.#tokens.set(r.id, searchTokens(r));
    }
    this.#all = sortRows([...byId.values()]);
  }

  search(query: string): PatientSummary[] {
    const words = queryWords(query);
    if (words.length === 0) return this.#all;
    return this.#all.filter((r) => matchesWords(this.#tokens.get(r.id) ?? [], words));
  }

  reset(): void {
    this.#all = [];
    this.#tokens = new Map();
    this.#ready = false;
  }
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base' });

function sortRows(rows: readonly PatientSummary[]): PatientSummary[] {
  return [...rows].sort(
    (a, b) => collator.compare(a.name.family, b.name.family) || collator.compare(a.name.given.join(' '), b.name.given.join(' ')) || a.id.localeCompare(b.id)
  );
}
