import { z } from 'zod';
import { isUuid } from './doc-names';
import { ROLES, type Role } from './roles';

/**
 * Tasks across patients, in the shape of a FHIR R4 Task: something one
 * person (or anyone holding a role) is asked to do for a patient by a due
 * date, with what prompted it (a result, a registry row, a referral).
 *
 * Kept in the clinic's `tasks:<clinicId>` document (chart/tasks-doc.ts),
 * one Y.Map of flat fields per task, so "My tasks" is one document however
 * many patients the clinic has, the front desk (who books the follow-up but
 * may not open charts) sees its own tasks, and edits made offline on two
 * devices merge field by field like the chart's.
 *
 * Status follows FHIR Task.status (a subset): requested → in-progress →
 * completed, or cancelled; completed and cancelled are final.
 */

export const TASK_STATUSES = ['requested', 'in-progress', 'completed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Clinical tasks (act on a result, review a patient) are closed by clinical staff only; admin tasks (book, call) by anyone. */
export const TASK_CATEGORIES = ['clinical', 'admin'] as const;
export type TaskCategory = (typeof TASK_CATEGORIES)[number];

export const TASK_FOCUS_KINDS = ['none', 'result', 'registry', 'referral', 'message', 'refill-request', 'home-reading', 'intake'] as const;
export type TaskFocusKind = (typeof TASK_FOCUS_KINDS)[number];

/**
 * The clinic inbox: what patients send from their portal (a message, a
 * refill request, a home reading out of range, a completed intake form)
 * arrives as a task with one of these kinds of prompt, raised by the server
 * (server/portal/inbox.ts), never by a staff device. Its states are the
 * task's: requested is "new", in progress, completed is "done".
 */
export const INBOX_FOCUS_KINDS = ['message', 'refill-request', 'home-reading', 'intake'] as const satisfies readonly TaskFocusKind[];
export type InboxFocusKind = (typeof INBOX_FOCUS_KINDS)[number];

export function isInboxTask(task: Pick<Task, 'focus'>): boolean {
  return (INBOX_FOCUS_KINDS as readonly string[]).includes(task.focus.kind);
}

export const TASK_LIMITS = { description: 500, focusLabel: 200, reason: 300 } as const;

/** Moves a task may make (FHIR Task state machine, subset). */
export const TASK_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  requested: ['in-progress', 'completed', 'cancelled'],
  'in-progress': ['requested', 'completed', 'cancelled'],
  completed: [],
  cancelled: []
};

export function canMove(from: TaskStatus, to: TaskStatus): boolean {
  return from === to || TASK_TRANSITIONS[from].includes(to);
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export const taskOwnerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), id: z.string().min(1).max(100), name: z.string().trim().min(1).max(120) }),
  z.object({ kind: z.literal('role'), role: z.enum(ROLES).exclude(['patient']) })
]);
export type TaskOwner = z.infer<typeof taskOwnerSchema>;

export const taskInputSchema = z.object({
  description: z.string().trim().min(1, 'Say what is to be done').max(TASK_LIMITS.description, `At most ${TASK_LIMITS.description} characters`),
  patientId: z.string().refine(isUuid, 'Choose the patient'),
  owner: taskOwnerSchema,
  dueDate: z.string().regex(DATE_RE, 'Give a due date (YYYY-MM-DD)'),
  category: z.enum(TASK_CATEGORIES),
  focus: z
    .object({ kind: z.enum(TASK_FOCUS_KINDS), ref: z.string().max(200).default(''), label: z.string().trim().max(TASK_LIMITS.focusLabel).default('') })
    .default({ kind: 'none', ref: '', label: '' })
});
export type TaskInput = z.input<typeof taskInputSchema>;

export interface Task extends z.output<typeof taskInputSchema> {
  id: string;
  status: TaskStatus;
  statusReason: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
  completedAt: string;
  completedBy: string;
}

/** May someone with these roles close (complete) this task? The server's write policy holds the same rule. */
export function mayComplete(roles: readonly Role[], category: TaskCategory): boolean {
  if (category === 'admin') return true;
  return roles.includes('clinician') || roles.includes('nurse');
}

/** Is the task for this user: named, or for a role they hold. */
export function isMine(task: Pick<Task, 'owner'>, user: { id: string; roles: readonly Role[] }): boolean {
  return task.owner.kind === 'user' ? task.owner.id === user.id : user.roles.includes(task.owner.role);
}

export function isOpen(task: Pick<Task, 'status'>): boolean {
  return task.status === 'requested' || task.status === 'in-progress';
}

export function isOverdue(task: Pick<Task, 'status' | 'dueDate'>, today: string): boolean {
  return isOpen(task) && task.dueDate < today;
}

/** Open tasks for the user, overdue first, then by due date, then oldest first. */
export function myTasks<T extends Task>(tasks: readonly T[], user: { id: string; roles: readonly Role[] }): T[] {
  return tasks.filter((t) => isOpen(t) && isMine(t, user)).sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/** The FHIR R4 Task resource of a task (the read API serves it). */
export function taskToFhir(t: Task): Record<string, unknown> {
  return {
    resourceType: 'Task',
    id: t.id,
    status: t.status,
    ...(t.statusReason ? { statusReason: { text: t.statusReason } } : {}),
    intent: 'order',
    code: { text: t.category === 'clinical' ? 'Clinical task' : 'Administrative task' },
    description: t.description,
    for: { reference: `Patient/${t.patientId}` },
    ...(t.focus.kind !== 'none' ? { focus: { display: t.focus.label || t.focus.kind, ...(t.focus.kind === 'result' && t.focus.ref ? { reference: `Observation/${t.focus.ref}` } : {}) } } : {}),
    authoredOn: t.createdAt,
    lastModified: t.updatedAt || t.createdAt,
    requester: { display: t.createdBy },
    owner: t.owner.kind === 'user' ? { reference: `Practitioner/${t.owner.id}`, display: t.owner.name } : { display: t.owner.role },
    restriction: { period: { end: t.dueDate } }
  };
}
