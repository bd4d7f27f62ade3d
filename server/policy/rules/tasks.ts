import { registryDefinitionSchema } from '../../../src/lib/domain/registries/registry-definition';
import { canMove, INBOX_FOCUS_KINDS, mayComplete, TASK_CATEGORIES, TASK_FOCUS_KINDS, TASK_STATUSES, taskInputSchema, type TaskStatus } from '../../../src/lib/domain/tasks';
import { isRole } from '../../../src/lib/domain/roles';
import type { RuleInput, RuleOutput, Violation } from '../policy-types';
import { isReplica } from '../policy-types';
import { locate, stringOf, valueOf } from '../node-values';

/**
 * A clinic's tasks (`tasks:<clinicId>`, chart/tasks-doc.ts) and registry
 * definitions (`registries:<clinicId>`, chart/registries-doc.ts).
 *
 * - `tasks.entry` (refuse): a task says what to do (1–500 characters), for
 *   which patient (a patient id), for whom (a user with a name, or a staff
 *   role), by when (a date), of which category (clinical or admin), with a
 *   known status and a known kind of prompt — the same schema the app's
 *   form checks (domain/tasks.ts).
 * - `tasks.transition` (refuse): completed and cancelled are final; a task
 *   moves only along domain/tasks.ts TASK_TRANSITIONS, and a new task
 *   starts requested. A cancelled task says why.
 * - `tasks.role` (refuse): only clinical staff complete a clinical task
 *   (the front desk completes the admin ones: booking, calling back);
 *   administrators only read the list (the connection is read-only for
 *   them; this is the backstop for every other path).
 * - `tasks.inbox` (refuse): a task whose prompt is something a patient
 *   sent (message, refill request, home reading, intake form) is raised by
 *   the server only; no staff device makes one up (what prompted a task,
 *   focusKind and focusRef, never changes: policy-table.ts).
 * - `registries.role` (refuse): only clinicians and administrators define
 *   the clinic's registries (nurses use them).
 * - `registries.definition` (refuse): a registry's name, description, rules
 *   and filters pass the one rule schema (domain/registries), so a crafted
 *   rule (an unknown kind, a "code" that is not one) never reaches another
 *   device's worklist. Its status is active or retired.
 *
 * Deletion of either is refused by `record.no-delete`; ids are their keys
 * (`record.immutable`); who and when by the provenance rules.
 */

