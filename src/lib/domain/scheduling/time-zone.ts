/**
 * Wall-clock ↔ instant conversion for an explicit IANA time zone. A
 * provider's working hours are local ("Mondays 09:00–17:00 in
 * Europe/Berlin") while appointments are stored as UTC instants, so that two
 * devices in different zones, or one device across a DST change, agree on
 * the same slot. Uses only Intl, so it runs the same in the browser and on
 * the server.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit'
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True for a time zone name this runtime knows (e.g. `America/New_York`). */
export function isTimeZone(value: string): boolean {
  try {
    formatter(value);
    return true;
  } catch {
    return false;
  }
}

/** The local calendar fields of an instant in a zone. */
export function wallClock(instantMs: number, timeZone: string) {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instantMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour % 24, minute: parts.minute, second: parts.second };
}

/** Offset of the zone from UTC at an instant, in ms (local − UTC). */
function offsetAt(instantMs: number, timeZone: string): number {
  const w = wallClock(instantMs, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

/** Parses `YYYY-MM-DD` into its fields; throws for anything else (a programmer error: inputs are validated first). */
export function parseDay(day: string): { year: number; month: number; day: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new Error(`not a calendar day: ${day}`);
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

/** ISO weekday of a calendar day: 1 = Monday … 7 = Sunday (ISO 8601, so no Sunday-first ambiguity). */
export function isoWeekday(day: string): number {
  const d = parseDay(day);
  const js = new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
  return js === 0 ? 7 : js;
}

/**
 * The instant at which the wall clock in `timeZone` reads `day` +
 * `minuteOfDay`. A wall time that does not exist (the hour skipped when
 * clocks go forward) resolves to the instant one offset-change later, so a
 * working day that starts inside the gap starts when the clock jumps; a wall
 * time that happens twice (clocks go back) resolves to the first.
 */
export function zonedToInstant(day: string, minuteOfDay: number, timeZone: string): number {
  const d = parseDay(day);
  const wallAsUtc = Date.UTC(d.year, d.month - 1, d.day) + minuteOfDay * 60_000;
  const first = offsetAt(wallAsUtc, timeZone);
  let guess = wallAsUtc - first;
  const second = offsetAt(guess, timeZone);
  if (second !== first) {
    const retry = wallAsUtc - second;
    // Inside the spring gap neither guess maps back to the wall time; take the later instant.
    guess = offsetAt(retry, timeZone) === second ? retry : Math.max(guess, retry);
  }
  // Ambiguous autumn hour: prefer the earlier of the two instants.
  const earlier = guess - 60 * 60_000;
  if (offsetAt(earlier, timeZone) !== offsetAt(guess, timeZone) && earlier + offsetAt(earlier, timeZone) === wallAsUtc) {
    return earlier;
  }
  return guess;
}

/** The calendar day (`YYYY-MM-DD`) an instant falls on in a zone: how a day view decides which column an appointment goes in. */
export function dayOf(instantMs: number, timeZone: string): string {
  const w = wallClock(instantMs, timeZone);
  return `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

/** `HH:MM` → minutes after midnight. */
export function minutesOf(hhmm: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm) ?? (hhmm === '24:00' ? ['', '24', '00'] : null);
  if (!m) throw new Error(`not a time of day: ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}
