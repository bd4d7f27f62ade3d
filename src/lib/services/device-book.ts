import * as Y from 'yjs';
import { memoryBook, type MonthlyBook } from '../chart/schedule-months';
import { scheduleName } from '../domain/doc-names';
import { monthOfDoc } from '../sync/month-window';
import type { Workspace } from './workspace';

/**
 * The appointment book as stored on this device, read (never opened live):
 * the book's settings and every month the device holds (its window, sync/
 * month-window.ts), for the home page's Today, the dashboard and the panel.
 * Null when the device holds no book. The caller destroys it.
 */
export async function readDeviceBook(ws: Pick<Workspace, 'user' | 'vault'>): Promise<(MonthlyBook & { destroy(): void }) | null> {
  const settingsName = scheduleName(ws.user.clinicId);
  const settings = new Y.Doc();
  if (!(await ws.vault.docs.loadInto(settingsName, settings, null))) {
    settings.destroy();
    return null;
  }
  const months = new Map<string, Y.Doc>();
  for (const name of await ws.vault.docs.docNames()) {
    const month = monthOfDoc(name);
    if (month === null || !name.startsWith(`${settingsName}:`)) continue;
    const doc = new Y.Doc();
    if (await ws.vault.docs.loadInto(name, doc, null)) months.set(month, doc);
    else doc.destroy();
  }
  const book = memoryBook(settings, months);
  return {
    ...book,
    destroy() {
      settings.destroy();
      for (const d of months.values()) d.destroy();
    }
  };
}