export function tasksRule(input: RuleInput): RuleOutput {
  const { change, author } = input;
  const out: Violation[] = [];
  const refuse = (rule: string, field: string | null, message: string) => out.push({ rule, action: 'refuse', at: locate(change.root, change.key, field ? [field] : []), message });
  if (author.kind === 'user' && !author.roles.some((r) => r === 'frontdesk' || r === 'clinician' || r === 'nurse')) {
    refuse('tasks.role', null, "Only the clinic's clinical staff and front desk change its tasks");
    return { violations: out };
  }
  if (change.root === 'meta') return {};
  const after = change.after;
  if (!after) return {};
  const ownerKind = valueOf(after, 'ownerKind');
  const parsed = taskInputSchema.safeParse({
    description: valueOf(after, 'description'),
    patientId: valueOf(after, 'patientId'),
    owner: ownerKind === 'user' ? { kind: 'user', id: valueOf(after, 'ownerId'), name: valueOf(after, 'ownerName') } : { kind: ownerKind, role: valueOf(after, 'ownerRole') },
    dueDate: valueOf(after, 'dueDate'),
    category: valueOf(after, 'category'),
    focus: { kind: valueOf(after, 'focusKind'), ref: valueOf(after, 'focusRef') ?? '', label: valueOf(after, 'focusLabel') ?? '' }
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const top = String(issue.path[0] ?? '');
      const field = top === 'owner' ? 'ownerKind' : top === 'focus' ? 'focusKind' : top;
      if (!out.some((v) => v.at.endsWith(`/${field}`))) refuse('tasks.entry', field, `A task needs a valid ${field}`);
    }
  }
  const status = valueOf(after, 'status');
  if (!(TASK_STATUSES as readonly unknown[]).includes(status)) {
    refuse('tasks.entry', 'status', 'A task is requested, in progress, completed or cancelled');
    return { violations: out };
  }
  const was = valueOf(change.before, 'status') as TaskStatus | undefined;
  if (was === undefined && status !== 'requested') refuse('tasks.transition', 'status', 'A new task starts as requested');
  if (was !== undefined && (TASK_STATUSES as readonly unknown[]).includes(was) && !canMove(was, status as TaskStatus)) refuse('tasks.transition', 'status', `A ${was} task cannot become ${String(status)}`);
  if (was !== undefined && (was === 'completed' || was === 'cancelled') && status === was) {
    // Final: nothing of a closed task changes but its provenance stamp.
    for (const f of ['description', 'patientId', 'ownerKind', 'ownerId', 'ownerRole', 'dueDate', 'category']) {
      if (valueOf(change.before, f) !== valueOf(after, f)) refuse('tasks.transition', f, `A ${was} task is not changed`);
    }
  }
  if (status === 'cancelled' && was !== 'cancelled' && !stringOf(after, 'statusReason').trim()) refuse('tasks.entry', 'statusReason', 'A cancelled task says why');
  const category = valueOf(after, 'category');
  if (status === 'completed' && was !== 'completed' && author.kind === 'user' && (TASK_CATEGORIES as readonly unknown[]).includes(category) && !mayComplete(author.roles, category as 'clinical' | 'admin')) {
    refuse('tasks.role', 'status', 'Only clinical staff complete a clinical task');
  }
  const focusKind = valueOf(after, 'focusKind');
  if (focusKind !== undefined && !(TASK_FOCUS_KINDS as readonly unknown[]).includes(focusKind) && !out.some((v) => v.at.endsWith('/focusKind'))) refuse('tasks.entry', 'focusKind', 'A task names a known kind of prompt');
  // Inbox items say a patient wrote: only the server raises them (server/portal/inbox.ts); what prompted a task is immutable (policy-table.ts).
  if ((author.kind === 'user' || isReplica(author)) && change.before === null && (INBOX_FOCUS_KINDS as readonly unknown[]).includes(focusKind)) refuse('tasks.inbox', 'focusKind', 'Only the server files what a patient sent into the inbox');
  const role = valueOf(after, 'ownerRole');
  if (role !== undefined && !isRole(role) && !out.some((v) => v.at.endsWith('/ownerKind'))) refuse('tasks.entry', 'ownerRole', 'A task is for a staff role');
  return { violations: out };
}

export function registriesRoleRule(input: RuleInput): RuleOutput {
  const { author, change } = input;
  if (author.kind !== 'user') return {};
  if (author.roles.includes('clinician') || author.roles.includes('admin')) return {};
  return { violations: [{ rule: 'registries.role', action: 'refuse', at: locate(change.root, change.key), message: "Only the clinic's clinicians and administrators define its registries" }] };
}

export function registryEntryRule(input: RuleInput): RuleOutput {
  const { change } = input;
  const after = change.after;
  if (!after) return {};
  const out: Violation[] = [];
  const keyResult = valueOf(after, 'keyResult');
  const parsed = registryDefinitionSchema.safeParse({
    name: valueOf(after, 'name'),
    description: valueOf(after, 'description') ?? '',
    rules: valueOf(after, 'rules'),
    filters: valueOf(after, 'filters') ?? [],
    ...(keyResult !== undefined ? { keyResult } : {})
  });
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? 'rules')))];
    for (const f of fields) out.push({ rule: 'registries.definition', action: 'refuse', at: locate(change.root, change.key, [f]), message: `The registry's ${f} does not follow the rule vocabulary` });
  }
  const status = valueOf(after, 'status');
  if (status !== 'active' && status !== 'retired') out.push({ rule: 'registries.definition', action: 'refuse', at: locate(change.root, change.key, ['status']), message: 'A registry is active or retired' });
  return { violations: out };
}
