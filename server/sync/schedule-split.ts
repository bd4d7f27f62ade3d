import type Database from 'better-sqlite3';
import * as Y from 'yjs';
import { isSplit, splitIntoMonths } from '../../src/lib/chart/schedule-months';
import { parseDocName, scheduleMonthName } from '../../src/lib/domain/doc-names';
import type { SyncService } from '../types';

type SplitSync = Pick<SyncService, 'readState' | 'applyServerUpdate'>;

/**
 * Splits every appointment book written before months (`schedule:<clinicId>`
 * holding appointments) into its month documents, at server start
 * (src/lib/chart/schedule-months.ts `splitIntoMonths`). Idempotent: a book
 * already split whose months hold every edit is skipped, so a start
 * interrupted half way finishes on the next. The book keeps its
 * appointments (marked split, readers skip them): nothing a device still
 * holding the old book writes later is dropped, and `carryScheduleBook`
 * brings it into the months.
 */
export async function splitScheduleBooks(db: Database.Database, sync: SplitSync, writer = 'system'): Promise<{ books: number; moved: number }> {
  const rows = db.prepare<[], { name: string; clinic_id: string }>("SELECT name, clinic_id FROM documents WHERE kind = 'schedule' ORDER BY name").all();
  let books = 0;
  let moved = 0;
  for (const { name, clinic_id: clinicId } of rows) {
    const parsed = parseDocName(name);
    if (!parsed || !('clinicId' in parsed) || parsed.month || parsed.clinicId !== clinicId) continue;
    const done = await carryScheduleBook(sync, name, clinicId, writer);
    if (done.changed) books++;
    moved += done.moved;
  }
  return { books, moved };
}

/**
 * Carries one old book's appointments into its months (newer edit wins, same
 * id; written and audited as the server) and marks the book split. Nothing
 * is written when the months already hold every edit.
 */
export async function carryScheduleBook(sync: SplitSync, name: string, clinicId: string, writer = 'system'): Promise<{ changed: boolean; moved: number }> {
  const state = await sync.readState(name, clinicId);
  if (!state) return { changed: false, moved: 0 };
  const settings = new Y.Doc();
  Y.applyUpdate(settings, state);
  const months = new Map<string, { doc: Y.Doc; sv: Uint8Array }>();
  try {
    if (settings.getMap('appointments').size === 0) return { changed: false, moved: 0 };
    // Months are read before the split (it is synchronous), from the starts the book holds.
    const wanted = new Set<string>();
    settings.getMap('appointments').forEach((e) => {
      const start = e instanceof Y.Map ? e.get('start') : undefined;
      const t = typeof start === 'string' ? Date.parse(start) : NaN;
      if (!Number.isNaN(t)) wanted.add(new Date(t).toISOString().slice(0, 7));
    });
    await Promise.all(
      [...wanted].map(async (m) => {
        const doc = new Y.Doc();
        const s = await sync.readState(scheduleMonthName(clinicId, m), clinicId);
        if (s) Y.applyUpdate(doc, s);
        months.set(m, { doc, sv: Y.encodeStateVector(doc) });
      })
    );
    const wasSplit = isSplit(settings);
    const before = Y.encodeStateVector(settings);
    const result = splitIntoMonths(settings, (m) => months.get(m)!.doc, clinicId);
    // Each month is stored before the book is marked split, so a crash in between loses nothing.
    for (const m of result.months) {
      const { doc, sv } = months.get(m)!;
      await sync.applyServerUpdate(scheduleMonthName(clinicId, m), clinicId, Y.encodeStateAsUpdate(doc, sv), writer, 'system');
    }
    if (!wasSplit) await sync.applyServerUpdate(name, clinicId, Y.encodeStateAsUpdate(settings, before), writer, 'system');
    return { changed: result.moved > 0 || !wasSplit, moved: result.moved };
  } finally {
    settings.destroy();
    for (const { doc } of months.values()) doc.destroy();
  }
}

/**
 * Runs `carryScheduleBook` after every accepted write to an old book already
 * split (a device that held it offline syncing its edits), one at a time per
 * book. Errors are logged by the caller's logger, never thrown at the writer.
 */
export function scheduleBookCarrier(sync: () => SplitSync, onError: (err: unknown) => void): { changed(name: string, clinicId: string, doc: Y.Doc): void; idle(): Promise<void> } {
  const queues = new Map<string, Promise<void>>();
  return {
    changed(name, clinicId, doc) {
      if (!name.startsWith('schedule:')) return;
      const parsed = parseDocName(name);
      if (parsed?.kind !== 'schedule' || !('clinicId' in parsed) || parsed.month) return;
      if (!isSplit(doc) || doc.getMap('appointments').size === 0) return;
      const prev = queues.get(name) ?? Promise.resolve();
      const next = prev.then(() => carryScheduleBook(sync(), name, clinicId).then(() => undefined)).catch(onError);
      queues.set(name, next);
      void next.finally(() => {
        if (queues.get(name) === next) queues.delete(name);
      });
    },
    async idle() {
      while (queues.size) await Promise.all([...queues.values()]);
    }
  };
}
