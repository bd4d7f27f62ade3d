import * as Y from 'yjs';
import type { Actor } from '../domain/chart';
import { AppError } from '../domain/errors';
import { DISMISS_DAYS, MIN_DISMISS_REASON, type Dismissal } from '../domain/reminders';
import { migrate, newId, nowIso, str } from './schema';

/**
 * Reminder dismissals in the chart's `reminderDismissals` map: one Y.Map per
 * dismissal, with the reminder it sets aside, the reason, who and when.
 * Kept, never deleted: reinstating a reminder marks the dismissal
 * withdrawn, so the record shows who set it aside and who brought it back.
 */

type Entry = Y.Map<unknown>;
export const REMINDER_DISMISSALS = 'reminderDismissals';

function dismissals(doc: Y.Doc): Y.Map<Entry> {
  return doc.getMap(REMINDER_DISMISSALS) as Y.Map<Entry>;
}

/** Sets a reminder aside for DISMISS_DAYS with a reason; returns the dismissal id. */
export function dismissReminder(doc: Y.Doc, reminderId: string, reason: string, actor: Actor, now: string = nowIso()): string {
  const why = reason.trim();
  if (!reminderId) throw new AppError('invalid', 'No reminder to dismiss');
  if (why.length < MIN_DISMISS_REASON) {
    throw new AppError('invalid', 'Say why the reminder is dismissed', [{ path: 'reason', message: `At least ${MIN_DISMISS_REASON} characters` }]);
  }
  const id = newId();
  const until = new Date(Date.parse(now) + DISMISS_DAYS * 86_400_000).toISOString();
  migrate(doc);
  doc.transact(() => {
    const e = new Y.Map<unknown>();
    dismissals(doc).set(id, e);
    e.set('id', id);
    e.set('reminderId', reminderId.slice(0, 200));
    e.set('reason', why.slice(0, 500));
    e.set('dismissedAt', now);
    e.set('dismissedBy', actor.name);
    e.set('dismissedById', actor.id);
    e.set('until', until);
    e.set('status', 'active');
    e.set('createdAt', now);
    e.set('createdBy', actor.name);
    e.set('updatedAt', now);
    e.set('updatedBy', actor.name);
  }, 'local');
  return id;
}

/** Brings a dismissed reminder back; the dismissal stays in the record, withdrawn. */
export function withdrawDismissal(doc: Y.Doc, id: string, actor: Actor): void {
  const e = dismissals(doc).get(id);
  if (!(e instanceof Y.Map)) throw new AppError('not-found', 'That dismissal is not in this chart');
  if (e.get('status') === 'withdrawn') return;
  doc.transact(() => {
    const now = nowIso();
    e.set('status', 'withdrawn');
    e.set('withdrawnAt', now);
    e.set('withdrawnBy', actor.name);
    e.set('updatedAt', now);
    e.set('updatedBy', actor.name);
  }, 'local');
}

/** Every dismissal in the chart, newest first; entries missing the reminder or the time are left out. */
export function listDismissals(doc: Y.Doc): Dismissal[] {
  const out: Dismissal[] = [];
  dismissals(doc).forEach((e, id) => {
    if (!(e instanceof Y.Map)) return;
    const reminderId = str(e, 'reminderId');
    const dismissedAt = str(e, 'dismissedAt');
    if (!reminderId || !dismissedAt) return;
    out.push({
      id,
      reminderId,
      reason: str(e, 'reason'),
      dismissedBy: str(e, 'dismissedBy'),
      dismissedAt,
      until: str(e, 'until'),
      status: e.get('status') === 'withdrawn' ? 'withdrawn' : 'active'
    });
  });
  return out.sort((a, b) => b.dismissedAt.localeCompare(a.dismissedAt));
}
