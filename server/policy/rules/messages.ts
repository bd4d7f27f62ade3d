import * as Y from 'yjs';
import { MESSAGE_LIMITS } from '../../../src/lib/domain/messages';
import type { Correction, RuleInput, RuleOutput, Violation } from '../policy-types';
import { isReplica } from '../policy-types';
import { fieldsOf, locate, valueOf } from '../node-values';

/**
 * A patient's secure messages (`messages:<patientId>`, chart/messages-doc.ts).
 * What the patient writes arrives through the portal route, written by the
 * server ('system'); these rules bind staff devices, whose updates the
 * server judges like any client's.
 *
 * - `messages.role` (refuse): only the front desk and clinical staff write.
 * - `messages.thread` (refuse): a staff member may start a conversation
 *   of their own (a staff thread with a topic of 1–120 characters, its known
 *   fields only, signed with the signed-in user's id: `provenance.forged-id`
 *   refuses another id in `startedById`, a missing one is refused here);
 *   never one posing as the patient's, which only the portal starts. What a
 *   thread is about never changes (policy-table `immutable`).
 * - `messages.reply` (refuse): a staff member adds a reply of their own: a
 *   staff message, 1–4000 characters, in a thread the record holds, signed
 *   with the signed-in user's id (`provenance.forged-id` refuses another id
 *   in `sentById`; a missing one is refused here), with no photo and no
 *   read receipts of its own.
 * - `messages.fields` (refuse): a message holds the known fields only.
 * - `messages.receipt` (refuse): a staff device sets "read by the clinic" on
 *   the patient's messages only, and never "read by the patient".
 * - `messages.receipt-once` (correct): a receipt, once set, stays as it is
 *   (two devices that opened the same message offline both honestly set
 *   one: the first kept is put back rather than the second refused).
 *
 * Text, author, time and photo never change once written (policy-table
 * `immutable`); nothing is deleted (`record.no-delete`).
 */

const STAFF_ROLES = new Set(['frontdesk', 'clinician', 'nurse']);
const MESSAGE_FIELDS = new Set(['id', 'threadId', 'text', 'authorKind', 'sentAt', 'sentBy', 'sentById', 'sentByRelation', 'photoId', 'photoType', 'photoSize', 'clinicReadAt', 'clinicReadBy', 'clinicReadById', 'patientReadAt']);
const THREAD_FIELDS = new Set(['id', 'topic', 'startedByKind', 'startedAt', 'startedBy', 'startedById']);
const CLINIC_RECEIPT = ['clinicReadAt', 'clinicReadBy', 'clinicReadById'] as const;

export function messagesRule(input: RuleInput): RuleOutput {
  const { change, author } = input;
  // A clinic box's replicated update is judged as staff writes: patients write through the hub's portal only.
  if (author.kind !== 'user' && !isReplica(author)) return {};
  const out: Violation[] = [];
  const corrections: Correction[] = [];
  const refuse = (rule: string, field: string | null, message: string) => out.push({ rule, action: 'refuse', at: locate(change.root, change.key, field ? [field] : []), message });
  if (author.kind === 'user' && !author.roles.some((r) => STAFF_ROLES.has(r))) {
    refuse('messages.role', null, "Only the clinic's front desk and clinical staff answer patients' messages");
    return { violations: out };
  }
  const { before, after } = change;
  if (change.root === 'meta' || !after) return { violations: out };
  if (change.root === 'threads') {
    if (!before) {
      for (const f of Object.keys(fieldsOf(after))) if (!THREAD_FIELDS.has(f)) refuse('messages.thread', f, 'A conversation holds its known fields only');
      if (valueOf(after, 'id') !== change.key) refuse('messages.thread', 'id', 'A conversation is kept under its own id');
      if (valueOf(after, 'startedByKind') !== 'staff') refuse('messages.thread', 'startedByKind', 'A conversation started on a staff device is started by the staff member, not the patient');
      const topic = valueOf(after, 'topic');
      if (typeof topic !== 'string' || topic.trim().length === 0 || topic.length > MESSAGE_LIMITS.topic) refuse('messages.thread', 'topic', `A conversation has a topic of 1 to ${MESSAGE_LIMITS.topic} characters`);
      if (typeof valueOf(after, 'startedById') !== 'string') refuse('messages.thread', 'startedById', 'A conversation names who started it');
    }
    return { violations: out };
  }
  if (change.root !== 'messages') return { violations: out };

  for (const f of Object.keys(fieldsOf(after))) if (!MESSAGE_FIELDS.has(f)) refuse('messages.fields', f, 'A message holds its known fields only');

  if (!before) {
    if (valueOf(after, 'authorKind') !== 'staff') refuse('messages.reply', 'authorKind', 'A reply from a staff device is a staff message');
    const text = valueOf(after, 'text');
    if (typeof text !== 'string' || text.trim().length === 0 || text.length > MESSAGE_LIMITS.text) refuse('messages.reply', 'text', `A reply holds 1 to ${MESSAGE_LIMITS.text} characters`);
    if (typeof valueOf(after, 'sentById') !== 'string') refuse('messages.reply', 'sentById', 'A reply names who sent it');
    const threadId = valueOf(after, 'threadId');
    const threads = input.state?.doc.getMap('threads');
    if (typeof threadId !== 'string' || (threads && !(threads.get(threadId) instanceof Y.Map))) refuse('messages.reply', 'threadId', 'A reply belongs to a conversation on the record');
    for (const f of ['sentByRelation', 'photoId', 'photoType', 'photoSize', 'patientReadAt', ...CLINIC_RECEIPT]) {
      if (valueOf(after, f) !== undefined) refuse('messages.reply', f, "A reply carries no photo, read receipt or patient's relation of its own");
    }
    return { violations: out };
  }

  if (valueOf(before, 'patientReadAt') === undefined && valueOf(after, 'patientReadAt') !== undefined) {
    refuse('messages.receipt', 'patientReadAt', 'Only the patient opening a reply marks it read by the patient');
  }
  const receiptWritten = CLINIC_RECEIPT.some((f) => valueOf(before, f) !== valueOf(after, f));
  if (receiptWritten) {
    if (valueOf(before, 'authorKind') !== 'patient') refuse('messages.receipt', 'clinicReadAt', "The clinic marks the patient's messages read, not its own");
    else if (valueOf(before, 'clinicReadAt') !== undefined) {
      out.push({ rule: 'messages.receipt-once', action: 'correct', at: locate(change.root, change.key, ['clinicReadAt']), message: 'A read receipt stays as first recorded' });
      for (const f of CLINIC_RECEIPT) corrections.push({ root: change.root, key: change.key, path: [f], value: valueOf(before, f) });
    }
  }
  return { violations: out, corrections };
}
