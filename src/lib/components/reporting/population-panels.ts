import { m } from '$lib/paraglide/messages';
import type { MeasureId } from '$lib/domain/measures/measure-definitions';
import { registerMeasureTrendPanels, registerRegistrySizePanels, type DashboardPanel, type PanelWindow } from '$lib/services/dashboard-panels';
import { measureTrendsOnDevice, registrySizesOnDevice } from '$lib/services/population-figures.service';
import type { Workspace } from '$lib/services/workspace';
import { registryName } from '$lib/components/registries/registry-text';

/**
 * The dashboard's two population panels, put into words: quality-measure
 * rates by month and registry sizes (computed in
 * services/population-figures.service.ts). Registered once, when the
 * dashboard page imports this module.
 */

const MEASURE_NAME: Record<MeasureId, () => string> = {
  CMS122: m.reporting_measure_cms122,
  CMS165: m.reporting_measure_cms165,
  CMS125: m.reporting_measure_cms125,
  CMS130: m.reporting_measure_cms130,
  CMS138: m.reporting_measure_cms138,
  CMS2: m.reporting_measure_cms2
};

export async function measureTrendPanel(ws: Workspace, window: PanelWindow): Promise<DashboardPanel[]> {
  const { months, trends } = await measureTrendsOnDevice(ws, window.to, window.provider ?? '');
  return [
    {
      id: 'measure-trends',
      title: m.reporting_fig_measure_trends(),
      description: m.reporting_fig_measure_trends_explain(),
      kind: 'trend',
      percent: true,
      labels: months.map((x) => x.label),
      series: trends.map((t) => ({ name: `${t.measureId} ${MEASURE_NAME[t.measureId]()}`, values: t.rates }))
    }
  ];
}

export async function registrySizePanel(ws: Workspace): Promise<DashboardPanel[]> {
  const sizes = await registrySizesOnDevice(ws);
  return [
    {
      id: 'registry-sizes',
      title: m.reporting_fig_registry_sizes(),
      description: m.reporting_fig_registry_sizes_explain(),
      kind: 'sizes',
      labels: sizes.map((s) => registryName(s.registry)),
      series: [
        { name: m.reporting_registry_members(), values: sizes.map((s) => s.members) },
        { name: m.reporting_registry_not_judged(), values: sizes.map((s) => s.notEvaluated) }
      ]
    }
  ];
}

let registered = false;
/** Adds both panels to the dashboard (once, however often it is called). */
export function registerPopulationPanels(): void {
  if (registered) return;
  registered = true;
  registerMeasureTrendPanels(measureTrendPanel);
  registerRegistrySizePanels((ws) => registrySizePanel(ws));
}
