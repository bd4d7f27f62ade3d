import { z } from 'zod';
import type { BackupReader, BackupWriter } from './backup-cipher';
import { BackupError } from './backup-cipher';

/**
 * What a backup holds, written first inside the encryption: the database
 * snapshot and the audit log's checkpoint file, each with its size and
 * SHA-256, and the audit head the snapshot ends at. The files follow the
 * manifest in its order.
 */

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const MAX_MANIFEST_BYTES = 1024 * 1024;

export const manifestSchema = z.strictObject({
  createdAt: z.iso.datetime(),
  database: z.strictObject({ size: z.number().int().min(0), sha256: hex64 }),
  audit: z.strictObject({ logId: z.string().regex(/^[0-9a-f]{32}$/).nullable(), seq: z.number().int().min(0), hash: hex64 }),
  checkpoints: z
    .strictObject({
      size: z.number().int().min(0),
      sha256: hex64,
      count: z.number().int().min(0),
      keyIds: z.array(z.string())
    })
    .nullable()
});
export type BackupManifest = z.infer<typeof manifestSchema>;

export function writeManifest(writer: BackupWriter, manifest: BackupManifest): void {
  const json = Buffer.from(JSON.stringify(manifest));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  writer.write(length);
  writer.write(json);
}

export function readManifest(reader: BackupReader): BackupManifest {
  const length = reader.read(4).readUInt32BE(0);
  if (length > MAX_MANIFEST_BYTES) throw new BackupError('damaged', 'The backup file is damaged: its table of contents is not readable. Nothing was restored.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(reader.read(length).toString('utf8'));
  } catch {
    parsed = null;
  }
  const manifest = manifestSchema.safeParse(parsed);
  if (!manifest.success) {
    throw new BackupError('damaged', 'The backup file is damaged: its table of contents is not readable. Nothing was restored.');
  }
  return manifest.data;
}
