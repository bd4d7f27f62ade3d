import type { Role } from './roles';
import { INBOX_FOCUS_KINDS, isInboxTask, isMine, type InboxFocusKind, type Task } from './tasks';

/**
 * The clinic inbox (the /inbox page): the tasks raised by what patients
 * send (domain/tasks.ts INBOX_FOCUS_KINDS), filtered by kind, state and
 * whom they are for. "New" is a task still requested, "in progress" one
 * someone took, "done" one completed or cancelled; an item that still needs
 * a reply is simply not done.
 */
export const INBOX_STATES = ['open', 'new', 'in-progress', 'done', 'all'] as const;
export type InboxState = (typeof INBOX_STATES)[number];
export const INBOX_WHO = ['mine', 'me', 'role', 'anyone'] as const;
export type InboxWho = (typeof INBOX_WHO)[number];

export interface InboxFilter {
  kind: InboxFocusKind | 'all';
  state: InboxState;
  /** `mine`: for me or one of my roles; `me`: named me; `role`: for one of my roles; `anyone`: all. */
  who: InboxWho;
}

export const DEFAULT_INBOX_FILTER: InboxFilter = { kind: 'all', state: 'open', who: 'mine' };

interface User {
  id: string;
  roles: readonly Role[];
}

function stateMatches(t: Pick<Task, 'status'>, state: InboxState): boolean {
  switch (state) {
    case 'open':
      return t.status === 'requested' || t.status === 'in-progress';
    case 'new':
      return t.status === 'requested';
    case 'in-progress':
      return t.status === 'in-progress';
    case 'done':
      return t.status === 'completed' || t.status === 'cancelled';
    case 'all':
      return true;
  }
}

function whoMatches(t: Pick<Task, 'owner'>, who: InboxWho, user: User): boolean {
  switch (who) {
    case 'mine':
      return isMine(t, user);
    case 'me':
      return t.owner.kind === 'user' && t.owner.id === user.id;
    case 'role':
      return t.owner.kind === 'role' && user.roles.includes(t.owner.role);
    case 'anyone':
      return true;
  }
}

const RANK: Record<Task['status'], number> = { requested: 0, 'in-progress': 1, completed: 2, cancelled: 2 };

/** The inbox items that pass the filter: new first, then in progress, then done; within each, who waited longest first (done: latest first). */
export function inboxItems<T extends Task>(tasks: readonly T[], filter: InboxFilter, user: User): T[] {
  return tasks
    .filter((t) => isInboxTask(t) && (filter.kind === 'all' || t.focus.kind === filter.kind) && stateMatches(t, filter.state) && whoMatches(t, filter.who, user))
    .sort((a, b) => RANK[a.status] - RANK[b.status] || (RANK[a.status] === 2 ? b.updatedAt.localeCompare(a.updatedAt) : a.createdAt.localeCompare(b.createdAt)) || a.id.localeCompare(b.id));
}

/** The header's count: new inbox items for me or one of my roles. */
export function newInboxCount(tasks: readonly Task[], user: User): number {
  return tasks.filter((t) => isInboxTask(t) && t.status === 'requested' && isMine(t, user)).length;
}

export { INBOX_FOCUS_KINDS };
