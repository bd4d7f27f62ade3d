import { describe, expect, test } from 'vitest';
import { canMove, isOverdue, mayComplete, myTasks, taskInputSchema, taskToFhir, TASK_STATUSES, type Task, type TaskStatus } from './tasks';

const PATIENT = '4384bf23-1dc3-48ca-8c84-89fbaff201ae';
function task(id: string, extra: Partial<Task> = {}): Task {
  return {
    id,
    description: `Task ${id}`,
    patientId: PATIENT,
    owner: { kind: 'role', role: 'nurse' },
    dueDate: '2026-12-10',
    category: 'clinical',
    focus: { kind: 'none', ref: '', label: '' },
    status: 'requested',
    statusReason: '',
    createdAt: '2026-12-01T09:00:00.000Z',
    createdBy: 'Dr A',
    updatedAt: '',
    updatedBy: '',
    completedAt: '',
    completedBy: '',
    ...extra
  };
}

describe('task status moves (FHIR Task subset)', () => {
  const allowed: Record<TaskStatus, TaskStatus[]> = {
    requested: ['requested', 'in-progress', 'completed', 'cancelled'],
    'in-progress': ['requested', 'in-progress', 'completed', 'cancelled'],
    completed: ['completed'],
    cancelled: ['cancelled']
  };
  test.each(TASK_STATUSES.flatMap((from) => TASK_STATUSES.map((to) => [from, to, allowed[from].includes(to)] as const)))('%s → %s: %s', (from, to, ok) => expect(canMove(from, to)).toBe(ok));
});

describe('who closes a task', () => {
  test.each([
    [['frontdesk'], 'admin', true],
    [['frontdesk'], 'clinical', false],
    [['nurse'], 'clinical', true],
    [['clinician'], 'clinical', true],
    [['admin'], 'clinical', false]
  ] as const)('%j closing a %s task: %s', (roles, category, ok) => expect(mayComplete(roles, category)).toBe(ok));
});

describe('My tasks', () => {
  const me = { id: 'u-nurse', roles: ['nurse'] as const };
  const list = [
    task('later', { dueDate: '2026-12-20' }),
    task('overdue', { dueDate: '2026-11-20' }),
    task('named', { dueDate: '2026-12-05', owner: { kind: 'user', id: 'u-nurse', name: 'Nurse N' } }),
    task('someone-else', { dueDate: '2026-11-01', owner: { kind: 'user', id: 'u-other', name: 'Nurse O' } }),
    task('for-desk', { dueDate: '2026-11-01', owner: { kind: 'role', role: 'frontdesk' } }),
    task('done', { dueDate: '2026-11-01', status: 'completed' })
  ];
  test('open tasks for me or my role, overdue first', () => {
    expect(myTasks(list, me).map((t) => t.id)).toEqual(['overdue', 'named', 'later']);
    expect(isOverdue(list[1], '2026-12-01')).toBe(true);
    expect(isOverdue(list[0], '2026-12-01')).toBe(false);
    expect(isOverdue(list[5], '2026-12-01')).toBe(false);
  });
});

describe('task input', () => {
  const good = { description: 'Call back', patientId: PATIENT, owner: { kind: 'role', role: 'frontdesk' }, dueDate: '2026-12-10', category: 'admin' };
  test('a well-formed task passes (positive control)', () => expect(taskInputSchema.safeParse(good).success).toBe(true));
  test.each([
    ['no description', { description: ' ' }],
    ['a patient role as owner', { owner: { kind: 'role', role: 'patient' } }],
    ['a date that is not one', { dueDate: '10/12/2026' }],
    ['no patient', { patientId: '' }]
  ])('refuses %s', (_what, extra) => expect(taskInputSchema.safeParse({ ...good, ...extra }).success).toBe(false));
});

test('a task as a FHIR R4 Task resource', () => {
  expect(taskToFhir(task('t1', { focus: { kind: 'result', ref: 'obs-1', label: 'HbA1c 9.4 %' } }))).toEqual({
    resourceType: 'Task',
    id: 't1',
    status: 'requested',
    intent: 'order',
    code: { text: 'Clinical task' },
    description: 'Task t1',
    for: { reference: `Patient/${PATIENT}` },
    focus: { display: 'HbA1c 9.4 %', reference: 'Observation/obs-1' },
    authoredOn: '2026-12-01T09:00:00.000Z',
    lastModified: '2026-12-01T09:00:00.000Z',
    requester: { display: 'Dr A' },
    owner: { display: 'nurse' },
    restriction: { period: { end: '2026-12-10' } }
  });
});
