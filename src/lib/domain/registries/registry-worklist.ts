import { ageAt } from '../vitals';
import type { PatientFacts, ResultFact } from './patient-facts';
import { pregnancyDates, type PregnancyDates } from './pregnancy';
import type { Registry } from './registry-definition';
import { evaluateAll, evaluateRule } from './registry-rules';

/**
 * A registry's worklist: its members (and those it could not judge, with
 * why), the columns a clinician sorts by, which of the registry's filters
 * each row meets, and the CSV a coordinator takes into a spreadsheet.
 */

export interface RegistryRow {
  patientId: string;
  name: string;
  birthDate: string;
  age: number | null;
  gender: string;
  /** Member, or could not be judged (the reason says what is missing). */
  status: 'member' | 'not-evaluated';
  reason?: string;
  keyResult?: ResultFact;
  lastVisit: string;
  pregnancy?: PregnancyDates;
  /** Ids of the registry's filters this row meets. */
  filters: string[];
}

export interface RegistryWorklist {
  members: RegistryRow[];
  notEvaluated: RegistryRow[];
}

export function buildWorklist(registry: Pick<Registry, 'rules' | 'keyResult' | 'filters' | 'columns'>, patients: readonly PatientFacts[], now: string): RegistryWorklist {
  const members: RegistryRow[] = [];
  const notEvaluated: RegistryRow[] = [];
  const today = now.slice(0, 10);
  for (const p of patients) {
    const answer = evaluateAll(registry.rules, p, now);
    if (answer.kind === 'no') continue;
    const row: RegistryRow = {
      patientId: p.patientId,
      name: p.name,
      birthDate: p.birthDate,
      age: ageAt(p.birthDate, now) ?? null,
      gender: p.gender,
      status: answer.kind === 'yes' ? 'member' : 'not-evaluated',
      lastVisit: p.lastVisit,
      filters: registry.filters.filter((f) => evaluateRule(f.rule, p, now).kind === 'yes').map((f) => f.id)
    };
    if (answer.kind === 'unknown') row.reason = answer.reason;
    if (registry.keyResult) {
      const r = p.latestResults.find((x) => x.code === registry.keyResult);
      if (r) row.keyResult = r;
    }
    if (registry.columns?.includes('pregnancy')) {
      const dates = pregnancyDates(p.pregnancy, today);
      if (dates) row.pregnancy = dates;
    }
    (row.status === 'member' ? members : notEvaluated).push(row);
  }
  return { members: sortRows(members, 'name', 'asc'), notEvaluated: sortRows(notEvaluated, 'name', 'asc') };
}

export const SORT_KEYS = ['name', 'age', 'lastVisit', 'keyValue', 'keyDate', 'edd'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** Sort value of a row; rows without one go last whichever the direction. */
function sortValue(row: RegistryRow, key: SortKey): string | number | undefined {
  switch (key) {
    case 'name':
      return row.name.toLowerCase();
    case 'age':
      return row.age ?? undefined;
    case 'lastVisit':
      return row.lastVisit || undefined;
    case 'keyValue':
      return row.keyResult?.value;
    case 'keyDate':
      return row.keyResult?.at;
    case 'edd':
      return row.pregnancy?.edd;
  }
}

export function sortRows(rows: readonly RegistryRow[], key: SortKey, dir: 'asc' | 'desc'): RegistryRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = sortValue(a, key);
    const y = sortValue(b, key);
    if (x === undefined || y === undefined) return x === y ? a.name.localeCompare(b.name) : x === undefined ? 1 : -1;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return c !== 0 ? sign * c : a.name.localeCompare(b.name);
  });
}

/** Rows meeting every chosen filter and whose name contains the search text. */
export function filterRows(rows: readonly RegistryRow[], filterIds: readonly string[], search = ''): RegistryRow[] {
  const q = search.trim().toLowerCase();
  return rows.filter((r) => filterIds.every((f) => r.filters.includes(f)) && (!q || r.name.toLowerCase().includes(q)));
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line
 * break. A field a spreadsheet would read as a formula (=, +, -, @, tab,
 * carriage return first) gets a leading apostrophe (OWASP, "CSV Injection").
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export interface CsvColumn {
  header: string;
  value: (row: RegistryRow) => string;
}

export function worklistCsv(rows: readonly RegistryRow[], columns: readonly CsvColumn[]): string {
  const lines = [columns.map((c) => csvField(c.header)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvField(c.value(r))).join(','));
  return lines.join('\r\n') + '\r\n';
}
