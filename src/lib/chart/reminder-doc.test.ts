import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { dismissReminder, listDismissals, withdrawDismissal } from './reminder-doc';

const actor = { id: 'u1', name: 'Dr. Test' };

describe('reminder dismissals in a chart document', () => {
  it('records reason, who, when and a year until it lapses', () => {
    const doc = new Y.Doc();
    const id = dismissReminder(doc, 'uspstf-hiv', '  Tested at another clinic in March  ', actor, '2026-12-01T10:00:00.000Z');
    expect(listDismissals(doc)).toEqual([
      { id, reminderId: 'uspstf-hiv', reason: 'Tested at another clinic in March', dismissedBy: 'Dr. Test', dismissedAt: '2026-12-01T10:00:00.000Z', until: '2027-12-01T10:00:00.000Z', status: 'active' }
    ]);
  });

  it('refuses a dismissal without a real reason', () => {
    expect(() => dismissReminder(new Y.Doc(), 'uspstf-hiv', 'no', actor)).toThrow('Say why the reminder is dismissed');
  });

  it('withdrawing keeps the dismissal, marked withdrawn, and syncs', () => {
    const doc = new Y.Doc();
    const id = dismissReminder(doc, 'cdc-influenza', 'Declined this season', actor);
    withdrawDismissal(doc, id, actor);
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
    expect(listDismissals(other)).toMatchObject([{ id, status: 'withdrawn', reason: 'Declined this season' }]);
  });
});
