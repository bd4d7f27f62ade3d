import type Database from 'better-sqlite3';
import * as Y from 'yjs';
import { splitIntoMonths } from '../../src/lib/chart/schedule-months';
import { parseDocName, scheduleMonthName } from '../../src/lib/domain/doc-names';
import type { SyncService } from '../types';

/**
 * Splits every appointment book written before months (`schedule:<clinicId>`
 * holding appointments) into its month documents, once, at server start
 * (src/lib/chart/schedule-months.ts `splitIntoMonths`). Idempotent: a book
 * with no appointments left is skipped, and a month that already holds an
 * appointment keeps it, so a start interrupted half way finishes on the
 * next. Each month is stored before the book gives up its copies, so a
 * crash in between loses nothing. The book itself stays, with its
 * settings; devices that held it receive the removals on their next sync.
 */
export async function splitScheduleBooks(db: Database.Database, sync: Pick<SyncService, 'readState' | 'applyServerUpdate'>, writer = 'system'): Promise<{ books: number; moved: number }> {
  const rows = db.prepare<[], { name: string; clinic_id: string }>("SELECT name, clinic_id FROM documents WHERE kind = 'schedule' ORDER BY name").all();
  let books = 0;
  let moved = 0;
  for (const { name, clinic_id: clinicId } of rows) {
    const parsed = parseDocName(name);
    if (!parsed || !('clinicId' in parsed) || parsed.month || parsed.clinicId !== clinicId) continue;
    const state = await sync.readState(name, clinicId);
    if (!state) continue;
    const settings = new Y.Doc();
    Y.applyUpdate(settings, state);
    if (settings.getMap('appointments').size === 0) continue;
    const months = new Map<string, { doc: Y.Doc; sv: Uint8Array }>();
    const pending: Promise<void>[] = [];
    const loadMonth = async (m: string) => {
      const doc = new Y.Doc();
      const s = await sync.readState(scheduleMonthName(clinicId, m), clinicId);
      if (s) Y.applyUpdate(doc, s);
      months.set(m, { doc, sv: Y.encodeStateVector(doc) });
    };
    // Months are read before the split (it is synchronous), from the starts the book holds.
    const wanted = new Set<string>();
    settings.getMap('appointments').forEach((e) => {
      const start = e instanceof Y.Map ? e.get('start') : undefined;
      const t = typeof start === 'string' ? Date.parse(start) : NaN;
      if (!Number.isNaN(t)) wanted.add(new Date(t).toISOString().slice(0, 7));
    });
    for (const m of wanted) pending.push(loadMonth(m));
    await Promise.all(pending);
    const before = Y.encodeStateVector(settings);
    const result = splitIntoMonths(settings, (m) => months.get(m)!.doc, clinicId);
    for (const m of result.months) {
      const { doc, sv } = months.get(m)!;
      await sync.applyServerUpdate(scheduleMonthName(clinicId, m), clinicId, Y.encodeStateAsUpdate(doc, sv), writer, 'system');
    }
    await sync.applyServerUpdate(name, clinicId, Y.encodeStateAsUpdate(settings, before), writer, 'system');
    books++;
    moved += result.moved;
    settings.destroy();
    for (const { doc } of months.values()) doc.destroy();
  }
  return { books, moved };
}
