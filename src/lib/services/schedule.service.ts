import { LiveSchedule } from './schedule-book.svelte';
import { AppError } from '../domain/errors';
import { loadSchedule, openScheduleMonth } from './schedule-loader';
import { actorOf, currentWorkspace, type Workspace } from './workspace';

export { LiveSchedule, SLOT_STEP_MINUTES } from './schedule-book.svelte';

/**
 * Opens the clinic's appointment book (`schedule:<clinicId>`): from the
 * encrypted store, fetched first when the device does not hold it, live
 * over a websocket while online. Throws AppError('forbidden') for a role
 * without access and AppError('not-found') when it is neither on the device
 * nor reachable.
 */
export async function openSchedule(ws: Workspace = currentWorkspace()): Promise<LiveSchedule> {
  const { live, access, months } = await loadSchedule(ws);
  return new LiveSchedule(live, access, actorOf(ws.user), (d) => ws.engine.release(d), months, async (month) => {
    try {
      return await openScheduleMonth(ws, month);
    } catch (err) {
      if (err instanceof AppError && err.code === 'unavailable') return null;
      throw err;
    }
  });
}
