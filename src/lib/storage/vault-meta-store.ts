import type { z } from 'zod';
import type { KeyRing } from './key-ring';
import { damaged } from './key-ring';
import { metaRowSchema, type UserDatabase } from './user-database';

/**
 * Small per-user values: the sync cursor (opaque, in the clear) and sealed
 * values such as the signed-in user's profile, which offline unlock needs.
 */
export class VaultMetaStore {
  readonly #db: UserDatabase;
  readonly #keys: KeyRing;

  constructor(db: UserDatabase, keys: KeyRing) {
    this.#db = db;
    this.#keys = keys;
  }

  async getPlain(key: string): Promise<string | null> {
    const row = await this.#db.meta.get(key);
    if (!row) return null;
    const parsed = metaRowSchema.safeParse(row);
    if (!parsed.success || parsed.data.value === undefined) throw damaged('sync settings');
    return parsed.data.value;
  }

  async setPlain(key: string, value: string): Promise<void> {
    await this.#db.meta.put({ key, value });
  }

  async getSealed<T>(key: string, schema: z.ZodType<T>, what: string): Promise<T | null> {
    const row = await this.#db.meta.get(key);
    if (!row) return null;
    const parsed = metaRowSchema.safeParse(row);
    if (!parsed.success || !parsed.data.iv || !parsed.data.data) throw damaged(what);
    return this.#keys.openJson({ iv: parsed.data.iv, data: parsed.data.data }, `meta:${key}`, schema, what);
  }

  async setSealed(key: string, value: unknown): Promise<void> {
    const sealed = await this.#keys.sealJson(value, `meta:${key}`);
    await this.#db.meta.put({ key, ...sealed });
  }
}
