import { describe, expect, it } from 'vitest';
import { inboxItems, newInboxCount, type InboxFilter } from './inbox';
import type { Task } from './tasks';

const me = { id: 'u-me', roles: ['nurse'] as const };
function task(id: string, over: Partial<Task>): Task {
  return {
    id,
    description: 'New message from the patient',
    patientId: 'p1',
    owner: { kind: 'role', role: 'clinician' },
    dueDate: '2026-12-06',
    category: 'clinical',
    focus: { kind: 'message', ref: `t-${id}`, label: 'Patient message' },
    status: 'requested',
    statusReason: '',
    createdAt: `2026-12-06T0${id.length}:00:00.000Z`,
    createdBy: 'Patient',
    updatedAt: '',
    updatedBy: '',
    completedAt: '',
    completedBy: '',
    ...over
  };
}

const TASKS: Task[] = [
  task('a', { owner: { kind: 'role', role: 'nurse' } }),
  task('bb', { owner: { kind: 'user', id: 'u-me', name: 'Me' }, focus: { kind: 'refill-request', ref: 'r1', label: '' }, status: 'in-progress' }),
  task('ccc', { owner: { kind: 'role', role: 'clinician' } }),
  task('dddd', { owner: { kind: 'role', role: 'nurse' }, status: 'completed', updatedAt: '2026-12-06T10:00:00.000Z' }),
  task('eeeee', { owner: { kind: 'role', role: 'nurse' }, focus: { kind: 'none', ref: '', label: '' } })
];
const ids = (f: Partial<InboxFilter>) => inboxItems(TASKS, { kind: 'all', state: 'open', who: 'mine', ...f }, me).map((t) => t.id);

describe('inbox filters', () => {
  it('lists inbox tasks only, new before in progress, for me or my role by default', () => {
    expect(ids({})).toEqual(['a', 'bb']);
  });
  it('filters by whom: named me, my role, anyone', () => {
    expect(ids({ who: 'me' })).toEqual(['bb']);
    expect(ids({ who: 'role' })).toEqual(['a']);
    expect(ids({ who: 'anyone' })).toEqual(['a', 'ccc', 'bb']);
  });
  it('filters by state and kind', () => {
    expect(ids({ state: 'new', who: 'anyone' })).toEqual(['a', 'ccc']);
    expect(ids({ state: 'in-progress', who: 'anyone' })).toEqual(['bb']);
    expect(ids({ state: 'done', who: 'anyone' })).toEqual(['dddd']);
    expect(ids({ state: 'all', who: 'anyone' })).toEqual(['a', 'ccc', 'bb', 'dddd']);
    expect(ids({ kind: 'refill-request', who: 'anyone' })).toEqual(['bb']);
  });
  it('counts new items for me or my role (the header count)', () => {
    expect(newInboxCount(TASKS, me)).toBe(1);
    expect(newInboxCount(TASKS, { id: 'u-doc', roles: ['clinician'] })).toBe(1);
    expect(newInboxCount(TASKS, { id: 'u-desk', roles: ['frontdesk'] })).toBe(0);
  });
});
