import * as Y from 'yjs';
import { z } from 'zod';
import { listObservations } from '../chart/clinical-doc';
import { listOrders } from '../chart/order-doc';
import { markResultReviewed } from '../chart/result-review-doc';
import type { Actor } from '../domain/chart';
import { parseDocName } from '../domain/doc-names';
import { reviewItemSchema, resultsToReview, type ReviewItem } from '../domain/result-review';
import { toBase64 } from '../storage/base64';
import { currentWorkspace, type Workspace } from './workspace';

/**
 * Today's "Results to review": a projection of the `chart:` documents held
 * on this device, built like the unsigned-notes list (note-worklist.service):
 * sealed in the vault, each chart's rows kept with its state vector so a
 * rebuild after a sync round re-reads only the charts that changed.
 */
const CACHE_KEY = 'worklist:results';
const cacheSchema = z.object({
  /** The day the rows were built on: the 30-day window for imported results moves with it. */
  day: z.string(),
  charts: z.record(z.string(), z.object({ sv: z.string(), rows: z.array(reviewItemSchema) }))
});
type Cache = z.infer<typeof cacheSchema>;

const flat = (cache: Cache): ReviewItem[] => Object.values(cache.charts).flatMap((c) => c.rows);

async function readCache(ws: Workspace): Promise<Cache | null> {
  return await ws.vault.meta.getSealed(CACHE_KEY, cacheSchema, 'results worklist');
}

/** The list as last built on this device (empty before the first build). */
export async function cachedResultsToReview(ws: Workspace = currentWorkspace()): Promise<ReviewItem[]> {
  const cache = await readCache(ws);
  return cache ? flat(cache) : [];
}

/** Brings the list up to date with every chart on the device and stores it. */
export async function rebuildResultsToReview(ws: Workspace = currentWorkspace(), now: string = new Date().toISOString()): Promise<ReviewItem[]> {
  const day = now.slice(0, 10);
  const cached = await readCache(ws);
  const previous = cached && cached.day === day ? cached : { day, charts: {} };
  const names = (await ws.vault.docs.docNames()).filter((n) => parseDocName(n)?.kind === 'chart');
  const vectors = await ws.vault.docs.stateVectors(names);
  const next: Cache = { day, charts: {} };
  let changed = previous !== cached || names.length !== Object.keys(previous.charts).length;
  for (const [i, name] of names.entries()) {
    const sv = toBase64(vectors[i]);
    const known = previous.charts[name];
    if (known && known.sv === sv) {
      next.charts[name] = known;
      continue;
    }
    changed = true;
    next.charts[name] = { sv, rows: await rowsOf(ws, name, now) };
  }
  if (changed) await ws.vault.meta.setSealed(CACHE_KEY, next);
  return flat(next);
}

async function rowsOf(ws: Workspace, name: string, now: string): Promise<ReviewItem[]> {
  const parsed = parseDocName(name);
  if (!parsed || !('patientId' in parsed)) return [];
  const doc = new Y.Doc();
  try {
    return (await ws.vault.docs.loadInto(name, doc, null)) ? resultsToReview(parsed.patientId, listObservations(doc), listOrders(doc), now) : [];
  } finally {
    doc.destroy();
  }
}

/** Marks one result of an open chart reviewed by the signed-in clinician (the server refuses anyone else). */
export function reviewResult(doc: Y.Doc, observationId: string, actor: Actor): void {
  markResultReviewed(doc, observationId, actor);
}
