import { describe, expect, test } from 'vitest';
import { isReferralOverdue, referralDueDate, referralFact, referralTasksToRaise, type ReferralFact } from './referrals';

const SENT = { id: 't1', destinationName: 'Hill Clinic', sentAt: '2026-10-01T09:00:00.000Z' };

describe('referrals are tracked until a reply or a visit closes them', () => {
  test.each<[string, { sourceName: string; receivedAt: string }[], string[], Pick<ReferralFact, 'closedBy' | 'closedAt'>]>([
    ['nothing since', [], [], { closedBy: '', closedAt: '' }],
    ['a reply from the destination', [{ sourceName: 'hill clinic ', receivedAt: '2026-10-20T08:00:00.000Z' }], [], { closedBy: 'reply', closedAt: '2026-10-20T08:00:00.000Z' }],
    ['a record from another clinic is no reply', [{ sourceName: 'Lake Hospital', receivedAt: '2026-10-20T08:00:00.000Z' }], [], { closedBy: '', closedAt: '' }],
    ['a reply received before the referral was sent is no reply', [{ sourceName: 'Hill Clinic', receivedAt: '2026-09-20T08:00:00.000Z' }], [], { closedBy: '', closedAt: '' }],
    ['a visit after sending', [], ['2026-09-01T09:00:00.000Z', '2026-11-02T09:00:00.000Z'], { closedBy: 'visit', closedAt: '2026-11-02T09:00:00.000Z' }],
    ['reply and visit: the first closes it', [{ sourceName: 'Hill Clinic', receivedAt: '2026-11-05T08:00:00.000Z' }], ['2026-11-02T09:00:00.000Z'], { closedBy: 'visit', closedAt: '2026-11-02T09:00:00.000Z' }]
  ])('%s', (_what, replies, visits, expected) => expect(referralFact(SENT, replies, visits)).toEqual({ ...SENT, ...expected }));

  test.each([
    ['2026-10-28', false],
    ['2026-10-29', false],
    ['2026-10-30', true]
  ])('sent 1 October, due 29 October: overdue on %s → %s', (today, overdue) => {
    expect(referralDueDate(SENT.sentAt)).toBe('2026-10-29');
    expect(isReferralOverdue(referralFact(SENT, [], []), today)).toBe(overdue);
  });

  test('an overdue open referral raises one task, with a fixed id; a closed one or one with its task does not', () => {
    const open = referralFact(SENT, [], []);
    const closed = referralFact({ ...SENT, id: 't2' }, [], ['2026-10-10T09:00:00.000Z']);
    const taken = referralFact({ ...SENT, id: 't3' }, [], []);
    const byPatient = new Map([['p1', [open, closed]], ['p2', [taken]]]);
    expect(referralTasksToRaise(byPatient, new Set(['referral-t3']), '2026-12-01')).toEqual([{ id: 'referral-t1', patientId: 'p1', referral: open, dueDate: '2026-10-29' }]);
    expect(referralTasksToRaise(byPatient, new Set(), '2026-10-29')).toEqual([]);
  });
});
