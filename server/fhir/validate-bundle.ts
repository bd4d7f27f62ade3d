import type { z } from 'zod';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../http/body';
import { CHARTED_SCHEMAS, isCharted, type ChartedType } from './fhir-schemas';
import { entryIdFor } from './ids';
import { mapPatient, patientProblems, type MappedPatient } from './map-patient';
import { OperationOutcomeError, type Issue } from './operation-outcome';

/**
 * Checks a whole Bundle (transaction, document or collection) before anything is written, so a bad
 * bundle changes nothing. Every problem found is reported at once (up to a
 * cap), each with the FHIRPath of the element, e.g.
 * `Bundle.entry[12].resource.effectiveDateTime`. Diagnostics name what is
 * wrong, never the value, so no patient data is echoed or logged.
 *
 * One Patient per bundle (as Synthea writes them); the chart resources must
 * belong to that Patient.
 */

export interface BundleEntry {
  index: number;
  type: string;
  fullUrl?: string;
  /** The resource as sent (kept verbatim for types Outpost does not chart). */
  resource: Record<string, unknown> & { resourceType: string; id?: string };
  /** Deterministic chart entry id (see ids.ts). */
  entryId: string;
  /** Parsed by the type's schema; absent for types that are only kept. */
  parsed?: unknown;
}

/** Bundle types that can be imported: a record (transaction) or a record sent by another clinic (document, collection). */
export const IMPORTABLE_TYPES = ['transaction', 'document', 'collection'] as const;
export type ImportableType = (typeof IMPORTABLE_TYPES)[number];

export interface ValidBundle {
  /** `transaction`: a record brought in whole; `document`/`collection`: a transfer or referral, reconciled on arrival. */
  type: ImportableType;
  patient: BundleEntry & { mapped: MappedPatient };
  entries: BundleEntry[];
  /** Resolves a reference string (urn:uuid fullUrl or `Type/id`) to the bundle entry it names. */
  resolve(reference: string | undefined): BundleEntry | undefined;
}

const MAX_ISSUES = 50;

/**
 * Most entries one transaction may carry. Synthea writes a few hundred per
 * patient and a long life a few thousand; this leaves room for those and
 * keeps one request's validation, mapping and single chart update bounded.
 */
