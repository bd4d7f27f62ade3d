import { ageInYears } from '../domain/patient';

const GENDER_LABEL: Record<string, string> = { female: 'Female', male: 'Male', other: 'Other', unknown: 'Unknown' };

export function genderLabel(g: string): string {
  return GENDER_LABEL[g] ?? g;
}

/** "3 Mar 1971 (55 y)"; infants in months, so a clinician doses by the right age. */
export function birthDateWithAge(birthDate: string, now: Date = new Date()): string {
  if (!birthDate) return '—';
  const d = new Date(birthDate + 'T00:00:00Z');
  const date = d.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  const years = ageInYears(birthDate, now);
  if (years >= 2) return `${date} (${years} y)`;
  const months = (now.getUTCFullYear() - d.getUTCFullYear()) * 12 + now.getUTCMonth() - d.getUTCMonth() - (now.getUTCDate() < d.getUTCDate() ? 1 : 0);
  return `${date} (${Math.max(0, months)} mo)`;
}

export function dateTime(iso: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function dateOnly(iso: string): string {
  if (!iso) return '—';
  const d = new Date(iso.length === 10 ? iso + 'T00:00:00Z' : iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric', timeZone: iso.length === 10 ? 'UTC' : undefined });
}
