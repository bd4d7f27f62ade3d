import * as Y from 'yjs';
import { addAppointment, applyAppointmentEvent, initScheduleDoc, setAppointmentType } from '../src/lib/chart/schedule-doc';
import { memoryBook, splitIntoMonths } from '../src/lib/chart/schedule-months';
import { deviceMonths } from '../src/lib/domain/doc-names';

/**
 * What a staff device holds of the appointment book: two years of a busy
 * clinic (40 appointments a day, six days a week, each checked in and
 * finished, one in ten cancelled) as the single `schedule:<clinicId>`
 * document, against the book split by month where the device keeps only
 * its window (the previous month through the next three, doc-names.ts
 * DEVICE_MONTHS) plus the settings document. Bytes are the Yjs state each
 * document is stored as (before the device's AES-GCM, which adds a fixed
 * 28 bytes a record). Baseline: the single document, in the same process.
 * Two device figures: a clinic whose book began by month (settings alone),
 * and a clinic whose single book was split at start, which keeps the old
 * entries (marked split) so that a device holding it offline loses nothing;
 * such a device gains nothing until the old book can be retired.
 *
 *   npm run bench -- schedule-months
 */

const CLINIC = '0d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const PER_DAY = 40;
const desk = { id: 'u1', name: 'Front Desk' };
const patient = (i: number) => `00000000-0000-4000-8000-${String(i % 3000).padStart(12, '0')}`;

function twoYearBook(now: number): Y.Doc {
  const doc = new Y.Doc();
  initScheduleDoc(doc, CLINIC, 'Africa/Nairobi');
  setAppointmentType(doc, { id: 'consult', name: 'Consultation', mode: 'in-person', minutes: 15 });
  const first = now - 21 * 31 * 86_400_000;
  const last = now + 3 * 31 * 86_400_000;
  let n = 0;
  for (let day = first - (first % 86_400_000); day < last; day += 86_400_000) {
    if (new Date(day).getUTCDay() === 0) continue;
    for (let k = 0; k < PER_DAY; k++) {
      const start = new Date(day + 6 * 3_600_000 + Math.floor(k / 4) * 15 * 60_000).toISOString();
      const id = addAppointment(doc, { providerId: `dr-${k % 4}`, patientId: patient(n++), typeId: 'consult', start }, desk, { allowOverlap: true });
      if (day > now) continue;
      if (n % 10 === 0) applyAppointmentEvent(doc, id, { type: 'cancel', reason: 'Patient travelling' }, desk);
      else {
        applyAppointmentEvent(doc, id, { type: 'check-in' }, desk);
        applyAppointmentEvent(doc, id, { type: 'start' }, desk);
        applyAppointmentEvent(doc, id, { type: 'finish' }, desk);
      }
    }
  }
  return doc;
}

const bytes = (doc: Y.Doc) => Y.encodeStateAsUpdate(doc).byteLength;
const kib = (b: number) => `${(b / 1024).toFixed(0).padStart(8)} KiB`;

export async function run(): Promise<void> {
  const now = Date.parse('2026-12-06T12:00:00Z');
  const t0 = performance.now();
  const single = twoYearBook(now);
  const built = performance.now() - t0;
  const singleBytes = bytes(single);
  const appointments = single.getMap('appointments').size;

  const book = memoryBook(single);
  const t1 = performance.now();
  const split = splitIntoMonths(single, (m) => book.month(m)!, CLINIC);
  const splitMs = performance.now() - t1;
  // A book that was split at start keeps its old entries (marked split, so a device that held it offline loses nothing):
  // every device still holds them. A clinic whose book began by month holds the settings alone.
  const fresh = new Y.Doc();
  Y.applyUpdate(fresh, Y.encodeStateAsUpdate(single));
  const settingsBytes = bytes(fresh);
  const settingsOnly = new Y.Doc();
  initScheduleDoc(settingsOnly, CLINIC, 'Africa/Nairobi');
  setAppointmentType(settingsOnly, { id: 'consult', name: 'Consultation', mode: 'in-person', minutes: 15 });
  const settingsOnlyBytes = bytes(settingsOnly);
  const window = deviceMonths(now);
  const windowBytes = window.reduce((sum, m) => sum + (book.months.has(m) ? bytes(book.months.get(m)!) : 0), 0);
  const allMonths = [...book.months.values()].reduce((sum, d) => sum + bytes(d), 0);
  const device = settingsBytes + windowBytes;

  console.log(`schedule months: ${appointments.toLocaleString('en')} appointments over ${split.months.length} months (${PER_DAY}/day, 6 days/week), built in ${(built / 1000).toFixed(1)} s`);
  console.log(`  baseline: single schedule document held by every device  ${kib(singleBytes)}`);
  console.log(`  split, server side: settings + all ${String(split.months.length).padStart(2)} months             ${kib(settingsBytes + allMonths)}  (${((settingsBytes + allMonths) / singleBytes).toFixed(2)}× baseline; split took ${splitMs.toFixed(0)} ms, ${split.moved} moved, ${split.kept} kept)`);
  const deviceNew = settingsOnlyBytes + windowBytes;
  console.log(`  device, clinic whose book began by month: settings ${kib(settingsOnlyBytes).trim()} + months ${window[0]}…${window[window.length - 1]} ${kib(windowBytes).trim()}  ${kib(deviceNew)}  (${(deviceNew / singleBytes).toFixed(3)}× baseline, ${(singleBytes / deviceNew).toFixed(1)}× smaller)`);
  console.log(`  device, clinic whose single book was split (old entries kept): settings ${kib(settingsBytes).trim()} + months ${window[0]}…${window[window.length - 1]} ${kib(windowBytes).trim()}  ${kib(device)}  (${(device / singleBytes).toFixed(3)}× baseline, ${(singleBytes / device).toFixed(1)}× smaller)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
