import * as Y from 'yjs';
import type { Actor, CodeableConcept } from '../domain/chart';
import { AppError } from '../domain/errors';
import { icd10Coding, withIcd10Coding, type Icd10Entry } from '../domain/icd10';
import { nowIso } from './schema';

/**
 * Codes an existing problem with ICD-10-CM: the problem's `code` gets the
 * ICD-10-CM coding beside whatever other codings it has (a SNOMED CT code
 * from an import stays). Kept apart from chart-doc.ts's field edits because
 * it rewrites the whole `code` value, one concept per problem.
 */
export function setConditionIcd10(doc: Y.Doc, conditionId: string, entry: Pick<Icd10Entry, 'code' | 'title'>, actor: Actor): void {
  const e = doc.getMap('conditions').get(conditionId);
  if (!(e instanceof Y.Map)) throw new AppError('not-found', 'That problem is not in this chart');
  if (e.get('verificationStatus') === 'entered-in-error') throw new AppError('conflict', 'This problem was entered in error and cannot be coded');
  const current = e.get('code');
  const concept: CodeableConcept =
    current && typeof current === 'object' && typeof (current as { text?: unknown }).text === 'string' ? (current as CodeableConcept) : { text: '' };
  const next = withIcd10Coding(concept, icd10Coding(entry));
  if (JSON.stringify(next) === JSON.stringify(current)) return;
  doc.transact(() => {
    e.set('code', next);
    e.set('updatedAt', nowIso());
    e.set('updatedBy', actor.name);
  }, 'local');
}
