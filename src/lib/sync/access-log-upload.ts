import type { ApiClient } from '../services/api-client';
import type { UserVault } from '../storage/user-vault';

/**
 * Uploads the reads and prints the device recorded (services/access-log.service.ts)
 * to the clinic's audit log; the sync engine calls it every round.
 */

/** Events per upload: the server's own limit (server/audit/offline-events.ts). */
export const UPLOAD_BATCH = 100;

export interface UploadOutcome {
  sent: number;
  accepted: number;
  duplicates: number;
  refused: number;
}

interface ServerAnswer {
  accepted: number;
  duplicates: number;
  refused: { id: string; reason: string }[];
}

/**
 * Uploads the queue in batches. Events the server accepted, already had or
 * refused are dropped from the device (a refused one would be refused again
 * forever; the server has audited the refusal). A network failure keeps
 * them for the next round.
 */
export async function uploadAccessEvents(vault: UserVault, api: ApiClient): Promise<UploadOutcome> {
  const outcome: UploadOutcome = { sent: 0, accepted: 0, duplicates: 0, refused: 0 };
  if ((await vault.accessLog.count()) === 0) return outcome;
  const events = await vault.accessLog.list();
  for (let i = 0; i < events.length; i += UPLOAD_BATCH) {
    const batch = events.slice(i, i + UPLOAD_BATCH);
    const answer = await api.request<ServerAnswer>('/api/audit/device-events', { method: 'POST', body: { events: batch } });
    await vault.accessLog.remove(batch.map((e) => e.id));
    outcome.sent += batch.length;
    outcome.accepted += answer.accepted;
    outcome.duplicates += answer.duplicates;
    outcome.refused += answer.refused.length;
  }
  return outcome;
}
