import { z } from 'zod';
import { AppError } from '../../src/lib/domain/errors';
import { parseDocName } from '../../src/lib/domain/doc-names';

/** Limits of one catch-up request: a clinic panel in a few requests, never one unbounded one. */
export const BATCH_MAX_DOCS = 200;
export const BATCH_MAX_UPDATES = 500;

// A plain character-class loop: a grouped `(?:x{4})*` pattern overflows the
// regex engine's stack on multi-megabyte bodies.
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

const base64 = z
  .string()
  .refine((s) => s.length % 4 === 0 && BASE64_RE.test(s), 'Must be base64');
const docNameField = z
  .string()
  .max(100)
  .refine((s) => parseDocName(s) !== null, 'Not a document name (patient:<uuid>, chart:<uuid>, schedule:<uuid> or templates:<uuid>)');

export const batchRequestSchema = z.object({
  docs: z.array(z.object({ name: docNameField, stateVector: base64 })).max(BATCH_MAX_DOCS).default([]),
  updates: z.array(z.object({ name: docNameField, update: base64 })).max(BATCH_MAX_UPDATES).default([])
});
export type BatchRequest = z.infer<typeof batchRequestSchema>;

/** Validates a batch body; a malformed request is refused as a whole with the offending paths. */
export function parseBatchRequest(body: unknown): BatchRequest {
  const result = batchRequestSchema.safeParse(body);
  if (result.success) return result.data;
  throw new AppError(
    'invalid',
    'The sync batch request is malformed.',
    result.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message }))
  );
}

/** One document's part of a batch: the client's state vector (if sent) and the updates it pushes. */
export interface BatchItem {
  name: string;
  stateVector: Uint8Array | null;
  updates: Uint8Array[];
}

/**
 * Groups a request by document, keeping the order the client gave: documents
 * from `docs` first, then documents that only appear in `updates` (those still
 * get an answer with the server's state vector). A repeated `docs` entry uses
 * its first state vector.
 */
export function groupBatch(req: BatchRequest): BatchItem[] {
  const items = new Map<string, BatchItem>();
  for (const d of req.docs) {
    if (!items.has(d.name)) items.set(d.name, { name: d.name, stateVector: fromBase64(d.stateVector), updates: [] });
  }
  for (const u of req.updates) {
    let item = items.get(u.name);
    if (!item) {
      item = { name: u.name, stateVector: null, updates: [] };
      items.set(u.name, item);
    }
    item.updates.push(fromBase64(u.update));
  }
  return [...items.values()];
}

function fromBase64(s: string): Uint8Array {
  const buf = Buffer.from(s, 'base64');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
