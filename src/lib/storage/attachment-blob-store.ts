import type { KeyRing } from './key-ring';
import { damaged } from './key-ring';
import { attachmentRowSchema, type AttachmentRow, type UserDatabase } from './user-database';

/**
 * The bytes of chart attachments on this device, each sealed under the data
 * key like every other record. A photo taken offline is stored here at once
 * (flagged pending) and stays until the clinic server has it; a file another
 * device uploaded is fetched once and stored here too, so it opens offline.
 */
export class AttachmentBlobStore {
  readonly #db: UserDatabase;
  readonly #keys: KeyRing;

  constructor(db: UserDatabase, keys: KeyRing) {
    this.#db = db;
    this.#keys = keys;
  }

  /** Seals and stores the bytes; `pending` when they were made here and the server does not have them yet. */
  async put(doc: string, id: string, bytes: Uint8Array, opts: { pending: boolean; contentType: string }): Promise<void> {
    const sealed = await this.#keys.seal(bytes, recordKey(doc, id));
    const row: AttachmentRow = {
      id,
      doc,
      pending: opts.pending ? 1 : 0,
      contentType: opts.contentType,
      ...sealed,
      createdAt: new Date().toISOString()
    };
    await this.#db.attachments.put(row);
  }

  /** The bytes, or null when this device does not hold them. */
  async get(doc: string, id: string): Promise<Uint8Array | null> {
    const row = await this.#db.attachments.get(id);
    if (!row) return null;
    const parsed = attachmentRowSchema.safeParse(row);
    if (!parsed.success || parsed.data.doc !== doc) throw damaged('attachment');
    return this.#keys.open(parsed.data, recordKey(doc, id), 'attachment');
  }

  async has(id: string): Promise<boolean> {
    return (await this.#db.attachments.where('id').equals(id).count()) > 0;
  }

  /** Attachments made on this device that the server does not hold yet, oldest first. */
  async pending(): Promise<{ id: string; doc: string; contentType: string }[]> {
    const rows = await this.#db.attachments.where('pending').equals(1).toArray();
    return rows
      .map((r) => attachmentRowSchema.safeParse(r))
      .filter((p) => p.success)
      .map((p) => p.data)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map((r) => ({ id: r.id, doc: r.doc, contentType: r.contentType }));
  }

  async pendingCount(): Promise<number> {
    return this.#db.attachments.where('pending').equals(1).count();
  }

  async markUploaded(id: string): Promise<void> {
    await this.#db.attachments.update(id, { pending: 0 });
  }
}

/** Moving a ciphertext to another attachment or another chart makes it fail to decrypt. */
function recordKey(doc: string, id: string): string {
  return `attachment:${doc}:${id}`;
}
