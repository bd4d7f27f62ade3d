import * as tasksDoc from '../chart/tasks-doc';
import type { Actor } from '../domain/chart';
import { tasksName, type DocAccess } from '../domain/doc-names';
import { AppError } from '../domain/errors';
import { mayComplete, myTasks, type Task, type TaskInput, type TaskOwner, type TaskStatus } from '../domain/tasks';
import type { Role } from '../domain/roles';
import type { LiveDoc } from '../sync/live-doc';
import { openClinicDoc } from './clinic-doc';
import { reportError } from './report-error';
import { actorOf, currentWorkspace, type Workspace } from './workspace';

/**
 * The clinic's tasks (`tasks:<clinicId>`), open on screen: live while
 * online, so a task made on the tablet shows on the desk computer at once;
 * changed offline, it merges when the device reconnects.
 */
export class LiveClinicTasks {
  #version = $state(0);
  readonly #live: LiveDoc;
  readonly #actor: Actor;
  readonly #roles: readonly Role[];
  readonly #release: (doc: LiveDoc) => Promise<void>;
  readonly #cleanup: (() => void)[] = [];
  readonly access: DocAccess;
  #closed = false;

  constructor(live: LiveDoc, access: DocAccess, user: { id: string; name: string; roles: readonly Role[] }, release: (doc: LiveDoc) => Promise<void>) {
    this.#live = live;
    this.access = access;
    this.#actor = { id: user.id, name: user.name };
    this.#roles = user.roles;
    this.#release = release;
    const bump = () => this.#version++;
    live.doc.on('update', bump);
    this.#cleanup.push(() => live.doc.off('update', bump));
  }

  get all(): Task[] {
    void this.#version;
    return tasksDoc.listTasks(this.#live.doc);
  }
  /** Open tasks for the signed-in user (named, or for one of their roles), overdue first. */
  get mine(): Task[] {
    return myTasks(this.all, { id: this.#actor.id, roles: this.#roles });
  }
  get canEdit(): boolean {
    return this.access === 'write';
  }
  mayComplete(task: Pick<Task, 'category'>): boolean {
    return this.canEdit && mayComplete(this.#roles, task.category);
  }

  /** Adds a task; `id` fixes its id where two devices may raise the same task (an overdue referral). */
  add(input: TaskInput, id?: string): string {
    this.#assertWritable();
    return tasksDoc.addTask(this.#live.doc, input, this.#actor, id);
  }
  /** Gives an open task to a person or a role. */
  assign(id: string, owner: TaskOwner): void {
    this.#assertWritable();
    tasksDoc.assignTask(this.#live.doc, id, owner, this.#actor);
  }
  setStatus(id: string, status: TaskStatus, reason = ''): void {
    this.#assertWritable();
    tasksDoc.setTaskStatus(this.#live.doc, id, status, this.#actor, reason);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.#cleanup.splice(0)) c();
    this.#release(this.#live).catch((err: unknown) => reportError("Closing the clinic's tasks", err));
  }

  #assertWritable(): void {
    if (this.access !== 'write') throw new AppError('forbidden', "Your role reads the clinic's tasks but does not change them");
  }
}

export async function openClinicTasks(ws: Workspace = currentWorkspace()): Promise<LiveClinicTasks> {
  const { live, access } = await openClinicDoc(ws, 'tasks', tasksName(ws.user.clinicId), { isDoc: tasksDoc.isTasksDoc, init: tasksDoc.initTasksDoc, what: 'tasks' });
  return new LiveClinicTasks(live, access, { ...actorOf(ws.user), roles: ws.user.roles }, (d) => ws.engine.release(d));
}
