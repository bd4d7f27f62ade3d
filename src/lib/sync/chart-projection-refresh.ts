import * as Y from 'yjs';
import { chartSummary } from '../chart/chart-summary';
import { listImmunizations } from '../chart/clinical-doc';
import { parseDocName } from '../domain/doc-names';
import type { ChartSummaryProjection } from '../storage/chart-summary-store';
import type { UserVault } from '../storage/user-vault';

/**
 * Keeps the chart-summary projection (chart-summary-store.ts) in step with
 * the `chart:` documents: rebuilt from an open chart after its edits pause,
 * and from the store after catch-up for every chart sync brought or
 * changed — so a chart never opened on this device still opens on its
 * stored summary.
 */

/** What the summary shows, read from a chart document; `stateVector` defaults to the document's own. */
export function projectChart(patientId: string, doc: Y.Doc, stateVector: Uint8Array = Y.encodeStateVector(doc)): ChartSummaryProjection {
  return { patientId, stateVector, computedAt: new Date().toISOString(), summary: chartSummary(doc), immunizations: listImmunizations(doc) };
}

/** Reads the projection from an open chart now (synchronously) and stores it. */
export function storeChartProjection(vault: UserVault, patientId: string, doc: Y.Doc): Promise<void> {
  return vault.chartSummaries.put(projectChart(patientId, doc));
}

/** Patient ids of the `chart:` documents among `changedDocs`. */
export function changedChartIds(changedDocs: readonly string[]): string[] {
  return [...new Set(changedDocs.flatMap((n) => {
    const parsed = parseDocName(n);
    return parsed?.kind === 'chart' ? [parsed.patientId] : [];
  }))];
}

/** Patient ids of the `chart:` documents among `changedDocs` that have a projection on the device. */
export async function projectedCharts(vault: UserVault, changedDocs: readonly string[]): Promise<string[]> {
  const changed = new Set(changedChartIds(changedDocs));
  if (changed.size === 0) return [];
  return (await vault.chartSummaries.patientIds()).filter((id) => changed.has(id));
}

/**
 * Rebuilds the projections of charts sync changed, one document at a time
 * from the store. The stored state vector is read before the document, so
 * an update that lands meanwhile leaves the projection looking stale
 * (rebuilt next time), never current with data it has not seen.
 */
export async function rebuildChartProjections(vault: UserVault, patientIds: readonly string[], stopped: () => boolean = () => false): Promise<number> {
  let rebuilt = 0;
  for (const id of patientIds) {
    if (stopped()) break;
    const name = `chart:${id}`;
    const stateVector = await vault.docs.stateVector(name);
    const doc = new Y.Doc();
    try {
      if (!(await vault.docs.loadInto(name, doc, null))) continue;
      await vault.chartSummaries.put(projectChart(id, doc, stateVector));
      rebuilt++;
    } finally {
      doc.destroy();
    }
  }
  return rebuilt;
}
