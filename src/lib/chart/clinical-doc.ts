import * as Y from 'yjs';
import type { Actor } from '../domain/chart';
import {
  CLINICAL_RESOURCE_TYPE,
  CLINICAL_SCHEMAS,
  type ClinicalCollection,
  type ClinicalEntry,
  type ClinicalInput
} from '../domain/clinical';
import { AppError } from '../domain/errors';
import { migrate, newId, nowIso, str } from './schema';

/**
 * Typed access to the chart's clinical collections beyond problems,
 * allergies and visits (see domain/clinical.ts): observations, medications,
 * immunizations, procedures, diagnostic reports and care plans. Same layout
 * as chart-doc.ts: one top-level Y.Map per collection, one Y.Map per entry,
 * FHIR-named fields, provenance on every entry.
 */

type Entry = Y.Map<unknown>;

/** What a write did to one entry; FHIR import reports it per resource. */
export type PutOutcome = 'created' | 'updated' | 'unchanged';

const PROVENANCE_KEYS = ['createdAt', 'createdBy', 'updatedAt', 'updatedBy', 'enteredInErrorAt', 'enteredInErrorBy', 'enteredInErrorReason'];

function entries(doc: Y.Doc, name: string): Y.Map<Entry> {
  return doc.getMap(name) as Y.Map<Entry>;
}

/** True for an entry someone marked as recorded by mistake; writers leave such entries alone. */
function isEnteredInError(e: Entry): boolean {
  return e.get('status') === 'entered-in-error' || e.get('verificationStatus') === 'entered-in-error';
}

/**
 * Creates an entry, or brings an existing one up to `fields`, writing only
 * the keys whose value differs. Writing the same fields twice therefore adds
 * nothing to the document, which is what makes a repeated import a no-op.
 * Keys absent from `fields` are kept (clinical data is never deleted), and an
 * entry marked entered-in-error is never revived by a later write.
 *
 * Works on any chart collection (`conditions`, `allergies`, `encounters`
 * too); callers validate `fields` first. `onCreate` adds nested shared types
 * (a visit's note) to a new entry inside the same transaction.
 */
export function putEntry(
  doc: Y.Doc,
  collectionName: string,
  id: string,
  fields: Record<string, unknown>,
  actor: Actor,
  onCreate?: (entry: Entry) => void
): PutOutcome {
  const map = entries(doc, collectionName);
  const existing = map.get(id);
  if (existing instanceof Y.Map && isEnteredInError(existing)) return 'unchanged';
  let outcome: PutOutcome = 'unchanged';
  doc.transact(() => {
    const now = nowIso();
    if (!(existing instanceof Y.Map)) {
      const e = new Y.Map<unknown>();
      map.set(id, e);
      e.set('id', id);
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) e.set(k, v);
      onCreate?.(e);
      e.set('createdAt', now);
      e.set('createdBy', actor.name);
      e.set('updatedAt', now);
      e.set('updatedBy', actor.name);
      outcome = 'created';
      return;
    }
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined || PROVENANCE_KEYS.includes(k)) continue;
      if (JSON.stringify(existing.get(k)) === JSON.stringify(v)) continue;
      existing.set(k, v);
      outcome = 'updated';
    }
    if (outcome === 'updated') {
      existing.set('updatedAt', now);
      existing.set('updatedBy', actor.name);
    }
  }, 'local');
  return outcome;
}

/**
 * The stored fields of a clinical entry: the input validated, defaults
 * filled, resourceType set. Throws AppError('invalid') with field paths. Bulk
 * writers (FHIR import) call it for every entry before writing any.
 */
export function clinicalFields<C extends ClinicalCollection>(name: C, input: ClinicalInput[C]): Record<string, unknown> {
  const parsed = CLINICAL_SCHEMAS[name].safeParse(input);
  if (!parsed.success) {
    throw new AppError(
      'invalid',
      `The ${name} entry is not valid`,
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
    );
  }
  return { resourceType: CLINICAL_RESOURCE_TYPE[name], ...(parsed.data as Record<string, unknown>) };
}

/** Validates and writes one clinical entry under `id` (created or brought up to date). */
export function putClinical<C extends ClinicalCollection>(
  doc: Y.Doc,
  name: C,
  id: string,
  input: ClinicalInput[C],
  actor: Actor
): PutOutcome {
  const fields = clinicalFields(name, input);
  migrate(doc);
  return putEntry(doc, name, id, fields, actor);
}

/** Adds a new entry made in Outpost; returns its id. */
export function addClinical<C extends ClinicalCollection>(doc: Y.Doc, name: C, input: ClinicalInput[C], actor: Actor): string {
  const id = newId();
  putClinical(doc, name, id, input, actor);
  return id;
}

/**
 * Entries of one collection, oldest first. Each is checked against the
 * collection's schema as it is read: an entry an older or broken client
 * wrote in another shape is left out rather than shown half-formed.
 */
export function listClinical<C extends ClinicalCollection>(doc: Y.Doc, name: C): ClinicalEntry[C][] {
  const out: ClinicalEntry[C][] = [];
  entries(doc, name).forEach((e, id) => {
    if (!(e instanceof Y.Map)) return;
    const parsed = CLINICAL_SCHEMAS[name].safeParse(e.toJSON());
    if (!parsed.success) return;
    out.push({
      ...(parsed.data as object),
      id,
      createdAt: str(e, 'createdAt'),
      createdBy: str(e, 'createdBy'),
      updatedAt: str(e, 'updatedAt'),
      updatedBy: str(e, 'updatedBy'),
      enteredInErrorAt: str(e, 'enteredInErrorAt') || undefined,
      enteredInErrorBy: str(e, 'enteredInErrorBy') || undefined,
      enteredInErrorReason: str(e, 'enteredInErrorReason') || undefined
    } as ClinicalEntry[C]);
  });
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

// Named accessors, for readers that want one collection by name.
export const listObservations = (doc: Y.Doc) => listClinical(doc, 'observations');
export const listMedications = (doc: Y.Doc) => listClinical(doc, 'medications');
export const listImmunizations = (doc: Y.Doc) => listClinical(doc, 'immunizations');
export const listProcedures = (doc: Y.Doc) => listClinical(doc, 'procedures');
export const listReports = (doc: Y.Doc) => listClinical(doc, 'reports');
export const listCarePlans = (doc: Y.Doc) => listClinical(doc, 'carePlans');

export const addObservation = (doc: Y.Doc, input: ClinicalInput['observations'], actor: Actor) => addClinical(doc, 'observations', input, actor);
export const addMedication = (doc: Y.Doc, input: ClinicalInput['medications'], actor: Actor) => addClinical(doc, 'medications', input, actor);
export const addImmunization = (doc: Y.Doc, input: ClinicalInput['immunizations'], actor: Actor) => addClinical(doc, 'immunizations', input, actor);
export const addProcedure = (doc: Y.Doc, input: ClinicalInput['procedures'], actor: Actor) => addClinical(doc, 'procedures', input, actor);
export const addReport = (doc: Y.Doc, input: ClinicalInput['reports'], actor: Actor) => addClinical(doc, 'reports', input, actor);
export const addCarePlan = (doc: Y.Doc, input: ClinicalInput['carePlans'], actor: Actor) => addClinical(doc, 'carePlans', input, actor);
