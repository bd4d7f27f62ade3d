import * as Y from 'yjs';
import { z } from 'zod';
import { unsignedNotes, worklistItemSchema, type WorklistItem } from '../chart/note-worklist';
import { parseDocName } from '../domain/doc-names';
import { toBase64 } from '../storage/base64';
import { currentWorkspace, type Workspace } from './workspace';

/**
 * The unsigned-notes worklist: a projection of the `chart:` documents held
 * on this device (so it works offline and shows notes signed or started
 * offline at once), kept sealed in the vault. Each chart's rows are stored
 * with the chart's state vector, which the store keeps in the clear: a
 * rebuild compares vectors without decrypting anything and opens only the
 * charts that changed since, so it stays cheap for a large panel.
 */
const CACHE_KEY = 'worklist:notes';
const cacheSchema = z.object({
  charts: z.record(z.string(), z.object({ sv: z.string(), rows: z.array(worklistItemSchema) }))
});
type Cache = z.infer<typeof cacheSchema>;

function ordered(cache: Cache): WorklistItem[] {
  return Object.values(cache.charts)
    .flatMap((c) => c.rows)
    .sort((a, b) => a.kind.localeCompare(b.kind) || b.start.localeCompare(a.start));
}

async function readCache(ws: Workspace): Promise<Cache> {
  return (await ws.vault.meta.getSealed(CACHE_KEY, cacheSchema, 'notes worklist')) ?? { charts: {} };
}

/** The list as last built on this device (empty before the first build). */
export async function cachedNoteWorklist(ws: Workspace = currentWorkspace()): Promise<WorklistItem[]> {
  return ordered(await readCache(ws));
}

/** Brings the list up to date with every chart on the device (re-reading only changed charts) and stores it. */
export async function rebuildNoteWorklist(ws: Workspace = currentWorkspace()): Promise<WorklistItem[]> {
  const previous = await readCache(ws);
  const names = (await ws.vault.docs.docNames()).filter((n) => parseDocName(n)?.kind === 'chart');
  const vectors = await ws.vault.docs.stateVectors(names);
  const next: Cache = { charts: {} };
  let changed = names.length !== Object.keys(previous.charts).length;
  for (const [i, name] of names.entries()) {
    const sv = toBase64(vectors[i]);
    const known = previous.charts[name];
    if (known && known.sv === sv) {
      next.charts[name] = known;
      continue;
    }
    changed = true;
    next.charts[name] = { sv, rows: await rowsOf(ws, name) };
  }
  if (changed) await ws.vault.meta.setSealed(CACHE_KEY, next);
  return ordered(next);
}

async function rowsOf(ws: Workspace, name: string): Promise<WorklistItem[]> {
  const parsed = parseDocName(name);
  if (!parsed || !('patientId' in parsed)) return [];
  const doc = new Y.Doc();
  try {
    return (await ws.vault.docs.loadInto(name, doc, null)) ? unsignedNotes(doc, parsed.patientId) : [];
  } finally {
    doc.destroy();
  }
}
