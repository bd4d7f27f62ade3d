import * as Y from 'yjs';
import type { Actor } from '../domain/chart';
import { AppError } from '../domain/errors';
import { canMove, TASK_CATEGORIES, TASK_FOCUS_KINDS, TASK_LIMITS, TASK_STATUSES, taskInputSchema, taskOwnerSchema, type Task, type TaskInput, type TaskStatus } from '../domain/tasks';
import { metaOf, migrate, newId, nowIso, str, SCHEMA_VERSION } from './schema';

/**
 * Typed access to a clinic's `tasks:<clinicId>` document (domain/tasks.ts
 * says why tasks live in one clinic document). Each task is a Y.Map of flat
 * fields in the `tasks` map, keyed by id: two devices that change different
 * fields of one task offline both keep their change; the same field, the
 * later write wins, as in the chart. A task is never deleted: it is
 * completed or cancelled.
 */

type Entry = Y.Map<unknown>;

function tasksOf(doc: Y.Doc): Y.Map<Entry> {
  return doc.getMap('tasks') as Y.Map<Entry>;
}

export function initTasksDoc(doc: Y.Doc, clinicId: string): void {
  doc.transact(() => {
    const meta = metaOf(doc);
    if (meta.get('schemaVersion') === undefined) meta.set('schemaVersion', SCHEMA_VERSION);
    meta.set('kind', 'tasks');
    meta.set('clinicId', clinicId);
  }, 'local');
}

export function isTasksDoc(doc: Y.Doc): boolean {
  return metaOf(doc).get('kind') === 'tasks';
}

function invalid(err: { issues: { path: PropertyKey[]; message: string }[] }): AppError {
  return new AppError('invalid', 'The task is not complete', err.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })));
}

/** Adds a task (status requested); returns its id. */
export function addTask(doc: Y.Doc, input: TaskInput, actor: Actor, id: string = newId()): string {
  const parsed = taskInputSchema.safeParse(input);
  if (!parsed.success) throw invalid(parsed.error);
  const t = parsed.data;
  const now = nowIso();
  migrate(doc);
  doc.transact(() => {
    const e = new Y.Map<unknown>();
    tasksOf(doc).set(id, e);
    e.set('id', id);
    e.set('description', t.description);
    e.set('patientId', t.patientId);
    e.set('ownerKind', t.owner.kind);
    if (t.owner.kind === 'user') {
      e.set('ownerId', t.owner.id);
      e.set('ownerName', t.owner.name);
    } else {
      e.set('ownerRole', t.owner.role);
    }
    e.set('dueDate', t.dueDate);
    e.set('category', t.category);
    e.set('focusKind', t.focus.kind);
    if (t.focus.ref) e.set('focusRef', t.focus.ref);
    if (t.focus.label) e.set('focusLabel', t.focus.label);
    e.set('status', 'requested');
    e.set('createdAt', now);
    e.set('createdBy', actor.name);
    e.set('createdById', actor.id);
    stamp(e, actor, now);
  }, 'local');
  return id;
}

/** Moves a task on (in progress, completed, cancelled with a reason). */
export function setTaskStatus(doc: Y.Doc, id: string, status: TaskStatus, actor: Actor, reason = ''): void {
  const e = tasksOf(doc).get(id);
  if (!(e instanceof Y.Map)) throw new AppError('not-found', 'This task is not on this device');
  const from = readTask(e, id)?.status ?? 'requested';
  if (from === status) return;
  if (!canMove(from, status)) throw new AppError('conflict', `This task is already ${from} and cannot be reopened`);
  if (status === 'cancelled' && !reason.trim()) throw new AppError('invalid', 'Say why the task is cancelled', [{ path: 'reason', message: 'Give a reason' }]);
  const now = nowIso();
  doc.transact(() => {
    e.set('status', status);
    if (status === 'cancelled') e.set('statusReason', reason.trim().slice(0, TASK_LIMITS.reason));
    if (status === 'completed') {
      e.set('completedAt', now);
      e.set('completedBy', actor.name);
      e.set('completedById', actor.id);
    }
    stamp(e, actor, now);
  }, 'local');
}

/** Gives an open task to a person or to everyone holding a role (the fields of the other kind of owner stay, unread: nothing recorded is removed). */
export function assignTask(doc: Y.Doc, id: string, owner: TaskInput['owner'], actor: Actor): void {
  const e = tasksOf(doc).get(id);
  if (!(e instanceof Y.Map)) throw new AppError('not-found', 'This task is not on this device');
  const parsed = taskOwnerSchema.safeParse(owner);
  if (!parsed.success) throw new AppError('invalid', 'Choose a person or a role', [{ path: 'owner', message: 'Choose a person or a role' }]);
  const status = readTask(e, id)?.status ?? 'requested';
  if (status === 'completed' || status === 'cancelled') throw new AppError('conflict', `This task is already ${status} and is not reassigned`);
  const o = parsed.data;
  const now = nowIso();
  doc.transact(() => {
    e.set('ownerKind', o.kind);
    if (o.kind === 'user') {
      e.set('ownerId', o.id);
      e.set('ownerName', o.name);
    } else {
      e.set('ownerRole', o.role);
    }
    stamp(e, actor, now);
  }, 'local');
}

function stamp(e: Entry, actor: Actor, now: string): void {
  e.set('updatedAt', now);
  e.set('updatedBy', actor.name);
  e.set('updatedById', actor.id);
}

function readTask(e: Entry, id: string): Task | null {
  const owner = taskOwnerSchema.safeParse(str(e, 'ownerKind') === 'user' ? { kind: 'user', id: str(e, 'ownerId'), name: str(e, 'ownerName') } : { kind: 'role', role: str(e, 'ownerRole') });
  const status = str(e, 'status');
  const category = str(e, 'category');
  const focusKind = str(e, 'focusKind', 'none');
  if (!owner.success || !(TASK_STATUSES as readonly string[]).includes(status) || !(TASK_CATEGORIES as readonly string[]).includes(category)) return null;
  return {
    id,
    description: str(e, 'description'),
    patientId: str(e, 'patientId'),
    owner: owner.data,
    dueDate: str(e, 'dueDate'),
    category: category as Task['category'],
    focus: { kind: (TASK_FOCUS_KINDS as readonly string[]).includes(focusKind) ? (focusKind as Task['focus']['kind']) : 'none', ref: str(e, 'focusRef'), label: str(e, 'focusLabel') },
    status: status as TaskStatus,
    statusReason: str(e, 'statusReason'),
    createdAt: str(e, 'createdAt'),
    createdBy: str(e, 'createdBy'),
    updatedAt: str(e, 'updatedAt'),
    updatedBy: str(e, 'updatedBy'),
    completedAt: str(e, 'completedAt'),
    completedBy: str(e, 'completedBy')
  };
}

/** Every readable task; entries an older or damaged client left unreadable are skipped. */
export function listTasks(doc: Y.Doc): Task[] {
  const out: Task[] = [];
  tasksOf(doc).forEach((e, id) => {
    if (!(e instanceof Y.Map)) return;
    const t = readTask(e, id);
    if (t) out.push(t);
  });
  return out.sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.id.localeCompare(b.id));
}
