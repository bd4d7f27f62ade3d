import type { Observation, Report } from './clinical';

/**
 * Laboratory results as the chart shows them: grouped by the report (panel)
 * they came in, each test with its value, unit, reference range and a flag,
 * plus every earlier numeric value of the same test for a trend line.
 *
 * The flag comes from the lab's own interpretation when it sent one (HL7
 * v3 ObservationInterpretation codes H, HH, L, LL, A, AA, N), otherwise from
 * the reference range it sent. Without either the result is `no-range`: the
 * chart applies no ranges of its own to lab values, since they depend on the
 * method and the laboratory.
 */

export type ResultFlag =
  | { status: 'normal' }
  | { status: 'abnormal'; level: 'warn' | 'danger'; label: string }
  | { status: 'no-range' };

export interface ResultRow {
  observation: Observation;
  /** LOINC code, or the test's name when it has none: the key of its trend. */
  testKey: string;
  name: string;
  value: string;
  numeric?: number;
  unit: string;
  range: string;
  flag: ResultFlag;
  /** A test ordered by name: not in the catalogue, never range-checked. */
  notInCatalogue: boolean;
  /** Who did a test on the spot, and the kit's lot. */
  performer?: string;
  kitLotNumber?: string;
}

export interface ResultGroup {
  /** The report's entry id; absent for results that came without a report. */
  reportId?: string;
  title: string;
  at: string;
  rows: ResultRow[];
}

const INTERPRETATION: Record<string, ResultFlag> = {
  N: { status: 'normal' },
  H: { status: 'abnormal', level: 'warn', label: 'High' },
  L: { status: 'abnormal', level: 'warn', label: 'Low' },
  A: { status: 'abnormal', level: 'warn', label: 'Abnormal' },
  HH: { status: 'abnormal', level: 'danger', label: 'Critically high' },
  LL: { status: 'abnormal', level: 'danger', label: 'Critically low' },
  AA: { status: 'abnormal', level: 'danger', label: 'Critically abnormal' },
  HU: { status: 'abnormal', level: 'danger', label: 'Significantly high' },
  LU: { status: 'abnormal', level: 'danger', label: 'Significantly low' },
  // Qualitative answers of point-of-care tests: a positive is shown prominently; invalid means repeat.
  POS: { status: 'abnormal', level: 'danger', label: 'Positive' },
  NEG: { status: 'normal' },
  IND: { status: 'abnormal', level: 'warn', label: 'Invalid — repeat' }
};

export function isLaboratory(o: Observation): boolean {
  return o.category === 'laboratory' && o.status !== 'entered-in-error' && o.status !== 'cancelled';
}

export function testKeyOf(o: Observation): string {
  return o.code.coding?.find((c) => c.code)?.code ?? o.code.text.toLowerCase();
}

/** The flag of one result: the lab's interpretation first, then its reference range. */
export function resultFlag(o: Observation): ResultFlag {
  for (const i of o.interpretation ?? []) {
    const code = i.coding?.find((c) => c.code && INTERPRETATION[c.code])?.code;
    if (!code) continue;
    const flag = INTERPRETATION[code];
    // The interpretation's own words (e.g. "Moderate anaemia") say more than the code's.
    return flag.status === 'abnormal' && i.text.trim() ? { ...flag, label: i.text.trim() } : flag;
  }
  const value = o.valueQuantity?.value;
  const range = o.referenceRange?.[0];
  if (value === undefined || !range || (range.low === undefined && range.high === undefined)) return { status: 'no-range' };
  if (range.low && value < range.low.value) return { status: 'abnormal', level: 'warn', label: 'Low' };
  if (range.high && value > range.high.value) return { status: 'abnormal', level: 'warn', label: 'High' };
  return { status: 'normal' };
}

function rangeText(o: Observation): string {
  const r = o.referenceRange?.[0];
  if (!r) return '';
  if (r.text) return r.text;
  if (r.low && r.high) return `${r.low.value}–${r.high.value}`;
  if (r.low) return `≥ ${r.low.value}`;
  if (r.high) return `≤ ${r.high.value}`;
  return '';
}

/** At most two decimals: enough for the tests the chart shows; imported records sometimes carry fifteen. */
const decimals = (v: number) => String(Math.round(v * 100) / 100);

