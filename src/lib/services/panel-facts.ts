import * as Y from 'yjs';
import { z } from 'zod';
import { bookAppointments } from '../chart/schedule-months';
import { readDeviceBook } from './device-book';
import { panelPolicyOf, type DevicePanelSetting } from '../domain/device-panel';
import { docAccess } from '../domain/doc-names';
import type { UserVault } from '../storage/user-vault';
import type { PanelSource } from '../sync/sync-engine';
import type { PatientFacts } from '../sync/panel-policy';
import { chartFactsOnDevice } from './registries.service.svelte';
import type { SessionUser } from './session-user';

/**
 * The panel's facts, gathered on the device for the sync engine's panel
 * policy (sync/panel-policy.ts) when the clinic keeps only its panel on
 * each device (domain/device-panel.ts):
 * - seen: the latest visit of each chart held here (the registries' chart
 *   facts, read once per chart change) and past appointments in the clinic
 *   schedule that were not cancelled or missed;
 * - booked: the earliest appointment from yesterday on, not cancelled;
 * - on my lists: charts whose current care team names this user (from the
 *   chart summaries held here);
 * - opened here: charts this user opened on this device (noted by the
 *   record loader, kept sealed in the vault).
 */

const OPENED_KEY = 'panel:opened:v1';
const openedSchema = z.record(z.string(), z.string());
/** Opens older than this are forgotten (the longest `openedDays` a clinic may set). */
const OPENED_KEEP_MS = 365 * 86_400_000;

interface PanelWorkspace {
  user: SessionUser;
  vault: UserVault;
}

/** Notes that this user opened a patient's record on this device (it then stays for the clinic's "opened here" days). */
export async function noteOpenedHere(vault: UserVault, patientId: string, now = new Date()): Promise<void> {
  const opened = (await vault.meta.getSealed(OPENED_KEY, openedSchema, 'recently opened records')) ?? {};
  const cutoff = now.getTime() - OPENED_KEEP_MS;
  const next: Record<string, string> = {};
  for (const [id, at] of Object.entries(opened)) if (Date.parse(at) >= cutoff) next[id] = at;
  next[patientId] = now.toISOString();
  await vault.meta.setSealed(OPENED_KEY, next);
}

/** What the device knows about each patient, for the panel decision. */
export async function panelFactsOnDevice(ws: PanelWorkspace, now = new Date()): Promise<PatientFacts[]> {
  const facts = new Map<string, PatientFacts>();
  const of = (patientId: string) => {
    let f = facts.get(patientId);
    if (!f) facts.set(patientId, (f = { patientId }));
    return f;
  };
  const seen = (patientId: string, at: string) => {
    const f = of(patientId);
    if (at && (!f.lastSeenAt || at > f.lastSeenAt)) f.lastSeenAt = at;
  };

  const book = await readDeviceBook(ws);
  try {
    if (book) {
      const fromYesterday = new Date(now.getTime() - 86_400_000).toISOString();
      const nowIso = now.toISOString();
      for (const a of bookAppointments(book)) {
        if (a.state.status === 'cancelled') continue;
        if (a.start >= fromYesterday) {
          const f = of(a.patientId);
          if (!f.nextAppointmentAt || a.start < f.nextAppointmentAt) f.nextAppointmentAt = a.start;
        }
        if (a.start <= nowIso && a.state.status !== 'no-show') seen(a.patientId, a.start);
      }
    }
  } finally {
    book?.destroy();
  }

  for (const [patientId, c] of await chartFactsOnDevice(ws)) seen(patientId, c.lastVisit);

  for (const patientId of await ws.vault.chartSummaries.patientIds()) {
    const summary = await ws.vault.chartSummaries.get(patientId);
    if (summary?.summary.careTeam.some((m) => m.userId === ws.user.id && !m.endedAt)) of(patientId).onMyList = true;
  }

  const opened = (await ws.vault.meta.getSealed(OPENED_KEY, openedSchema, 'recently opened records')) ?? {};
  for (const [patientId, at] of Object.entries(opened)) of(patientId).openedAt = at;

  return [...facts.values()];
}

/** The sync engine's panel source when the clinic keeps only its panel on each device; undefined: every patient. */
export function panelSource(ws: PanelWorkspace, setting: DevicePanelSetting | undefined): PanelSource | undefined {
  const policy = panelPolicyOf(setting);
  if (!policy) return undefined;
  const kinds = (['patient', 'chart'] as const).filter((k) => docAccess(ws.user.roles, k) !== 'none');
  return { policy, kinds, facts: () => panelFactsOnDevice(ws) };
}
