import * as Y from 'yjs';
import {
  GENDERS,
  patientChangesSchema,
  patientInputSchema,
  type Gender,
  type PatientChanges,
  type PatientInput,
  type PatientRecord
} from '../domain/patient';
import type { Actor } from '../domain/chart';
import { AppError } from '../domain/errors';
import { metaOf, migrate, nowIso, str, SCHEMA_VERSION } from './schema';

/**
 * Typed access to a `patient:<uuid>` document (demographics). Fields are
 * flat keys of the `patient` map so that two people editing different
 * fields while apart both keep their edit.
 */
export function patientMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap('patient');
}

function invalid(err: { issues: { path: PropertyKey[]; message: string }[] }): AppError {
  return new AppError(
    'invalid',
    'Some patient details are not valid',
    err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
  );
}

/** Fills a new patient document. Throws AppError('invalid') for bad input. */
export function initPatientDoc(doc: Y.Doc, id: string, input: PatientInput, actor: Actor, mrn: string): void {
  const parsed = patientInputSchema.safeParse(input);
  if (!parsed.success) throw invalid(parsed.error);
  const now = nowIso();
  doc.transact(() => {
    const meta = metaOf(doc);
    meta.set('schemaVersion', SCHEMA_VERSION);
    meta.set('kind', 'patient');
    meta.set('patientId', id);
    const p = patientMap(doc);
    p.set('resourceType', 'Patient');
    p.set('id', id);
    for (const [k, v] of Object.entries(parsed.data)) if (v !== undefined) p.set(k, v);
    p.set('mrn', parsed.data.mrn || mrn);
    p.set('createdAt', now);
    p.set('createdBy', actor.name);
    p.set('updatedAt', now);
    p.set('updatedBy', actor.name);
  }, 'local');
}

/** Applies changed demographics; only keys whose value differs are written. */
export function updatePatient(doc: Y.Doc, changes: PatientChanges, actor: Actor): void {
  const parsed = patientChangesSchema.safeParse(changes);
  if (!parsed.success) throw invalid(parsed.error);
  migrate(doc);
  const p = patientMap(doc);
  doc.transact(() => {
    let changed = false;
    for (const [k, v] of Object.entries(parsed.data)) {
      if (v === undefined) continue;
      if (JSON.stringify(p.get(k)) === JSON.stringify(v)) continue;
      p.set(k, v);
      changed = true;
    }
    if (changed) {
      p.set('updatedAt', nowIso());
      p.set('updatedBy', actor.name);
    }
  }, 'local');
}

/** Reads demographics; null when the document has none yet (not synced). */
export function readPatient(doc: Y.Doc): PatientRecord | null {
  const p = patientMap(doc);
  const id = str(p, 'id');
  if (!id) return null;
  const given = p.get('given');
  const gender = str(p, 'gender', 'unknown');
  return {
    id,
    family: str(p, 'family'),
    given: Array.isArray(given) ? given.filter((g): g is string => typeof g === 'string') : [],
    birthDate: str(p, 'birthDate'),
    gender: (GENDERS as readonly string[]).includes(gender) ? (gender as Gender) : 'unknown',
    mrn: str(p, 'mrn'),
    phone: str(p, 'phone'),
    email: str(p, 'email'),
    addressLine: str(p, 'addressLine'),
    city: str(p, 'city'),
    postalCode: str(p, 'postalCode'),
    deceasedDate: str(p, 'deceasedDate'),
    createdAt: str(p, 'createdAt'),
    createdBy: str(p, 'createdBy'),
    updatedAt: str(p, 'updatedAt'),
    updatedBy: str(p, 'updatedBy')
  };
}
