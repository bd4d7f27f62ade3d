import type { FhirResource } from '../../../src/lib/fhir/export/chart-to-fhir';
import { OperationOutcomeError } from '../operation-outcome';

/**
 * FHIR search over one patient's exported resources: which parameters each
 * type takes, how a query string becomes a query (every unknown or malformed
 * parameter is a 400, never ignored), how resources are matched, sorted and
 * paged. Pure; the routes load the record and hand it here.
 */

type Json = Record<string, unknown>;
type ParamKind = 'token' | 'date' | 'reference';
interface ParamDef {
  kind: ParamKind;
  /** Values to match: tokens as `{system, code}` (a reference as its `Type/id` in code), dates as [low, high) ms ranges. */
  values(r: Json): Token[] | Range[];
  doc: string;
}
interface Token {
  system?: string;
  code: string;
}
type Range = [number, number];

// ── Reading values out of resources ─────────────────────────────────────

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
function conceptTokens(v: unknown): Token[] {
  return asArray(v).flatMap((c) => asArray((c as Json | undefined)?.coding).flatMap((x) => {
    const coding = x as Json;
    return typeof coding.code === 'string' ? [{ system: typeof coding.system === 'string' ? coding.system : undefined, code: coding.code }] : [];
  }));
}
const codeToken = (v: unknown): Token[] => asArray(v).filter((x): x is string => typeof x === 'string').map((code) => ({ code }));

