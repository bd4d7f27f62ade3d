import * as Y from 'yjs';
import type { Actor } from '../domain/chart';
import { AppError } from '../domain/errors';
import { nowIso } from './schema';

/**
 * Marks a lab result reviewed: who and when, written on the observation
 * itself (`reviewedAt`, `reviewedBy`, `reviewedById`) so the review syncs
 * with the result and travels with the chart. Set once: the server refuses
 * a change to a recorded review (server/policy/rules/lab-results.ts) and
 * refuses a review by anyone but a clinician.
 */
export function markResultReviewed(doc: Y.Doc, observationId: string, actor: Actor, now: string = nowIso()): void {
  const e = doc.getMap('observations').get(observationId);
  if (!(e instanceof Y.Map)) throw new AppError('not-found', 'That result is not in this chart');
  if (e.get('status') === 'entered-in-error') throw new AppError('invalid', 'That result was entered in error');
  if (typeof e.get('reviewedAt') === 'string') return;
  doc.transact(() => {
    e.set('reviewedAt', now);
    e.set('reviewedBy', actor.name);
    e.set('reviewedById', actor.id);
    e.set('updatedAt', now);
    e.set('updatedBy', actor.name);
  }, 'local');
}
