import type { Dosage } from './fhir-schemas';

/**
 * A dosage line a clinician can read ("1 tablet twice a day, as needed") for
 * a FHIR Dosage that carries no `text`, as Synthea's structured dosages do.
 * The structured parts stay in the source system; Outpost keeps the line.
 */

const UNIT: Record<string, [string, string]> = {
  s: ['second', 'seconds'],
  min: ['minute', 'minutes'],
  h: ['hour', 'hours'],
  d: ['day', 'days'],
  wk: ['week', 'weeks'],
  mo: ['month', 'months'],
  a: ['year', 'years']
};

function frequencyText(frequency: number, period: number, unit: string): string {
  const names = UNIT[unit];
  if (!names) return '';
  const times = frequency === 1 ? 'once' : frequency === 2 ? 'twice' : `${frequency} times`;
  return period === 1 ? `${times} a ${names[0]}` : `${times} every ${period} ${names[1]}`;
}

export function describeDosage(d: Dosage): string {
  if (d.text?.trim()) return d.text.trim().slice(0, 300);
  const q = d.doseAndRate?.find((x) => x.doseQuantity?.value !== undefined)?.doseQuantity;
  const rep = d.timing?.repeat;
  const parts = [
    q ? `${q.value}${q.unit ? ` ${q.unit}` : ''}` : '',
    rep?.frequency && rep.periodUnit ? frequencyText(rep.frequency, rep.period ?? 1, rep.periodUnit) : '',
    d.asNeededBoolean ? 'as needed' : ''
  ].filter(Boolean);
  return parts.join(' ').slice(0, 300);
}
