import Dexie, { type EntityTable } from 'dexie';
import { z } from 'zod';

/**
 * The per-user IndexedDB database (`outpost-user-<userId>`). One database
 * per user on a shared clinic device, so one user's key never opens another
 * user's records. Everything that is patient data is stored sealed (AES-GCM
 * `iv` + `data`); what stays in the clear is what the device needs to find
 * records without the key: document names (patient UUIDs, no demographics),
 * Yjs state vectors (replica ids and counters), pending flags and the sync
 * cursor.
 *
 * Rows are validated when read back: a device may hold rows written by an
 * older version of the app, or a damaged database.
 */
const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected bytes');
const flag = z.union([z.literal(0), z.literal(1)]);

export const keyringRowSchema = z.object({
  id: z.literal('data-key'),
  salt: bytes,
  iterations: z.number().int().positive(),
  iv: bytes,
  wrapped: bytes,
  createdAt: z.string()
});
export type KeyringRow = z.infer<typeof keyringRowSchema>;

/**
 * Quick unlock with a passkey: a second wrapped copy of the data key,
 * wrapped by a key derived (HKDF) from the passkey's PRF output. In the
 * clear: the credential id and the PRF input, which the lock screen needs
 * to ask the authenticator before anything is unlocked; neither opens
 * anything without the authenticator and its user verification.
 */
export const passkeyRowSchema = z.object({
  id: z.literal('unlock'),
  credentialId: bytes,
  prfSalt: bytes,
  iv: bytes,
  wrapped: bytes,
  createdAt: z.string()
});
export type PasskeyRow = z.infer<typeof passkeyRowSchema>;

/** One encrypted Yjs update of a document, or a compacted snapshot of many. */
export const updateRowSchema = z.object({
  seq: z.number().int().optional(),
  doc: z.string().min(1),
  rowId: z.string().min(1),
  kind: z.enum(['update', 'snapshot']),
  /** 1 while the server has not confirmed the update (IndexedDB cannot index booleans). */
  pending: flag,
  iv: bytes,
  data: bytes,
  createdAt: z.string()
});
export type UpdateRow = z.infer<typeof updateRowSchema>;

/** Per-document bookkeeping, kept beside the updates so catch-up needs no decryption. */
export const docRowSchema = z.object({
  name: z.string().min(1),
  stateVector: bytes,
  pending: flag,
  rows: z.number().int().nonnegative(),
  updatedAt: z.string()
});
export type DocRow = z.infer<typeof docRowSchema>;

/** The patient-list projection: one sealed PatientSummary per patient. */
export const patientRowSchema = z.object({ id: z.string().min(1), iv: bytes, data: bytes });
export type PatientRow = z.infer<typeof patientRowSchema>;

/** The chart-summary projection: one sealed summary per patient (see chart-summary-store.ts). */
export const chartSummaryRowSchema = z.object({ id: z.string().min(1), iv: bytes, data: bytes });
export type ChartSummaryRow = z.infer<typeof chartSummaryRowSchema>;

/** Small values: the sync cursor in the clear, the signed-in user's profile sealed. */
export const metaRowSchema = z.object({
  key: z.string().min(1),
  value: z.string().optional(),
  iv: bytes.optional(),
  data: bytes.optional()
});
export type MetaRow = z.infer<typeof metaRowSchema>;

/**
 * The bytes of one chart attachment (photo, scanned letter), sealed with
 * `attachment:<doc>:<id>` as additional data. In the clear: the attachment's
 * random id, the chart document it belongs to, its media type and whether
 * the server has it.
 */
export const attachmentRowSchema = z.object({
  id: z.string().min(1),
  doc: z.string().min(1),
  /** 1 until the clinic server has stored the bytes. */
  pending: flag,
  /** The file's media type (image/jpeg…), needed to upload it without opening the chart. */
  contentType: z.string().min(1),
  iv: bytes,
  data: bytes,
  createdAt: z.string()
});
export type AttachmentRow = z.infer<typeof attachmentRowSchema>;

/** A read or print waiting to be uploaded to the audit log, sealed (see access-log-store.ts). */
export const accessEventRowSchema = z.object({ id: z.string().min(1), iv: bytes, data: bytes });
export type AccessEventRow = z.infer<typeof accessEventRowSchema>;

export class UserDatabase extends Dexie {
  keyring!: EntityTable<KeyringRow, 'id'>;
  updates!: EntityTable<UpdateRow, 'seq'>;
  docs!: EntityTable<DocRow, 'name'>;
  patients!: EntityTable<PatientRow, 'id'>;
  meta!: EntityTable<MetaRow, 'key'>;
  attachments!: EntityTable<AttachmentRow, 'id'>;
  chartSummaries!: EntityTable<ChartSummaryRow, 'id'>;
  passkeys!: EntityTable<PasskeyRow, 'id'>;
  accessEvents!: EntityTable<AccessEventRow, 'id'>;

  constructor(userId: string) {
    super(userDatabaseName(userId));
    this.version(1).stores({
      keyring: '&id',
      updates: '++seq, doc, [doc+pending], pending',
      docs: '&name, pending',
      patients: '&id',
      meta: '&key'
    });
    // v2 adds attachment bytes; the v1 tables are untouched, so a device upgrades in place.
    this.version(2).stores({ attachments: '&id, doc, pending' });
    // v3 adds the chart-summary projection, a cache rebuilt from the documents: nothing to migrate.
    this.version(3).stores({ chartSummaries: '&id' });
    // v4 adds the passkey's wrapped copy of the data key (quick unlock); nothing to migrate.
    this.version(4).stores({ passkeys: '&id' });
    // v5 adds reads and prints waiting for upload to the audit log; nothing to migrate.
    this.version(5).stores({ accessEvents: '&id' });
  }
}

export function userDatabaseName(userId: string): string {
  return `outpost-user-${userId}`;
}
