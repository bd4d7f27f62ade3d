import { flagReading, formatReading, VITAL_KINDS, VITAL_LABEL, VITAL_RANGE_SOURCE } from '../vitals';
import { seriesOf } from './evidence';
import type { Reminder, ReminderContext, ReminderSource } from './types';

/**
 * Abnormal vital signs: the latest reading of each vital, flagged with the
 * adult ranges of domain/vitals.ts (the same flags the vitals card shows).
 * A reminder names its reading, so dismissing it leaves the next abnormal
 * reading to be shown again.
 */

/** The source of each range, as cited in domain/vitals.ts. */
const RANGE_SOURCE = VITAL_RANGE_SOURCE;

export function vitalsReminders(ctx: ReminderContext): Reminder[] {
  const series = seriesOf(ctx);
  const out: Reminder[] = [];
  let notChecked: string | undefined;
  for (const kind of VITAL_KINDS) {
    const latest = series[kind].at(-1);
    if (!latest || kind === 'weight' || kind === 'height') continue;
    const flag = flagReading(latest, ctx.birthDate);
    const source: ReminderSource = { citation: RANGE_SOURCE[kind] };
    if (flag.status === 'not-checked') notChecked ??= flag.reason;
    if (flag.status !== 'abnormal') continue;
    out.push({
      id: `vitals-${kind}-${latest.observationId}`,
      category: 'vitals',
      title: `${VITAL_LABEL[kind]} ${formatReading(latest)}: ${flag.label}`,
      source,
      status: 'due',
      level: flag.level,
      overdue: false,
      detail: `Latest reading, ${latest.at.slice(0, 10)}. Review and repeat or act on it.`,
      action: { kind: 'record-vitals', label: 'Go to vitals' }
    });
  }
  if (notChecked) {
    out.push({ id: 'vitals-ranges', category: 'vitals', title: 'Abnormal vital signs', source: { citation: 'Adult ranges, domain/vitals.ts' }, status: 'not-evaluated', reason: notChecked });
  }
  return out;
}
