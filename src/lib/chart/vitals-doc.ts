import * as Y from 'yjs';
import type { Actor } from '../domain/chart';
import { AppError } from '../domain/errors';
import { vitalsInputSchema, vitalsObservations, type VitalsInput } from '../domain/vitals';
import { clinicalFields, putEntry } from './clinical-doc';
import { migrate, newId, nowIso } from './schema';

/**
 * Writes for vital signs taken in Outpost: a set recorded at the bedside
 * becomes FHIR Observations in the chart's `observations` collection (see
 * domain/vitals.ts for codes and units), and a mistaken entry is marked
 * entered-in-error, never deleted. Plain Yjs writes, so they work offline
 * and sync like every other chart edit.
 */

/**
 * Records one set of vitals taken at `at` (default now) by `actor`, in one
 * transaction so another device sees the whole set or none of it. Returns the
 * ids of the Observations written. Throws AppError('invalid') with field paths.
 */
export function recordVitals(doc: Y.Doc, input: VitalsInput, actor: Actor, at: string = nowIso()): string[] {
  const parsed = vitalsInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError(
      'invalid',
      parsed.error.issues.find((i) => i.path.length === 0)?.message ?? 'Some vital signs are not valid',
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
    );
  }
  // FHIR Observation.performer; the chart schema keeps the name in createdBy too.
  const performer = [{ display: actor.name }];
  const writes = vitalsObservations(parsed.data, at).map((o) => ({ id: newId(), fields: { ...clinicalFields('observations', o), performer } }));
  migrate(doc);
  doc.transact(() => {
    for (const w of writes) putEntry(doc, 'observations', w.id, w.fields, actor);
  }, 'local');
  return writes.map((w) => w.id);
}

/**
 * Marks Observations as recorded by mistake (status entered-in-error, with
 * who, when and why). Vitals recorded together are marked together.
 */
export function markObservationsEnteredInError(doc: Y.Doc, ids: string[], reason: string, actor: Actor): void {
  const why = reason.trim();
  if (!why) throw new AppError('invalid', 'Say why the entry was recorded in error', [{ path: 'reason', message: 'Required' }]);
  const map = doc.getMap('observations');
  const entries = ids.map((id) => map.get(id));
  if (entries.length === 0 || entries.some((e) => !(e instanceof Y.Map))) throw new AppError('not-found', 'That entry is not in this chart');
  doc.transact(() => {
    const now = nowIso();
    for (const e of entries as Y.Map<unknown>[]) {
      e.set('status', 'entered-in-error');
      e.set('enteredInErrorAt', now);
      e.set('enteredInErrorBy', actor.name);
      e.set('enteredInErrorReason', why.slice(0, 500));
      e.set('updatedAt', now);
      e.set('updatedBy', actor.name);
    }
  }, 'local');
}
