import * as Y from 'yjs';
import { addTask, initTasksDoc, isTasksDoc } from '../../src/lib/chart/tasks-doc';
import { tasksName } from '../../src/lib/domain/doc-names';
import type { InboxFocusKind, TaskCategory, TaskOwner } from '../../src/lib/domain/tasks';
import type { SyncService } from '../types';

/**
 * The clinic inbox's one way in. What a patient sends from the portal (a
 * message, a refill request, an out-of-range home reading, a completed
 * intake form) becomes a task in the clinic's `tasks:<clinicId>` document
 * (domain/tasks.ts INBOX_FOCUS_KINDS), written by the server for the
 * patient's account: staff devices receive it like any task, offline
 * included, and move it along new → in progress → done. The write policy
 * refuses the same kind of task from any staff device (`tasks.inbox`).
 *
 * The description is what staff read in the list: callers keep it to what
 * the item is ("Message: rash on arm") and leave the content in the
 * patient's record, which only those allowed to read it open.
 */
export interface InboxItem {
  clinicId: string;
  patientId: string;
  kind: InboxFocusKind;
  /** Id of what prompted it (the message thread, the request, the reading, the form response). */
  ref: string;
  /** Short label shown with the item (no more than domain/tasks.ts TASK_LIMITS.focusLabel). */
  label: string;
  description: string;
  /** Who should pick it up; a clinical role by default. */
  owner?: TaskOwner;
  category?: TaskCategory;
  /** YYYY-MM-DD; today by default. */
  dueDate?: string;
}

/** The account the item is attributed to (the patient's, or the carer's acting for them). */
export interface InboxAuthor {
  userId: string;
  name: string;
}

/** Raises one inbox item; returns its task id. Throws AppError when the tasks document refuses it. */
export async function raiseInboxItem(sync: Pick<SyncService, 'readState' | 'applyServerUpdate'>, item: InboxItem, by: InboxAuthor, now: Date = new Date()): Promise<string> {
  const name = tasksName(item.clinicId);
  const doc = new Y.Doc();
  const state = await sync.readState(name, item.clinicId);
  if (state) Y.applyUpdate(doc, state);
  const before = Y.encodeStateVector(doc);
  if (!isTasksDoc(doc)) initTasksDoc(doc, item.clinicId);
  const id = addTask(
    doc,
    {
      description: item.description,
      patientId: item.patientId,
      owner: item.owner ?? { kind: 'role', role: 'clinician' },
      dueDate: item.dueDate ?? now.toISOString().slice(0, 10),
      category: item.category ?? 'clinical',
      focus: { kind: item.kind, ref: item.ref, label: item.label }
    },
    { id: by.userId, name: by.name }
  );
  await sync.applyServerUpdate(name, item.clinicId, Y.encodeStateAsUpdate(doc, before), by.userId, 'system');
  doc.destroy();
  return id;
}
