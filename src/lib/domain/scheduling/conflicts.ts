import { holdsTime, type Appointment } from './appointment';

/**
 * A double booking: two appointments that hold the same provider's time, or
 * the same patient's time, at once. `first`/`second` are the two ids in
 * string order, so the same pair is reported the same way whichever device
 * computes it and whatever order the appointments were listed in.
 */
export interface Conflict {
  kind: 'provider' | 'patient';
  /** The provider's or the patient's id, depending on kind. */
  subjectId: string;
  first: string;
  second: string;
  /** The overlapping interval (UTC ISO). */
  start: string;
  end: string;
}

/**
 * Every pair of overlapping appointments for the same provider (and the same
 * patient), ignoring cancelled and no-show ones. Two front-desk devices that
 * each booked the 09:00 slot while offline produce two appointments after
 * their documents merge; this is where that becomes visible. Deterministic:
 * the result depends only on the set of appointments, not their order.
 */
export function findConflicts(appointments: readonly Appointment[]): Conflict[] {
  const active = appointments.filter(holdsTime);
  const out = [
    ...pairsWithin('provider', groupBy(active, (a) => a.providerId)),
    ...pairsWithin('patient', groupBy(active, (a) => a.patientId))
  ];
  return out.sort(
    (x, y) =>
      x.kind.localeCompare(y.kind) ||
      x.subjectId.localeCompare(y.subjectId) ||
      x.start.localeCompare(y.start) ||
      x.first.localeCompare(y.first) ||
      x.second.localeCompare(y.second)
  );
}

/** The ids of all appointments involved in any conflict, for highlighting in a day view. */
export function conflictingIds(conflicts: readonly Conflict[]): Set<string> {
  return new Set(conflicts.flatMap((c) => [c.first, c.second]));
}

function groupBy(list: Appointment[], key: (a: Appointment) => string): Map<string, Appointment[]> {
  const groups = new Map<string, Appointment[]>();
  for (const a of list) {
    const k = key(a);
    groups.set(k, [...(groups.get(k) ?? []), a]);
  }
  return groups;
}

/** Sweep over each group sorted by start: only appointments that start before the current one ends can overlap it. */
function pairsWithin(kind: Conflict['kind'], groups: Map<string, Appointment[]>): Conflict[] {
  const out: Conflict[] = [];
  for (const [subjectId, group] of groups) {
    const sorted = [...group].sort((a, b) => Date.parse(a.start) - Date.parse(b.start) || a.id.localeCompare(b.id));
    for (let i = 0; i < sorted.length; i++) {
      const a = sorted[i];
      const aEnd = Date.parse(a.end);
      for (let j = i + 1; j < sorted.length && Date.parse(sorted[j].start) < aEnd; j++) {
        const b = sorted[j];
        if (a.id === b.id) continue;
        const start = Math.max(Date.parse(a.start), Date.parse(b.start));
        const end = Math.min(aEnd, Date.parse(b.end));
        if (start >= end) continue;
        const [first, second] = a.id < b.id ? [a.id, b.id] : [b.id, a.id];
        out.push({ kind, subjectId, first, second, start: new Date(start).toISOString(), end: new Date(end).toISOString() });
      }
    }
  }
  return out;
}