export const MAX_BUNDLE_ENTRIES = 10_000;
const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;
const TYPE_RE = /^[A-Z][A-Za-z]{1,63}$/;
const REFERENCE_RE =
  /^(urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|urn:oid:[0-2](\.\d+)+|#[A-Za-z0-9\-.]{1,64}|https?:\/\/\S+|[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}(\/_history\/[A-Za-z0-9\-.]{1,64})?)$/;

/** Elements whose reference must name an entry of this bundle, and of which type. */
const LINKS: Record<string, Record<string, string>> = {
  subject: { '*': 'Patient' },
  patient: { '*': 'Patient' },
  encounter: { '*': 'Encounter' },
  context: { MedicationStatement: 'Encounter' },
  result: { DiagnosticReport: 'Observation' },
  addresses: { CarePlan: 'Condition' }
};

class Issues {
  readonly list: Issue[] = [];
  add(code: Issue['code'], diagnostics: string, expression?: string): void {
    if (this.list.length < MAX_ISSUES) this.list.push({ severity: 'error', code, diagnostics, ...(expression ? { expression: [expression] } : {}) });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fhirPath(base: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : `${acc}.${String(p)}`), base);
}

export function validateBundle(body: unknown): ValidBundle {
  const issues = new Issues();
  const fail = (): never => {
    throw new OperationOutcomeError(400, issues.list);
  };
  if (!isObject(body) || body.resourceType !== 'Bundle') {
    issues.add('structure', 'The body must be a FHIR Bundle resource', 'Bundle.resourceType');
    fail();
  }
  const bundle = body as Record<string, unknown>;
  if (!(IMPORTABLE_TYPES as readonly unknown[]).includes(bundle.type)) issues.add('value', 'Only Bundles of type "transaction", "document" or "collection" can be imported', 'Bundle.type');
  if (!Array.isArray(bundle.entry) || bundle.entry.length === 0) issues.add('required', 'The Bundle has no entries', 'Bundle.entry');
  else if (bundle.entry.length > MAX_BUNDLE_ENTRIES) {
    issues.add('too-costly', `A Bundle may carry at most ${MAX_BUNDLE_ENTRIES.toLocaleString('en')} entries; this one carries ${bundle.entry.length.toLocaleString('en')}. Split the record into several transactions.`, 'Bundle.entry');
  }
  // The HTTP body reader refuses deeper bodies already; a bundle handed over in-process gets the same bound before the recursive walks below.
  if (nestedDeeperThan(bundle, MAX_JSON_DEPTH)) issues.add('too-costly', `The Bundle is nested too deeply (at most ${MAX_JSON_DEPTH} levels of arrays and objects).`, 'Bundle');
  if (issues.list.length) fail();

  const entries = readEntries(bundle.entry as unknown[], issues);
  if (issues.list.length) fail();

  const byRef = new Map<string, BundleEntry>();
  for (const e of entries) {
    if (e.fullUrl) byRef.set(e.fullUrl, e);
    if (e.resource.id) byRef.set(`${e.type}/${e.resource.id}`, e);
  }
  const resolve = (ref: string | undefined) => (ref ? byRef.get(ref) : undefined);

  // FHIR bdl-11: a document's first entry is its Composition.
  if (bundle.type === 'document' && entries[0]?.type !== 'Composition') issues.add('required', 'A document Bundle starts with its Composition', 'Bundle.entry[0]');

  const patients = entries.filter((e) => e.type === 'Patient');
  if (patients.length === 0) issues.add('required', 'The Bundle must carry the Patient its records belong to', 'Bundle.entry');
  for (const extra of patients.slice(1)) issues.add('not-supported', 'Only one Patient per Bundle can be imported', `Bundle.entry[${extra.index}]`);

  for (const e of entries) {
    parseEntry(e, issues);
    checkReferences(e, resolve, patients[0], issues);
  }
  const patient = patients[0];
  let mapped: MappedPatient | undefined;
  if (patient?.parsed) {
    mapped = mapPatient(patient.parsed as Parameters<typeof mapPatient>[0]);
    for (const p of patientProblems(mapped.input)) issues.add('value', p.message, `Bundle.entry[${patient.index}].resource.${p.path}`);
  }
  if (issues.list.length || !patient || !mapped) return fail();
  return { type: bundle.type as ImportableType, patient: { ...patient, mapped }, entries, resolve };
}

function readEntries(raw: unknown[], issues: Issues): BundleEntry[] {
  const out: BundleEntry[] = [];
  const fullUrls = new Set<string>();
  raw.forEach((entry, index) => {
    const at = `Bundle.entry[${index}]`;
    if (!isObject(entry)) return issues.add('structure', 'An entry must be an object', at);
    const resource = entry.resource;
    if (!isObject(resource)) return issues.add('required', 'The entry has no resource', `${at}.resource`);
    const type = resource.resourceType;
    if (typeof type !== 'string' || !TYPE_RE.test(type)) return issues.add('structure', 'The resource has no valid resourceType', `${at}.resource.resourceType`);
    const id = resource.id;
    if (id !== undefined && (typeof id !== 'string' || !ID_RE.test(id))) return issues.add('value', 'Not a valid resource id', `${at}.resource.id`);
    const fullUrl = entry.fullUrl;
    if (fullUrl !== undefined) {
      if (typeof fullUrl !== 'string' || !REFERENCE_RE.test(fullUrl) || fullUrl.startsWith('#')) return issues.add('value', 'Not a valid fullUrl', `${at}.fullUrl`);
      if (fullUrls.has(fullUrl)) return issues.add('value', 'Two entries have the same fullUrl', `${at}.fullUrl`);
      fullUrls.add(fullUrl);
    }
    const request = entry.request;
    if (request !== undefined) {
      if (!isObject(request) || (request.method !== 'POST' && request.method !== 'PUT')) {
        return issues.add('not-supported', 'Only POST and PUT entries can be imported', `${at}.request.method`);
      }
    }
    out.push({
      index,
      type,
      ...(typeof fullUrl === 'string' ? { fullUrl } : {}),
      resource: resource as BundleEntry['resource'],
      entryId: entryIdFor(type, id as string | undefined, fullUrl as string | undefined, () => `${index}:${JSON.stringify(resource)}`)
    });
  });
  return out;
}

function parseEntry(e: BundleEntry, issues: Issues): void {
  if (!isCharted(e.type)) return;
  const schema = CHARTED_SCHEMAS[e.type as ChartedType] as z.ZodType;
  const r = schema.safeParse(e.resource);
  if (r.success) {
    e.parsed = r.data;
    return;
  }
  for (const i of r.error.issues) {
    const code = i.code === 'invalid_type' && i.input === undefined ? 'required' : 'value';
    issues.add(code, `${e.type}: ${i.message}`, fhirPath(`Bundle.entry[${e.index}].resource`, i.path));
  }
}

/**
 * Every `reference` in the resource must be well formed; a urn:uuid must name
 * an entry of this bundle (transaction semantics), and the links the chart
 * keeps (subject, encounter, a report's results, a care plan's problems)
 * must name an entry of the right type, the subject being the bundle's Patient.
 */
function checkReferences(e: BundleEntry, resolve: ValidBundle['resolve'], patient: BundleEntry | undefined, issues: Issues): void {
  const base = `Bundle.entry[${e.index}].resource`;
  // One shared path stack: bundles carry thousands of nested elements, and the path is only spelled out for a problem.
  const path: (string | number)[] = [];
  const walk = (value: unknown, top: string | undefined): void => {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        walk(value[i], top);
        path.pop();
      }
      return;
    }
    if (!isObject(value)) return;
    for (const k in value) {
      if (k === 'contained') continue;
      const v = value[k];
      if (k === 'reference' && path.length > 0) {
        checkOne(v, top);
        continue;
      }
      if (typeof v !== 'object' || v === null) continue;
      path.push(k);
      walk(v, top ?? k);
      path.pop();
    }
  };
  const checkOne = (ref: unknown, top: string | undefined): void => {
    const at = () => fhirPath(base, [...path, 'reference']);
    if (typeof ref !== 'string' || !REFERENCE_RE.test(ref)) return issues.add('value', 'Not a valid reference', at());
    const target = resolve(ref);
    if (ref.startsWith('urn:uuid:') && !target) return issues.add('not-found', 'The reference names no entry of this Bundle', at());
    const link = top ? (LINKS[top]?.[e.type] ?? LINKS[top]?.['*']) : undefined;
    if (!link || e.type === 'Patient' || !isCharted(e.type)) return;
    if (!target) return issues.add('not-found', `The ${top} reference must name a ${link} entry of this Bundle`, at());
    if (target.type !== link) return issues.add('value', `The ${top} reference must name a ${link}`, at());
    if (link === 'Patient' && target !== patient) issues.add('value', "The record belongs to another Patient than the Bundle's", at());
  };
  walk(e.resource, undefined);
}
