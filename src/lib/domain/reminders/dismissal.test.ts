import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { dismissReminder, listDismissals, withdrawDismissal } from '../../chart/reminder-doc';
import { applyDismissals, type Dismissal, type Reminder } from './index';

/**
 * Setting reminders aside: a dismissal holds until its `until` (a year
 * after it was made) or until someone withdraws it; the newest dismissal of
 * a reminder is the one shown, with who and when; a rule that could not be
 * evaluated is never hidden; what stays is ordered most urgent first.
 */

const NOW = '2026-12-01T10:00:00.000Z';
const source = { citation: 'test' };
const due = (id: string, level: 'info' | 'warn' | 'danger'): Reminder => ({ id, category: 'preventive', title: id, source, status: 'due', level, overdue: false, detail: '' });
const ordered = (id: string): Reminder => ({ id, category: 'preventive', title: id, source, status: 'ordered', detail: '', orderId: 'o1' });
const unjudged = (id: string): Reminder => ({ id, category: 'preventive', title: id, source, status: 'not-evaluated', reason: 'Birth date unknown' });
const dismissal = (reminderId: string, over: Partial<Dismissal> = {}): Dismissal => ({
  id: `d-${reminderId}`,
  reminderId,
  reason: 'Done at another clinic',
  dismissedBy: 'Dr. A',
  dismissedAt: '2026-06-01T09:00:00.000Z',
  until: '2027-06-01T09:00:00.000Z',
  status: 'active',
  ...over
});

describe('which dismissal holds', () => {
  test('it holds until the instant of its `until`, and not at that instant', () => {
    const r = [due('uspstf-hiv', 'info')];
    expect(applyDismissals(r, [dismissal('uspstf-hiv', { until: '2026-12-01T10:00:00.001Z' })], NOW).dismissed).toHaveLength(1);
    const lapsed = applyDismissals(r, [dismissal('uspstf-hiv', { until: NOW })], NOW);
    expect(lapsed.dismissed).toEqual([]);
    expect(lapsed.active.map((x) => x.id)).toEqual(['uspstf-hiv']);
  });

  test('a withdrawn dismissal does not hold', () => {
    const view = applyDismissals([due('uspstf-hiv', 'info')], [dismissal('uspstf-hiv', { status: 'withdrawn' })], NOW);
    expect(view.active.map((x) => x.id)).toEqual(['uspstf-hiv']);
  });

  test('a dismissal of another reminder does not hold', () => {
    const view = applyDismissals([due('uspstf-hiv', 'info')], [dismissal('uspstf-hepatitis-c')], NOW);
    expect(view.active.map((x) => x.id)).toEqual(['uspstf-hiv']);
    expect(view.dismissed).toEqual([]);
  });

  test('of several, the newest is shown with its reason, who and when, whatever order they come in', () => {
    const older = dismissal('uspstf-hiv', { id: 'd1', reason: 'Declined', dismissedBy: 'Dr. A', dismissedAt: '2026-01-10T09:00:00.000Z', until: '2027-01-10T09:00:00.000Z' });
    const newer = dismissal('uspstf-hiv', { id: 'd2', reason: 'Tested elsewhere in May', dismissedBy: 'Dr. B', dismissedAt: '2026-06-01T09:00:00.000Z', until: '2027-06-01T09:00:00.000Z' });
    const r = due('uspstf-hiv', 'info');
    for (const list of [
      [older, newer],
      [newer, older]
    ]) {
      expect(applyDismissals([r], list, NOW)).toEqual({ active: [], notEvaluated: [], dismissed: [{ reminder: r, dismissal: newer }] });
    }
  });

  test('a newer dismissal that was withdrawn leaves the older one holding', () => {
    const older = dismissal('uspstf-hiv', { id: 'd1', dismissedAt: '2026-01-10T09:00:00.000Z', until: '2027-01-10T09:00:00.000Z' });
    const withdrawn = dismissal('uspstf-hiv', { id: 'd2', dismissedAt: '2026-06-01T09:00:00.000Z', status: 'withdrawn' });
    expect(applyDismissals([due('uspstf-hiv', 'info')], [withdrawn, older], NOW).dismissed.map((d) => d.dismissal.id)).toEqual(['d1']);
  });

  test('an ordered reminder can be set aside too', () => {
    expect(applyDismissals([ordered('uspstf-colorectal-cancer')], [dismissal('uspstf-colorectal-cancer')], NOW).dismissed).toHaveLength(1);
  });

  test('a rule that could not be evaluated is never hidden by a dismissal', () => {
    const view = applyDismissals([unjudged('uspstf-breast-cancer')], [dismissal('uspstf-breast-cancer')], NOW);
    expect(view).toEqual({ active: [], notEvaluated: [unjudged('uspstf-breast-cancer')], dismissed: [] });
  });
});

describe('order of what stays', () => {
  test('danger, then warn, then info, then ordered; the chart order kept within each', () => {
    const view = applyDismissals(
      [ordered('o-1'), due('info-1', 'info'), due('warn-1', 'warn'), ordered('o-2'), due('danger-1', 'danger'), due('info-2', 'info'), due('warn-2', 'warn'), due('danger-2', 'danger')],
      [],
      NOW
    );
    expect(view.active.map((r) => r.id)).toEqual(['danger-1', 'danger-2', 'warn-1', 'warn-2', 'info-1', 'info-2', 'o-1', 'o-2']);
  });
});

describe('a dismissal made in the chart lapses after one year', () => {
  test('set aside on 1 December 2026 at 10:00 until 1 December 2027 at 10:00, shown again from then; withdrawing brings it back at once', () => {
    const doc = new Y.Doc();
    const id = dismissReminder(doc, 'uspstf-hiv', 'Tested at another clinic in March', { id: 'u1', name: 'Dr. Test' }, NOW);
    const reminders = [due('uspstf-hiv', 'info')];

    const dayBefore = applyDismissals(reminders, listDismissals(doc), '2027-11-30T10:00:00.000Z');
    expect(dayBefore.dismissed).toEqual([
      {
        reminder: reminders[0],
        dismissal: { id, reminderId: 'uspstf-hiv', reason: 'Tested at another clinic in March', dismissedBy: 'Dr. Test', dismissedAt: NOW, until: '2027-12-01T10:00:00.000Z', status: 'active' }
      }
    ]);
    expect(applyDismissals(reminders, listDismissals(doc), '2027-12-01T09:59:59.999Z').active).toEqual([]);
    expect(applyDismissals(reminders, listDismissals(doc), '2027-12-01T10:00:00.000Z').active.map((r) => r.id)).toEqual(['uspstf-hiv']);

    withdrawDismissal(doc, id, { id: 'u2', name: 'Dr. Other' });
    expect(applyDismissals(reminders, listDismissals(doc), '2027-01-01T10:00:00.000Z').active.map((r) => r.id)).toEqual(['uspstf-hiv']);
  });
});
