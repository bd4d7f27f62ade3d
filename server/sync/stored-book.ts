import * as Y from 'yjs';
import type { MonthlyBook } from '../../src/lib/chart/schedule-months';
import { addMonths, monthOfStart, scheduleMonthName, scheduleName } from '../../src/lib/domain/doc-names';
import type { SyncService } from '../types';

/**
 * The appointment book as the server's own readers open it (the patient's
 * portal and its online booking): the book's settings and the months asked
 * for, read through the sync service (live edits included), and written
 * back each to its own document.
 */
export interface StoredBook extends MonthlyBook {
  readonly months: Map<string, Y.Doc>;
  /** Stores what changed in each document since it was loaded, as the given user. */
  save(userId: string, origin: 'system' | 'seed'): Promise<void>;
  destroy(): void;
}

/** The months from `before` months back to `after` months ahead of `now`. */
export function monthsAround(now: number, before: number, after: number): string[] {
  const here = monthOfStart(now);
  const out: string[] = [];
  for (let d = -before; d <= after; d++) out.push(addMonths(here, d));
  return out;
}

export async function loadStoredBook(sync: Pick<SyncService, 'readState'>, clinicId: string, months: readonly string[]): Promise<StoredBook> {
  const load = async (name: string) => {
    const doc = new Y.Doc();
    const state = await sync.readState(name, clinicId);
    if (state) Y.applyUpdate(doc, state);
    return doc;
  };
  const settings = await load(scheduleName(clinicId));
  const loaded = new Map<string, Y.Doc>();
  for (const m of months) loaded.set(m, await load(scheduleMonthName(clinicId, m)));
  const before = new Map<Y.Doc, Uint8Array>([[settings, Y.encodeStateVector(settings)], ...[...loaded.values()].map((d) => [d, Y.encodeStateVector(d)] as const)]);
  return {
    settings,
    months: loaded,
    month: (m) => loaded.get(m),
    async save(userId, origin) {
      const named: [string, Y.Doc][] = [[scheduleName(clinicId), settings], ...[...loaded].map(([m, d]) => [scheduleMonthName(clinicId, m), d] as [string, Y.Doc])];
      for (const [name, doc] of named) {
        const sv = before.get(doc)!;
        if (Buffer.compare(Buffer.from(Y.encodeStateVector(doc)), Buffer.from(sv)) === 0) continue;
        if (!('applyServerUpdate' in sync)) throw new Error('This reader cannot write');
        await (sync as Pick<SyncService, 'applyServerUpdate'>).applyServerUpdate(name, clinicId, Y.encodeStateAsUpdate(doc, sv), userId, origin);
        before.set(doc, Y.encodeStateVector(doc));
      }
    },
    destroy() {
      settings.destroy();
      for (const d of loaded.values()) d.destroy();
    }
  };
}
