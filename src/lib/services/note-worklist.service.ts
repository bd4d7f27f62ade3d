import * as Y from 'yjs';
import { z } from 'zod';
import { unsignedNotes, worklistItemSchema, type WorklistItem } from '../chart/note-worklist';
import { parseDocName } from '../domain/doc-names';
import { currentWorkspace, type Workspace } from './workspace';

/**
 * The unsigned-notes worklist: a projection of the `chart:` documents held
 * on this device (so it works offline and shows notes signed or started
 * offline at once), rebuilt from them and kept sealed in the vault so the
 * last known list shows instantly while the rebuild runs.
 */
const CACHE_KEY = 'worklist:notes';
const cacheSchema = z.array(worklistItemSchema);

/** The list as last built on this device (empty before the first build). */
export async function cachedNoteWorklist(ws: Workspace = currentWorkspace()): Promise<WorklistItem[]> {
  return (await ws.vault.meta.getSealed(CACHE_KEY, cacheSchema, 'notes worklist')) ?? [];
}

/** Rebuilds the list from every chart on the device, one document at a time, and stores it. */
export async function rebuildNoteWorklist(ws: Workspace = currentWorkspace()): Promise<WorklistItem[]> {
  const names = (await ws.vault.docs.docNames()).filter((n) => parseDocName(n)?.kind === 'chart');
  const items: WorklistItem[] = [];
  for (const name of names) {
    const parsed = parseDocName(name);
    if (!parsed || !('patientId' in parsed)) continue;
    const doc = new Y.Doc();
    try {
      if (await ws.vault.docs.loadInto(name, doc, null)) items.push(...unsignedNotes(doc, parsed.patientId));
    } finally {
      doc.destroy();
    }
  }
  items.sort((a, b) => a.kind.localeCompare(b.kind) || b.start.localeCompare(a.start));
  await ws.vault.meta.setSealed(CACHE_KEY, items);
  return items;
}
