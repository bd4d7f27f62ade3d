import { docName, type PatientDocKind } from '../domain/doc-names';
import type { AccessEvent } from '../storage/access-log-store';
import type { UserVault } from '../storage/user-vault';
import { reportError } from './report-error';
import { currentWorkspace, type Workspace } from './workspace';

/**
 * Offline access auditing (ONC 170.315(d)(10)). A record opened while the
 * device is offline never reaches the server's websocket, where opens are
 * audited; a print never reaches the server at all. Both are written here,
 * sealed in the user's vault, and uploaded by the sync engine at its next
 * round (sync/access-log-upload.ts). The server checks each one and marks it as
 * recorded on the device at its time, received at upload time.
 */

function browserOffline(): boolean {
  return typeof navigator !== 'undefined' && navigator.onLine === false;
}

export interface AccessNote {
  action: AccessEvent['action'];
  kind: PatientDocKind;
  patientId: string;
  what?: AccessEvent['what'];
}

/** Writes one read or print to the device's queue. */
export async function noteAccess(vault: UserVault, userId: string, note: AccessNote, offline = browserOffline()): Promise<AccessEvent> {
  const event: AccessEvent = {
    id: crypto.randomUUID(),
    action: note.action,
    target: docName(note.kind, note.patientId),
    at: new Date().toISOString(),
    userId,
    offline,
    ...(note.what ? { what: note.what } : {})
  };
  await vault.accessLog.add(event);
  return event;
}

/**
 * A record opened offline: the websocket audits opens made online, so only
 * offline ones are queued (a record opened online is never counted twice).
 */
export async function noteOfflineView(vault: UserVault, userId: string, kind: PatientDocKind, patientId: string, offline = browserOffline()): Promise<boolean> {
  if (!offline) return false;
  await noteAccess(vault, userId, { action: 'record.view', kind, patientId, what: kind === 'chart' ? 'chart' : 'demographics' }, true);
  return true;
}

/**
 * A print (prescription, visit summary) made from the record on screen:
 * queued for the audit log in every case, as only the device sees a print,
 * and sent at once when the device is online. A failure to queue is
 * reported, never blocks the print.
 */
export async function notePrint(patientId: string, what: NonNullable<AccessEvent['what']>): Promise<void> {
  try {
    const ws = currentWorkspace();
    await noteAccess(ws.vault, ws.user.id, { action: 'record.print', kind: 'chart', patientId, what });
    if (!browserOffline()) void ws.engine.flushNow().catch((err: unknown) => reportError('access log upload', err));
  } catch (err) {
    reportError('access log', err);
  }
}

/** A record opened from the patient list or schedule: queued when the device is offline. */
export async function noteRecordOpened(ws: Workspace, patientId: string, withChart: boolean): Promise<void> {
  try {
    await noteOfflineView(ws.vault, ws.user.id, withChart ? 'chart' : 'patient', patientId);
  } catch (err) {
    reportError('access log', err);
  }
}
