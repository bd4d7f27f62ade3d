import { initScheduleDoc, isScheduleDoc } from '../chart/schedule-doc';
import { migrate } from '../chart/schema';
import { deviceMonths, docAccess, scheduleMonthName, scheduleName, type DocAccess } from '../domain/doc-names';
import { AppError } from '../domain/errors';
import type { LiveDoc } from '../sync/live-doc';
import type { Workspace } from './workspace';

/**
 * Opens the clinic's appointment book the way a patient record is opened:
 * from the device when it holds it (so the desk books offline), otherwise
 * fetched through the batch exchange first, then live over the websocket
 * while online. Plain TypeScript; the rune wrapper is LiveSchedule.
 */
export interface LoadedSchedule {
  live: LiveDoc;
  access: DocAccess;
  /** The months of the device's window (doc-names.ts DEVICE_MONTHS), open. */
  months: Map<string, LiveDoc>;
}

/**
 * Opens one month of the book: fetched first when the device does not hold
 * it (a month outside the window needs the network; AppError 'unavailable'
 * then). A month nobody booked in yet opens empty.
 */
export async function openScheduleMonth(ws: Workspace, month: string, opts: { fetch: boolean } = { fetch: true }): Promise<LiveDoc> {
  const name = scheduleMonthName(ws.user.clinicId, month);
  if (opts.fetch && !(await ws.vault.docs.has(name))) {
    const failed = await ws.engine.pull([name]);
    if (failed.some((f) => f.code === 'forbidden')) throw new AppError('forbidden', 'You do not have access to this appointment book');
  }
  return ws.engine.acquire(name);
}

/** The window's months: fetched together in one exchange when online; offline, those on the device (and empty ones to book into). */
async function openWindow(ws: Workspace): Promise<Map<string, LiveDoc>> {
  const wanted = deviceMonths();
  const names = wanted.map((m) => scheduleMonthName(ws.user.clinicId, m));
  const lacking: string[] = [];
  for (const n of names) if (!(await ws.vault.docs.has(n))) lacking.push(n);
  if (lacking.length > 0) {
    try {
      await ws.engine.pull(lacking);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'unavailable')) throw err;
    }
  }
  const out = new Map<string, LiveDoc>();
  for (const m of wanted) out.set(m, await openScheduleMonth(ws, m, { fetch: false }));
  return out;
}

export async function loadSchedule(ws: Workspace): Promise<LoadedSchedule> {
  const access = docAccess(ws.user.roles, 'schedule');
  if (access === 'none') throw new AppError('forbidden', 'Your role may not open the appointment book');
  const name = scheduleName(ws.user.clinicId);
  let serverChecked = false;
  if (!(await ws.vault.docs.has(name))) {
    try {
      const failed = await ws.engine.pull([name]);
      if (failed.some((f) => f.code === 'forbidden')) throw new AppError('forbidden', 'You do not have access to this appointment book');
      serverChecked = true;
    } catch (err) {
      if (err instanceof AppError && err.code === 'unavailable') {
        throw new AppError('not-found', 'The appointment book is not on this device yet, and the clinic server cannot be reached to fetch it. Connect once, then it works offline.');
      }
      throw err;
    }
  }
  const live = await ws.engine.acquire(name);
  try {
    if (access === 'write') {
      // A clinic without a schedule gets one from the first person to open it, once the server said it has none.
      if (!isScheduleDoc(live.doc) && serverChecked) initScheduleDoc(live.doc, ws.user.clinicId, deviceTimeZone());
      else if (isScheduleDoc(live.doc)) migrate(live.doc);
    }
  } catch (err) {
    await ws.engine.release(live);
    throw err;
  }
  let months: Map<string, LiveDoc>;
  try {
    months = await openWindow(ws);
  } catch (err) {
    await ws.engine.release(live);
    throw err;
  }
  return { live, access, months };
}

function deviceTimeZone(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
  } catch {
    return undefined;
  }
}
