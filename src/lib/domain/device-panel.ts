import { z } from 'zod';
import type { PanelPolicy } from '../sync/panel-policy';

/**
 * What each staff device keeps, a clinic setting (admin console):
 * - `all` (the default, right for small clinics): every patient record the
 *   user may read;
 * - `panel`: the clinic's panel only (src/lib/sync/panel-policy.ts): patients
 *   seen in the last `seenMonths` months, booked in the next `scheduledDays`
 *   days, on the user's lists, or opened on this device in the last
 *   `openedDays` days. Other patients are found through the server's search
 *   and opened online, then kept.
 * A storage choice, not an access rule: the server still decides, per
 * document, what the user may read.
 */
export type DevicePanelSetting = { mode: 'all' } | ({ mode: 'panel' } & PanelPolicy);

export const DEFAULT_DEVICE_PANEL: DevicePanelSetting = { mode: 'all' };

export const DEVICE_PANEL_LIMITS = {
  seenMonths: { min: 1, max: 60 },
  scheduledDays: { min: 1, max: 90 },
  openedDays: { min: 1, max: 365 }
} as const;

const whole = (key: keyof typeof DEVICE_PANEL_LIMITS, label: string, unit: string) =>
  z
    .number({ error: `${label} must be a number of ${unit}` })
    .int(`${label} must be a whole number of ${unit}`)
    .min(DEVICE_PANEL_LIMITS[key].min, `${label} must be at least ${DEVICE_PANEL_LIMITS[key].min} ${unit}`)
    .max(DEVICE_PANEL_LIMITS[key].max, `${label} must be at most ${DEVICE_PANEL_LIMITS[key].max} ${unit}`);

const panelFields = {
  seenMonths: whole('seenMonths', 'Seen in the last', 'months'),
  scheduledDays: whole('scheduledDays', 'Booked in the next', 'days'),
  openedDays: whole('openedDays', 'Opened on this device in the last', 'days')
};

/** The setting as the console sends it and the server checks it; the numbers only with `panel`, and then all three. */
export const devicePanelSchema = z.discriminatedUnion(
  'mode',
  [z.object({ mode: z.literal('all') }).strict(), z.object({ mode: z.literal('panel'), ...panelFields }).strict()],
  { error: 'Choose what each device keeps: all or panel' }
);

/** A value read back (a stored row, a sealed profile); anything unreadable is `all`, which keeps more, never less. */
export function readDevicePanel(value: unknown): DevicePanelSetting {
  const r = devicePanelSchema.safeParse(value);
  return r.success ? r.data : DEFAULT_DEVICE_PANEL;
}

/** The policy the sync engine applies, or null when the device keeps every patient. */
export function panelPolicyOf(setting: DevicePanelSetting | undefined): PanelPolicy | null {
  if (!setting || setting.mode !== 'panel') return null;
  return { seenMonths: setting.seenMonths, scheduledDays: setting.scheduledDays, openedDays: setting.openedDays };
}