function valueText(o: Observation): string {
  if (o.valueQuantity) return `${o.valueQuantity.comparator ?? ''}${decimals(o.valueQuantity.value)}`;
  if (o.valueCodeableConcept) return o.valueCodeableConcept.text;
  if (o.valueString !== undefined) return o.valueString;
  if (o.valueInteger !== undefined) return String(o.valueInteger);
  if (o.valueBoolean !== undefined) return o.valueBoolean ? 'Yes' : 'No';
  return '—';
}

export function resultRow(o: Observation): ResultRow {
  return {
    observation: o,
    testKey: testKeyOf(o),
    name: o.code.text,
    value: valueText(o),
    numeric: o.valueQuantity?.value ?? o.valueInteger,
    unit: o.valueQuantity?.unit ?? '',
    range: rangeText(o),
    flag: o.notInCatalogue ? { status: 'no-range' } : resultFlag(o),
    notInCatalogue: o.notInCatalogue === true,
    performer: o.performer?.map((p) => p.display).join(', ') || undefined,
    kitLotNumber: o.kitLotNumber
  };
}

const when = (o: { effectiveDateTime: string; createdAt: string }) => o.effectiveDateTime || o.createdAt;

/**
 * Lab results grouped by report, newest report first. Results no report
 * points to are grouped by the time they were taken, as "Other results";
 * a point-of-care result or one of a test ordered by name is grouped under
 * its test's name.
 */
export function groupResults(observations: Observation[], reports: Report[]): ResultGroup[] {
  const labs = new Map(observations.filter(isLaboratory).map((o) => [o.id, o]));
  const claimed = new Set<string>();
  const groups: ResultGroup[] = [];
  for (const r of reports) {
    if (r.status === 'entered-in-error') continue;
    const rows = r.result.flatMap((id) => {
      const o = labs.get(id);
      return o ? [resultRow(o)] : [];
    });
    if (rows.length === 0) continue;
    rows.forEach((row) => claimed.add(row.observation.id));
    groups.push({ reportId: r.id, title: r.code.text, at: when(r), rows });
  }
  const loose = new Map<string, { title: string; at: string; rows: ResultRow[] }>();
  for (const o of labs.values()) {
    if (claimed.has(o.id)) continue;
    const at = when(o);
    // A test done on the spot, or ordered by name, is its own group: the latest of each test shows first.
    const title = o.performer?.some((p) => p.reference) || o.notInCatalogue ? o.code.text : 'Other results';
    const key = `${title}\u0000${at}`;
    const g = loose.get(key) ?? { title, at, rows: [] };
    g.rows.push(resultRow(o));
    loose.set(key, g);
  }
  groups.push(...loose.values());
  return groups.sort((a, b) => b.at.localeCompare(a.at));
}

/** LOINC codes of tests whose positive result the chart shows at the top: malaria RDT, HIV rapid test, urine pregnancy test. */
export const PROMINENT_CODES = ['70569-9', '76772-3', '80387-4', '2106-3'];

/** Positive results of those tests (newest first): shown above the results list. */
export function prominentPositives(observations: Observation[]): ResultRow[] {
  return observations
    .filter((o) => isLaboratory(o) && !o.notInCatalogue && PROMINENT_CODES.includes(testKeyOf(o)))
    .map(resultRow)
    .filter((r) => r.flag.status === 'abnormal' && r.flag.level === 'danger')
    .sort((a, b) => when(b.observation).localeCompare(when(a.observation)));
}

/** The latest group of each report title: what the Results section shows first. */
export function latestGroups(groups: ResultGroup[]): ResultGroup[] {
  const seen = new Set<string>();
  return groups.filter((g) => (seen.has(g.title) ? false : (seen.add(g.title), true)));
}

/** Every numeric value of each test, oldest first: the per-test trend lines. */
export function resultTrends(observations: Observation[]): Map<string, { at: string; value: number }[]> {
  const out = new Map<string, { at: string; value: number }[]>();
  for (const o of observations.filter(isLaboratory)) {
    const value = o.valueQuantity?.value ?? o.valueInteger;
    if (value === undefined) continue;
    const key = testKeyOf(o);
    out.set(key, [...(out.get(key) ?? []), { at: when(o), value }]);
  }
  for (const series of out.values()) series.sort((a, b) => a.at.localeCompare(b.at));
  return out;
}