/** A FHIR date, dateTime or instant as the [start, end) it covers (a date covers the whole day, UTC when no zone is given). */
export function dateRange(value: string): Range | null {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const Y = Number(y);
  if (!mo) return [Date.UTC(Y, 0, 1), Date.UTC(Y + 1, 0, 1)];
  const M = Number(mo) - 1;
  if (M < 0 || M > 11) return null;
  if (!d) return [Date.UTC(Y, M, 1), Date.UTC(Y, M + 1, 1)];
  const D = Number(d);
  if (D < 1 || D > 31) return null;
  if (!h) return [Date.UTC(Y, M, D), Date.UTC(Y, M, D + 1)];
  const t = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${frac ?? ''}${tz ?? 'Z'}`);
  if (Number.isNaN(t)) return null;
  const width = s === undefined ? 60_000 : frac ? 1 : 1000;
  return [t, t + width];
}
function dateRanges(...values: unknown[]): Range[] {
  return values.flatMap((v) => (typeof v === 'string' ? [dateRange(v)].filter((r): r is Range => !!r) : []));
}
function periodRange(p: unknown): Range[] {
  const period = p as { start?: string; end?: string } | undefined;
  if (!period?.start && !period?.end) return [];
  const lo = period.start ? dateRange(period.start)?.[0] : -Infinity;
  const hi = period.end ? dateRange(period.end)?.[1] : Infinity;
  return lo === undefined || hi === undefined ? [] : [[lo, hi]];
}

const status: ParamDef = { kind: 'token', values: (r) => codeToken(r.status), doc: 'status' };
const clinicalStatus: ParamDef = { kind: 'token', values: (r) => conceptTokens(r.clinicalStatus), doc: 'clinicalStatus' };
const code = (field: string): ParamDef => ({ kind: 'token', values: (r) => conceptTokens(r[field]), doc: field });
const category: ParamDef = { kind: 'token', values: (r) => conceptTokens(r.category), doc: 'category' };
const date = (doc: string, fn: (r: Json) => Range[]): ParamDef => ({ kind: 'date', values: fn, doc });
const reference = (field: string): ParamDef => ({
  kind: 'reference',
  values: (r) => asArray(r[field]).flatMap((x) => (typeof (x as Json | undefined)?.reference === 'string' ? [{ code: (x as Json).reference as string }] : [])),
  doc: field
});

/** Search parameters by resource type (besides patient/subject, _id, _count, _include); the CapabilityStatement lists these. */
export const SEARCH_PARAMS: Record<string, Record<string, ParamDef>> = {
  AllergyIntolerance: {
    'clinical-status': clinicalStatus,
    code: code('code'),
    category: { kind: 'token', values: (r) => codeToken(r.category), doc: 'category' },
    date: date('recordedDate', (r) => dateRanges(r.recordedDate))
  },
  Condition: {
    'clinical-status': clinicalStatus,
    category,
    code: code('code'),
    'onset-date': date('onsetDateTime', (r) => dateRanges(r.onsetDateTime)),
    'recorded-date': date('recordedDate', (r) => dateRanges(r.recordedDate))
  },
  MedicationRequest: { status, code: code('medicationCodeableConcept'), authoredon: date('authoredOn', (r) => dateRanges(r.authoredOn)) },
  MedicationStatement: { status, code: code('medicationCodeableConcept'), effective: date('dateAsserted', (r) => dateRanges(r.dateAsserted)) },
  Observation: { status, category, code: code('code'), date: date('effectiveDateTime', (r) => dateRanges(r.effectiveDateTime)) },
  Immunization: { status, 'vaccine-code': code('vaccineCode'), date: date('occurrenceDateTime', (r) => dateRanges(r.occurrenceDateTime)) },
  Procedure: { status, code: code('code'), date: date('performedPeriod', (r) => periodRange(r.performedPeriod)) },
  DiagnosticReport: { status, category, code: code('code'), date: date('effectiveDateTime', (r) => dateRanges(r.effectiveDateTime)) },
  CarePlan: { status, category, date: date('period', (r) => periodRange(r.period)) },
  ServiceRequest: { status, category, code: code('code'), authored: date('authoredOn', (r) => dateRanges(r.authoredOn)) },
  Encounter: { status, type: code('type'), date: date('period', (r) => periodRange(r.period)) },
  DocumentReference: { status, category, type: code('type'), date: date('date', (r) => dateRanges(r.date)) },
  Patient: {},
  // Not in the chart: the clinic's tasks (`tasks:` document) and a patient's bills (the account in `patient:`).
  Task: { status, owner: reference('owner'), 'authored-on': date('authoredOn', (r) => dateRanges(r.authoredOn)) },
  Claim: { status, use: { kind: 'token', values: (r) => codeToken(r.use), doc: 'use' }, created: date('created', (r) => dateRanges(r.created)) }
};
export const RESOURCE_TYPES = Object.keys(SEARCH_PARAMS);
/** Types exported from a patient's chart (everything but Patient, Task and Claim). */
export const CHART_TYPES = RESOURCE_TYPES.filter((t) => t !== 'Patient' && t !== 'Task' && t !== 'Claim');
/** Types searched across the clinic: the patient may be left out. */
export const CLINIC_WIDE_TYPES = ['Task'];

/** The date each type is sorted by (newest first), then by id, so pages are stable. */
const SORT_DATE: Record<string, (r: Json) => unknown> = {
  AllergyIntolerance: (r) => r.recordedDate,
  Condition: (r) => r.recordedDate ?? r.onsetDateTime,
  MedicationRequest: (r) => r.authoredOn,
  MedicationStatement: (r) => r.dateAsserted,
  Observation: (r) => r.effectiveDateTime,
  Immunization: (r) => r.occurrenceDateTime,
  Procedure: (r) => (r.performedPeriod as Json | undefined)?.start,
  DiagnosticReport: (r) => r.effectiveDateTime,
  CarePlan: (r) => (r.period as Json | undefined)?.start,
  ServiceRequest: (r) => r.authoredOn,
  Encounter: (r) => (r.period as Json | undefined)?.start,
  DocumentReference: (r) => r.date,
  Task: (r) => r.authoredOn,
  Claim: (r) => r.created
};

// ── Parsing a query ─────────────────────────────────────────────────────

export const DEFAULT_COUNT = 50;
export const MAX_COUNT = 500;
const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le'] as const;
type Prefix = (typeof PREFIXES)[number];

interface Filter {
  name: string;
  def: ParamDef;
  /** Alternatives (comma-separated values): any one matches. */
  tokens?: Token[];
  dates?: { prefix: Prefix; range: Range }[];
}

export interface SearchQuery {
  type: string;
  /** The patient named by patient/subject (or by Patient?_id). */
  patient?: string;
  ids?: string[];
  filters: Filter[];
  count: number;
  offset: number;
  includePatient: boolean;
  /** The query without paging, to rebuild links. */
  base: [string, string][];
}

function bad(message: string, param: string, code: 'invalid' | 'not-supported' = 'invalid'): OperationOutcomeError {
  return new OperationOutcomeError(400, [{ severity: 'error', code, diagnostics: message, expression: [param] }]);
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

function patientRef(value: string, param: string): string {
  const m = /^(?:Patient\/)?([A-Za-z0-9\-.]{1,64})$/.exec(value);
  if (!m) throw bad(`${param} must name one patient (Patient/<id> or <id>)`, param);
  return m[1];
}

export function parseSearch(type: string, params: URLSearchParams): SearchQuery {
  const defs = SEARCH_PARAMS[type];
  const q: SearchQuery = { type, filters: [], count: DEFAULT_COUNT, offset: 0, includePatient: false, base: [] };
  for (const [rawName, value] of params) {
    const name = rawName.split(':')[0];
    const modifier = rawName.includes(':') ? rawName.slice(rawName.indexOf(':') + 1) : '';
    if (modifier && name !== '_include') throw bad(`The modifier :${modifier} is not supported`, rawName, 'not-supported');
    if (name !== '_offset' && name !== '_count') q.base.push([rawName, value]);
    if (name === '_format') {
      if (!['json', 'application/json', 'application/fhir+json'].includes(value)) throw bad('Only JSON is served', '_format', 'not-supported');
      continue;
    }
    if (name === '_count' || name === '_offset') {
      if (!/^\d{1,6}$/.test(value)) throw bad(`${name} must be a whole number`, name);
      const n = Number(value);
      if (name === '_count') q.count = Math.min(Math.max(n, 1), MAX_COUNT);
      else q.offset = n;
      continue;
    }
    if (name === '_include') {
      if (value !== `${type}:patient` && value !== `${type}:subject`) throw bad(`Only _include=${type}:patient is supported`, '_include', 'not-supported');
      if (type === 'Patient') throw bad('A Patient search has no patient to include', '_include', 'not-supported');
      if (CLINIC_WIDE_TYPES.includes(type)) throw bad(`A ${type} search includes no patient`, '_include', 'not-supported');
      q.includePatient = true;
      continue;
    }
    if ((name === 'patient' || name === 'subject') && type !== 'Patient') {
      if (value.includes(',')) throw bad('Search one patient at a time', name, 'not-supported');
      const id = patientRef(value, name);
      if (q.patient && q.patient !== id) throw bad('Search one patient at a time', name, 'not-supported');
      q.patient = id;
      continue;
    }
    if (name === '_id') {
      const ids = value.split(',');
      if (ids.some((i) => !ID.test(i))) throw bad('_id must be resource ids', '_id');
      q.ids = q.ids ? q.ids.filter((i) => ids.includes(i)) : ids;
      if (type === 'Patient') {
        if (ids.length !== 1) throw bad('Search one patient at a time', '_id', 'not-supported');
        q.patient = ids[0];
      }
      continue;
    }
    const def = defs?.[name];
    if (!def) throw bad(`Unknown search parameter for ${type}: ${name}`, name, 'not-supported');
    const parts = value.split(',');
    if (def.kind === 'reference') {
      q.filters.push({
        name,
        def,
        tokens: parts.map((p) => {
          if (!/^([A-Za-z]{1,64}\/)?[A-Za-z0-9\-.]{1,64}$/.test(p)) throw bad(`${name} must be a reference (Type/id or id)`, name);
          return { code: p };
        })
      });
    } else if (def.kind === 'token') {
      q.filters.push({
        name,
        def,
        tokens: parts.map((p) => {
          const bar = p.indexOf('|');
          const t = bar < 0 ? { code: p } : { system: p.slice(0, bar), code: p.slice(bar + 1) };
          if (!t.code) throw bad(`${name} needs a code (system|code or code)`, name);
          return t;
        })
      });
    } else {
      q.filters.push({
        name,
        def,
        dates: parts.map((p) => {
          const prefix = (PREFIXES as readonly string[]).includes(p.slice(0, 2)) ? (p.slice(0, 2) as Prefix) : 'eq';
          const body = (PREFIXES as readonly string[]).includes(p.slice(0, 2)) ? p.slice(2) : p;
          if (prefix === 'ne') throw bad('The ne prefix is not supported', name, 'not-supported');
          const range = dateRange(body);
          if (!range) throw bad(`${name} must be a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD or a date-time), optionally prefixed eq, gt, lt, ge or le`, name);
          return { prefix, range };
        })
      });
    }
  }
  if (!q.patient && !q.ids && !CLINIC_WIDE_TYPES.includes(type)) throw bad(type === 'Patient' ? 'Search for a patient by _id' : 'Name the patient (patient=<id>) or the resources (_id)', type === 'Patient' ? '_id' : 'patient');
  return q;
}

// ── Matching ────────────────────────────────────────────────────────────

function tokenMatch(have: Token[], want: Token): boolean {
  return have.some((h) => h.code === want.code && (want.system === undefined || (want.system === '' ? !h.system : h.system === want.system)));
}

function dateMatch(have: Range[], prefix: Prefix, [lo, hi]: Range): boolean {
  return have.some(([a, b]) => {
    switch (prefix) {
      case 'eq':
        return a >= lo && b <= hi;
      case 'gt':
        return b > hi;
      case 'lt':
        return a < lo;
      case 'ge':
        return b > lo;
      case 'le':
        return a < hi;
      default:
        return false;
    }
  });
}

export function matches(r: FhirResource, q: SearchQuery): boolean {
  if (r.resourceType !== q.type) return false;
  if (q.ids && !q.ids.includes(r.id)) return false;
  return q.filters.every((f) => {
    if (f.tokens && f.def.kind === 'reference') {
      // `Practitioner/u1` matches that reference; a bare `u1` matches it whatever its type.
      const have = (f.def.values(r) as Token[]).map((t) => t.code);
      return f.tokens.some((t) => have.some((h) => h === t.code || (!t.code.includes('/') && h.endsWith(`/${t.code}`))));
    }
    if (f.tokens) {
      const have = f.def.values(r) as Token[];
      return f.tokens.some((t) => tokenMatch(have, t));
    }
    const have = f.def.values(r) as Range[];
    return f.dates!.some((d) => dateMatch(have, d.prefix, d.range));
  });
}

/** Newest first by the type's date, then by id; a resource without a date comes last. */
export function sortResources(list: FhirResource[]): FhirResource[] {
  const key = (r: FhirResource) => {
    const v = SORT_DATE[r.resourceType]?.(r);
    return typeof v === 'string' ? (dateRange(v)?.[0] ?? -Infinity) : -Infinity;
  };
  return [...list].sort((a, b) => key(b) - key(a) || a.id.localeCompare(b.id));
}

// ── Bundles ─────────────────────────────────────────────────────────────

export function searchBundle(
  base: string,
  q: SearchQuery,
  matched: FhirResource[],
  patient: FhirResource | null
): { bundle: Json; returned: number } {
  const page = matched.slice(q.offset, q.offset + q.count);
  const link = (offset: number) => {
    const p = new URLSearchParams(q.base);
    p.set('_count', String(q.count));
    if (offset > 0) p.set('_offset', String(offset));
    return `${base}/${q.type}?${p.toString()}`;
  };
  const links = [{ relation: 'self', url: link(q.offset) }];
  if (q.offset + q.count < matched.length) links.push({ relation: 'next', url: link(q.offset + q.count) });
  if (q.offset > 0) links.push({ relation: 'previous', url: link(Math.max(0, q.offset - q.count)) });
  const entry: Json[] = page.map((r) => ({ fullUrl: `${base}/${r.resourceType}/${r.id}`, resource: r, search: { mode: 'match' } }));
  if (q.includePatient && patient && page.length) entry.push({ fullUrl: `${base}/Patient/${patient.id}`, resource: patient, search: { mode: 'include' } });
  return { bundle: { resourceType: 'Bundle', type: 'searchset', total: matched.length, link: links, entry }, returned: page.length };
}
