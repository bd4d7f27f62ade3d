import * as Y from 'yjs';
import { z } from 'zod';
import { reportingRecord } from '../chart/reporting-doc';
import { listProviders, scheduleTimeZone } from '../chart/schedule-doc';
import { bookAppointments } from '../chart/schedule-months';
import { readDeviceBook } from './device-book';
import { parseDocName, scheduleName } from '../domain/doc-names';
import type { DashboardInput, DashboardProvider } from '../domain/reporting/dashboard-stats';
import type { ReportingDiagnosis, ReportingVisit } from '../domain/reporting/reporting-record';
import { toBase64 } from '../storage/base64';
import type { Workspace } from './workspace';

/**
 * What the clinic dashboard counts, read on this device from the documents
 * sync brought here (works offline): every chart the user's role lets the
 * device hold, and the clinic's appointment book. A chart that cannot be
 * read is counted in `unreadable` and shown as such.
 *
 * What each chart gives the dashboard (its visits and problems) is kept
 * sealed in the vault with the chart's state vector, like the registries'
 * facts: opening the dashboard decrypts and decodes only the charts that
 * changed since it was last opened (the state vectors are read without
 * decrypting anything), so 500 unchanged charts cost one sealed read, not
 * 500. The reading yields to the browser every few tens of milliseconds
 * (not after every chart: a zero timeout waits at least 4 ms once nested,
 * two seconds over 500 charts).
 */
export interface DashboardData extends DashboardInput {
  visits: DashboardInput['visits'][number][];
  diagnoses: DashboardInput['diagnoses'][number][];
  providers: DashboardProvider[];
  timeZone: string;
  charts: number;
  unreadable: number;
  /** False when the appointment book is not on this device (no-show and waiting figures then say so). */
  hasSchedule: boolean;
}

const yieldToBrowser = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
/** Charts whose stored rows are read at once. */
const READ_AHEAD = 16;
/** Yields when the page has been kept busy this long: answers within a frame or two, without paying a timeout per chart. */
const SLICE_MS = 40;

// v1: visits and problems per chart (reporting-doc.ts reportingRecord).
const CACHE_KEY = 'dashboard:records:v1';
const visitSchema = z.object({
  id: z.string(),
  start: z.string(),
  class: z.enum(['ambulatory', 'virtual', 'home', 'emergency']),
  status: z.enum(['in-progress', 'finished', 'cancelled', 'entered-in-error']),
  diagnosisCodes: z.array(z.string()),
  createdBy: z.string()
});
const diagnosisSchema = z.object({ id: z.string(), codes: z.array(z.string()), text: z.string(), onsetDate: z.string(), recordedDate: z.string(), verificationStatus: z.string(), recordedBy: z.string() });
const cacheSchema = z.object({
  charts: z.record(z.string(), z.object({ sv: z.string(), visits: z.array(visitSchema), diagnoses: z.array(diagnosisSchema) }))
});
type Cache = z.infer<typeof cacheSchema>;

/** The records of the previous opening on this page, per user vault, so the sealed copy is not decrypted again. */
const held = new WeakMap<Workspace['vault'], Cache>();

/** Each chart's visits and problems, read from its document only when its state changed since the last opening. */
async function chartRecords(ws: Workspace, names: readonly string[], counts: { unreadable: number }): Promise<Cache['charts']> {
  const charts = names.filter((n) => parseDocName(n)?.kind === 'chart');
  const [vectors, previous] = await Promise.all([
    ws.vault.docs.stateVectors(charts),
    held.get(ws.vault) ?? ws.vault.meta.getSealed(CACHE_KEY, cacheSchema, 'dashboard').catch(() => null)
  ]);
  const prior = previous?.charts ?? {};
  const next: Cache = { charts: {} };
  const stale: { name: string; sv: string }[] = [];
  for (const [i, name] of charts.entries()) {
    const sv = toBase64(vectors[i]);
    const known = prior[name];
    if (known && known.sv === sv) next.charts[name] = known;
    else stale.push({ name, sv });
  }
  const changed = stale.length > 0 || charts.length !== Object.keys(prior).length;
  // The stored rows of a few charts are read and decrypted together (IndexedDB and WebCrypto answer
  // asynchronously: one chart at a time would wait on each in turn), the next few while these are decoded.
  const read = (batch: typeof stale) => Promise.all(batch.map((c) => ws.vault.docs.load(c.name).catch(() => undefined)));
  let slice = performance.now();
  let coming = read(stale.slice(0, READ_AHEAD));
  for (let at = 0; at < stale.length; at += READ_AHEAD) {
    const batch = stale.slice(at, at + READ_AHEAD);
    const updates = await coming;
    coming = read(stale.slice(at + READ_AHEAD, at + 2 * READ_AHEAD));
    batch.forEach(({ name, sv }, j) => {
      const update = updates[j];
      if (update === null) return; // nothing stored for it
      // Named: Yjs draws no random guid for it.
      const doc = new Y.Doc({ guid: name });
      try {
        if (update === undefined) throw new Error('unreadable');
        Y.applyUpdate(doc, update, null);
        const record = reportingRecord(name.slice('chart:'.length), null, doc);
        next.charts[name] = { sv, visits: record.visits as ReportingVisit[], diagnoses: record.diagnoses as ReportingDiagnosis[] };
      } catch {
        counts.unreadable++;
      } finally {
        doc.destroy();
      }
    });
    if (performance.now() - slice > SLICE_MS) {
      await yieldToBrowser();
      slice = performance.now();
    }
  }
  await coming;
  held.set(ws.vault, next);
  // Written after the figures are handed back: the page paints first.
  if (changed) void ws.vault.meta.setSealed(CACHE_KEY, next).catch(() => undefined);
  return next.charts;
}

export async function loadDashboardData(ws: Workspace): Promise<DashboardData> {
  const names = await ws.vault.docs.docNames();
  const data: DashboardData = { visits: [], diagnoses: [], appointments: [], providers: [], timeZone: 'UTC', charts: 0, unreadable: 0, hasSchedule: false };

  if (names.includes(scheduleName(ws.user.clinicId))) {
    const book = await readDeviceBook(ws);
    if (book) {
      try {
        data.hasSchedule = true;
        data.timeZone = scheduleTimeZone(book.settings);
        data.appointments = bookAppointments(book);
        data.providers = listProviders(book.settings).map((p) => ({ id: p.id, name: p.name }));
      } finally {
        book.destroy();
      }
    }
  }

  const counts = { unreadable: 0 };
  for (const record of Object.values(await chartRecords(ws, names, counts))) {
    data.visits.push(...record.visits);
    data.diagnoses.push(...record.diagnoses);
    data.charts++;
  }
  data.unreadable = counts.unreadable;
  return data;
}
