import type * as Y from 'yjs';
import { migrate } from '../chart/schema';
import { docAccess, type ClinicDocKind, type DocAccess } from '../domain/doc-names';
import { AppError } from '../domain/errors';
import type { LiveDoc } from '../sync/live-doc';
import type { Workspace } from './workspace';

/**
 * Opens one of the clinic's own documents (`tasks:`, `registries:`, `fees:`) live:
 * from the device when it holds it, otherwise fetched first, so it works
 * offline once it has been on the device. The first writer to open it
 * after the server said it has none sets it up. The caller releases it
 * (`ws.engine.release`).
 */
export async function openClinicDoc(
  ws: Workspace,
  kind: ClinicDocKind,
  name: string,
  setup: {
    isDoc: (doc: Y.Doc) => boolean;
    init: (doc: Y.Doc, clinicId: string) => void;
    what: string;
    /** Never fetched and the server out of reach: open it empty (the fee schedule: charges can wait) instead of refusing. */
    emptyWhenUnreachable?: boolean;
  }
): Promise<{ live: LiveDoc; access: DocAccess }> {
  const access = docAccess(ws.user.roles, kind);
  if (access === 'none') throw new AppError('forbidden', `Your role does not use the clinic's ${setup.what}`);
  let serverChecked = false;
  if (!(await ws.vault.docs.has(name))) {
    try {
      const failed = await ws.engine.pull([name]);
      if (failed.some((f) => f.code === 'forbidden')) throw new AppError('forbidden', `You do not have access to this clinic's ${setup.what}`);
      serverChecked = true;
    } catch (err) {
      if (err instanceof AppError && err.code === 'unavailable') {
        if (setup.emptyWhenUnreachable) return { live: await ws.engine.acquire(name), access };
        throw new AppError('not-found', `The clinic's ${setup.what} are not on this device yet, and the clinic server cannot be reached to fetch them. Connect once, then they work offline.`);
      }
      throw err;
    }
  }
  const live = await ws.engine.acquire(name);
  try {
    if (access === 'write') {
      if (!setup.isDoc(live.doc) && serverChecked) setup.init(live.doc, ws.user.clinicId);
      else if (setup.isDoc(live.doc)) migrate(live.doc);
    }
  } catch (err) {
    await ws.engine.release(live);
    throw err;
  }
  return { live, access };
}
