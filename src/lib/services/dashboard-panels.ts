import type { Workspace } from './workspace';

/**
 * The dashboard's extension points for figures other parts of Outpost own:
 * quality-measure trends and registry sizes. A module that computes them
 * registers a provider here; the dashboard draws each panel it returns as a
 * line chart (trend) or a bar chart (sizes), each with its table, and draws
 * nothing for a hook with no provider. Nothing is registered by the
 * dashboard itself.
 *
 * - `measureTrendPanels`: one series per quality measure, a value (0–1 for
 *   a rate) per period label.
 * - `registrySizePanels`: one bar per registry, the number of patients in it.
 */
export interface DashboardPanel {
  id: string;
  /** Already translated. */
  title: string;
  kind: 'trend' | 'sizes';
  /** X axis: periods (trend) or registry names (sizes). */
  labels: string[];
  series: { name: string; values: (number | null)[] }[];
  /** Values are proportions (drawn and tabled as percentages). */
  percent?: boolean;
  /** Already translated: what the numbers are, under the title. */
  description?: string;
}

/** What the dashboard shows: its days, and the provider chosen in its filter (a name; '' for all). */
export interface PanelWindow {
  from: string;
  to: string;
  provider?: string;
}

export type DashboardPanelProvider = (ws: Workspace, window: PanelWindow) => Promise<DashboardPanel[]>;

export const measureTrendPanels: DashboardPanelProvider[] = [];
export const registrySizePanels: DashboardPanelProvider[] = [];

export function registerMeasureTrendPanels(provider: DashboardPanelProvider): void {
  measureTrendPanels.push(provider);
}

export function registerRegistrySizePanels(provider: DashboardPanelProvider): void {
  registrySizePanels.push(provider);
}

/** Every registered panel for the window; a provider that fails gives no panel rather than no dashboard. */
export async function extraPanels(ws: Workspace, window: PanelWindow): Promise<{ panels: DashboardPanel[]; failed: number }> {
  const results = await Promise.allSettled([...measureTrendPanels, ...registrySizePanels].map((p) => p(ws, window)));
  return {
    panels: results.flatMap((r) => (r.status === 'fulfilled' ? r.value : [])),
    failed: results.filter((r) => r.status === 'rejected').length
  };
}
