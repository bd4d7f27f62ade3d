import { z } from 'zod';
import { GENDERS, type PatientSummary } from '../domain/patient';
import type { KeyRing } from './key-ring';
import { damaged } from './key-ring';
import { patientRowSchema, type UserDatabase } from './user-database';

/**
 * The patient-list projection on the device: one sealed PatientSummary per
 * patient, rebuilt from `patient:` documents. Decrypted into memory at
 * unlock so search is instant; at rest it is ciphertext like the documents.
 */
export const patientSummarySchema = z.object({
  id: z.string().min(1),
  name: z.object({ family: z.string(), given: z.array(z.string()) }),
  birthDate: z.string(),
  gender: z.enum(GENDERS),
  mrn: z.string(),
  updatedAt: z.string()
});

function recordKey(id: string): string {
  return `patient-summary:${id}`;
}

export class PatientProjectionStore {
  readonly #db: UserDatabase;
  readonly #keys: KeyRing;

  constructor(db: UserDatabase, keys: KeyRing) {
    this.#db = db;
    this.#keys = keys;
  }

  async putMany(summaries: readonly PatientSummary[]): Promise<void> {
    const rows = await Promise.all(
      summaries.map(async (s) => ({ id: s.id, ...(await this.#keys.sealJson(s, recordKey(s.id))) }))
    );
    await this.#db.patients.bulkPut(rows);
  }

  put(summary: PatientSummary): Promise<void> {
    return this.putMany([summary]);
  }

  async get(id: string): Promise<PatientSummary | null> {
    const row = await this.#db.patients.get(id);
    return row ? this.#open(row) : null;
  }

  /** Drops patients' rows (their records were evicted from the device: panel-policy.ts). */
  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.#db.patients.bulkDelete([...ids]);
  }

  /** Every patient on the device, decrypted (at unlock, for the in-memory search index). */
  async all(): Promise<PatientSummary[]> {
    const rows = await this.#db.patients.toArray();
    return Promise.all(rows.map((r) => this.#open(r)));
  }

  async #open(row: unknown): Promise<PatientSummary> {
    const parsed = patientRowSchema.safeParse(row);
    if (!parsed.success) throw damaged('patient list');
    const summary = await this.#keys.openJson(parsed.data, recordKey(parsed.data.id), patientSummarySchema, 'patient list');
    if (summary.id !== parsed.data.id) throw damaged('patient list');
    return summary;
  }
}
