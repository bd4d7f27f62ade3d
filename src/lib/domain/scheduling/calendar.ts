import { parseDay } from './time-zone';

/**
 * Calendar-day arithmetic on `YYYY-MM-DD` strings. Days are counted on the
 * calendar, not in 24-hour steps, so "tomorrow" is right across a DST change.
 */

export const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** True for a real calendar day in `YYYY-MM-DD` form (rejects 2026-02-30). */
export function isCalendarDay(value: string): boolean {
  if (!DAY_RE.test(value)) return false;
  const d = parseDay(value);
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day));
  return t.getUTCFullYear() === d.year && t.getUTCMonth() === d.month - 1 && t.getUTCDate() === d.day;
}

/** The day `n` calendar days after `day` (before, for negative `n`). */
export function addDays(day: string, n: number): string {
  const d = parseDay(day);
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + n));
  return t.toISOString().slice(0, 10);
}
