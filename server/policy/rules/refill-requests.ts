import { REFILL_NOTE_MAX, REFILL_STATUSES, REFILL_TEXT_MAX, REFILL_VIA } from '../../../src/lib/domain/refill-requests';
import type { RuleInput, RuleOutput, Violation } from '../policy-types';
import { locate, valueOf } from '../node-values';

/**
 * Refill requests on the patient's record (chart/refill-request-doc.ts).
 *
 * - `refill.fields` (refuse): a new request is open, names the medicine
 *   (2–200 characters), says how it came (phone, in person, message) and
 *   carries a note of at most 500 characters; a status is one of open,
 *   done, declined; a request closed as done names the prescription.
 * - `refill.close-role` (refuse): only a clinician closes a request
 *   (signing the refill or declining it is a prescriber's decision).
 * - `refill.reopen` (refuse): a closed request stays closed; the patient
 *   asking again is a new request.
 * - `refill.portal` (refuse): a request that came through the patient
 *   portal (`via: portal`) is written by the server's portal route only;
 *   declining one says why (the patient reads the reason), in at most 500
 *   characters.
 *
 * What was asked, how and by whom never changes (policy-table `immutable`).
 */
export function refillRequestRule(input: RuleInput): RuleOutput {
  const { change, author } = input;
  const { before, after } = change;
  if (!after) return {};
  const out: Violation[] = [];
  const refuse = (rule: string, field: string, message: string) => out.push({ rule, action: 'refuse', at: locate(change.root, change.key, [field]), message });
  const status = valueOf(after, 'status');
  if (!(REFILL_STATUSES as readonly unknown[]).includes(status)) {
    refuse('refill.fields', 'status', 'A refill request is open, done or declined');
    return { violations: out };
  }
  if (!before) {
    const text = valueOf(after, 'medicationText');
    const note = valueOf(after, 'note');
    if (status !== 'open') refuse('refill.fields', 'status', 'A new refill request is open');
    if (typeof text !== 'string' || text.trim().length < 2 || text.length > REFILL_TEXT_MAX) refuse('refill.fields', 'medicationText', `A refill request names the medicine in 2 to ${REFILL_TEXT_MAX} characters`);
    if (!(REFILL_VIA as readonly unknown[]).includes(valueOf(after, 'via'))) refuse('refill.fields', 'via', 'A refill request came by phone, in person, by message or through the patient portal');
    else if (valueOf(after, 'via') === 'portal' && !(author.kind === 'server' && (author.origin === 'system' || author.origin === 'seed'))) refuse('refill.portal', 'via', 'Only the patient portal records a request made there');
    if (note !== undefined && (typeof note !== 'string' || note.length > REFILL_NOTE_MAX)) refuse('refill.fields', 'note', `A refill request's note is at most ${REFILL_NOTE_MAX} characters`);
  }
  const was = before ? valueOf(before, 'status') : 'open';
  if (status !== was) {
    if (was !== 'open') refuse('refill.reopen', 'status', 'A closed refill request stays closed');
    else if (author.kind === 'user' && !author.roles.includes('clinician')) refuse('refill.close-role', 'status', 'Only a clinician closes a refill request');
  }
  const reason = valueOf(after, 'declineReason');
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > REFILL_NOTE_MAX)) refuse('refill.fields', 'declineReason', `The reason for declining is at most ${REFILL_NOTE_MAX} characters`);
  if (status === 'declined' && was === 'open' && valueOf(after, 'via') === 'portal' && (typeof reason !== 'string' || reason.trim().length < 2)) refuse('refill.portal', 'declineReason', 'Say why the refill is declined: the patient reads it');
  if (status === 'done' && typeof valueOf(after, 'prescriptionId') !== 'string') refuse('refill.fields', 'prescriptionId', 'A refill request done names the prescription');
  return { violations: out };
}
