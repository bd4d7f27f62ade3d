import * as Y from 'yjs';
import { z } from 'zod';
import { openRefillRequests } from '../chart/refill-request-doc';
import { parseDocName } from '../domain/doc-names';
import { refillRequestSchema, type RefillRequest } from '../domain/refill-requests';
import { toBase64 } from '../storage/base64';
import { currentWorkspace, type Workspace } from './workspace';

/**
 * Today's "Refill requests" for a prescriber: the open requests on the
 * patient records held on this device, built like the other worklists
 * (sealed in the vault, each record's rows kept with its state vector, so
 * a rebuild after a sync round re-reads only the records that changed).
 */
const CACHE_KEY = 'worklist:refills';
const rowSchema = refillRequestSchema.extend({ patientId: z.string() });
export type RefillRow = z.infer<typeof rowSchema>;
const cacheSchema = z.object({ docs: z.record(z.string(), z.object({ sv: z.string(), rows: z.array(rowSchema) })) });
type Cache = z.infer<typeof cacheSchema>;

const ordered = (cache: Cache): RefillRow[] =>
  Object.values(cache.docs)
    .flatMap((d) => d.rows)
    .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));

async function readCache(ws: Workspace): Promise<Cache> {
  return (await ws.vault.meta.getSealed(CACHE_KEY, cacheSchema, 'refill worklist')) ?? { docs: {} };
}

/** Oldest first: whoever asked first has waited longest. */
export async function cachedRefillRequests(ws: Workspace = currentWorkspace()): Promise<RefillRow[]> {
  return ordered(await readCache(ws));
}

export async function rebuildRefillRequests(ws: Workspace = currentWorkspace()): Promise<RefillRow[]> {
  const previous = await readCache(ws);
  const names = (await ws.vault.docs.docNames()).filter((n) => parseDocName(n)?.kind === 'patient');
  const vectors = await ws.vault.docs.stateVectors(names);
  const next: Cache = { docs: {} };
  let changed = names.length !== Object.keys(previous.docs).length;
  for (const [i, name] of names.entries()) {
    const sv = toBase64(vectors[i]);
    const known = previous.docs[name];
    if (known && known.sv === sv) {
      next.docs[name] = known;
      continue;
    }
    changed = true;
    next.docs[name] = { sv, rows: await rowsOf(ws, name) };
  }
  if (changed) await ws.vault.meta.setSealed(CACHE_KEY, next);
  return ordered(next);
}

async function rowsOf(ws: Workspace, name: string): Promise<RefillRow[]> {
  const parsed = parseDocName(name);
  if (!parsed || !('patientId' in parsed)) return [];
  const doc = new Y.Doc();
  try {
    if (!(await ws.vault.docs.loadInto(name, doc, null))) return [];
    return openRefillRequests(doc).map((r: RefillRequest) => ({ ...r, patientId: parsed.patientId }));
  } finally {
    doc.destroy();
  }
}
