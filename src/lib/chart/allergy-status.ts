import * as Y from 'yjs';
import { addAllergy } from './chart-doc';
import type { Actor, AllergyInput } from '../domain/chart';
import type { NoKnownAllergiesStatement } from '../domain/allergy-status';
import { AppError } from '../domain/errors';
import { migrate, newId, nowIso, str } from './schema';

/**
 * "No known allergies" statements in a `chart:` document: a top-level Y.Map
 * `allergyStatements`, one Y.Map per statement, never deleted (ending one
 * sets endedAt/endedBy/endedReason). Kept apart from `allergies` so nothing
 * that reads allergies (drug checks, FHIR export of allergies) mistakes the
 * statement for an allergy. See domain/allergy-status.ts for the rules.
 */

type Entry = Y.Map<unknown>;

function statements(doc: Y.Doc): Y.Map<Entry> {
  return doc.getMap('allergyStatements') as Y.Map<Entry>;
}

export function listNoKnownAllergyStatements(doc: Y.Doc): NoKnownAllergiesStatement[] {
  const out: NoKnownAllergiesStatement[] = [];
  statements(doc).forEach((e, id) => {
    if (!(e instanceof Y.Map) || !str(e, 'recordedAt')) return;
    out.push({
      id,
      recordedAt: str(e, 'recordedAt'),
      recordedBy: str(e, 'recordedBy'),
      endedAt: str(e, 'endedAt') || undefined,
      endedBy: str(e, 'endedBy') || undefined,
      endedReason: str(e, 'endedReason') || undefined
    });
  });
  return out.sort((a, b) => a.recordedAt.localeCompare(b.recordedAt) || a.id.localeCompare(b.id));
}

/**
 * Records that the patient was asked and has no known allergies. Refused
 * while a current allergy is recorded: the allergy must be ended or marked
 * in error first, so the chart never says both at once by one person's hand.
 */
export function recordNoKnownAllergies(doc: Y.Doc, actor: Actor, currentAllergyCount: number, at: string = nowIso()): string {
  if (currentAllergyCount > 0) {
    throw new AppError('conflict', 'An allergy is recorded; resolve or mark it entered in error before stating “no known allergies”');
  }
  migrate(doc);
  const id = newId();
  doc.transact(() => {
    endOpenStatements(doc, actor, 'Stated again');
    const e = new Y.Map<unknown>();
    statements(doc).set(id, e);
    e.set('id', id);
    e.set('recordedAt', at);
    e.set('recordedBy', actor.name);
    e.set('recordedById', actor.id);
  }, 'local');
  return id;
}

/** Ends every open statement (an allergy was recorded, or a clinician withdrew it). */
export function endNoKnownAllergies(doc: Y.Doc, actor: Actor, reason: string): void {
  doc.transact(() => endOpenStatements(doc, actor, reason), 'local');
}

function endOpenStatements(doc: Y.Doc, actor: Actor, reason: string): void {
  const now = nowIso();
  statements(doc).forEach((e) => {
    if (!(e instanceof Y.Map) || str(e, 'endedAt')) return;
    e.set('endedAt', now);
    e.set('endedBy', actor.name);
    e.set('endedReason', reason.trim().slice(0, 200));
  });
}

/** Records an allergy and, in the same transaction, ends any "no known allergies" statement. */
export function recordAllergy(doc: Y.Doc, input: AllergyInput, actor: Actor): string {
  let id = '';
  doc.transact(() => {
    id = addAllergy(doc, input, actor);
    endOpenStatements(doc, actor, 'Allergy recorded');
  }, 'local');
  return id;
}
