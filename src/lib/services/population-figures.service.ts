import * as Y from 'yjs';
import { listRegistries } from '../chart/registries-doc';
import { docAccess, registriesName } from '../domain/doc-names';
import { AppError } from '../domain/errors';
import { monthRates, toTrends, trendMonths, type MeasureTrend, type TrendMonth } from '../domain/reporting/measure-trends';
import { registrySizes, type RegistrySize } from '../domain/reporting/registry-sizes';
import { BUILT_IN_REGISTRIES } from '../domain/registries/built-in-registries';
import type { Registry } from '../domain/registries/registry-definition';
import { deviceFacts } from './measures.service';
import { chartFactsOnDevice, joinFacts } from './registries.service.svelte';
import type { Workspace } from './workspace';

/**
 * The dashboard's population figures, computed on this device from the
 * charts synced to it (works offline): quality-measure rates month by month
 * and registry sizes. Each reuses its page's reading of the charts (the
 * measures page's facts, the registries' sealed facts cache), so opening the
 * dashboard after a sync re-reads only the charts that changed.
 */

const yieldToBrowser = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function needCharts(ws: Workspace, what: string): void {
  if (docAccess(ws.user.roles, 'chart') === 'none') throw new AppError('forbidden', `${what} on this device need access to the charts.`);
}

/** The six measures' rates for the 12 months ending with the month of `to`. */
export async function measureTrendsOnDevice(ws: Workspace, to: string, provider = ''): Promise<{ months: TrendMonth[]; trends: MeasureTrend[]; patients: number }> {
  needCharts(ws, 'Quality measure trends');
  const { facts } = await deviceFacts(ws);
  const months = trendMonths(to);
  const perMonth: (number | null)[][] = [];
  for (const month of months) {
    perMonth.push(monthRates(facts, month, provider));
    // A month of six measures is a few tens of milliseconds for 500 patients on a laptop: the page keeps answering between months.
    await yieldToBrowser();
  }
  return { months, trends: toTrends(perMonth), patients: facts.length };
}

/** The clinic's own active registries as last synced to this device (none when the document is not here). */
async function clinicRegistries(ws: Workspace): Promise<Registry[]> {
  const name = registriesName(ws.user.clinicId);
  if (!(await ws.vault.docs.docNames()).includes(name)) return [];
  const doc = new Y.Doc();
  try {
    if (!(await ws.vault.docs.loadInto(name, doc, null))) return [];
    return listRegistries(doc).filter((r) => r.status === 'active');
  } finally {
    doc.destroy();
  }
}

/** Patients in each built-in registry, then each of the clinic's active ones, today. */
export async function registrySizesOnDevice(ws: Workspace, now = new Date().toISOString()): Promise<RegistrySize[]> {
  needCharts(ws, 'Registry sizes');
  const [patients, facts, custom] = await Promise.all([ws.vault.patients.all(), chartFactsOnDevice(ws), clinicRegistries(ws)]);
  return registrySizes([...BUILT_IN_REGISTRIES, ...custom], joinFacts(patients, facts), now);
}
