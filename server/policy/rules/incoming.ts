import type { RuleInput, RuleOutput, Violation } from '../policy-types';
import { isReplica } from '../policy-types';
import { diffNodes, locate, valueOf } from '../node-values';

/**
 * Records arriving by transfer or referral (`incoming`, chart/incoming-doc.ts):
 * staged by the server's import, decided once by a clinician.
 *
 * - `incoming.server-only` (refuse): only the server stages an incoming
 *   record; a device never creates one (it would let a device slip a record
 *   past reconciliation as if another clinic had sent it).
 * - `incoming.decide-role` (refuse): only a clinician accepts or rejects.
 * - `incoming.transition` (refuse): a record moves from pending to accepted
 *   or rejected, once; a decided record never changes again.
 * - `incoming.reason` (refuse): a rejection carries its reason.
 * What the record holds, where it came from and when it arrived never
 * change (immutable fields in policy-table.ts); nothing is deleted.
 */

const DECISIONS = ['accepted', 'rejected'];

export function incomingRule(input: RuleInput): RuleOutput {
  const { change, author } = input;
  const { before, after } = change;
  if (!after) return {};
  const out: Violation[] = [];
  const at = (f?: string) => locate(change.root, change.key, f ? [f] : undefined);
  if (!before) {
    if (author.kind === 'user' || isReplica(author)) out.push({ rule: 'incoming.server-only', action: 'refuse', at: at(), message: 'Only the server stages a record that arrived from another clinic' });
    else if (valueOf(after, 'status') !== 'pending') out.push({ rule: 'incoming.transition', action: 'refuse', at: at('status'), message: 'An incoming record arrives pending' });
    return { violations: out };
  }
  const from = valueOf(before, 'status');
  const to = valueOf(after, 'status');
  if (from !== 'pending') {
    if (diffNodes(before, after).length > 0) out.push({ rule: 'incoming.transition', action: 'refuse', at: at('status'), message: 'A decided incoming record never changes' });
    return { violations: out };
  }
  if (to === 'pending') return {};
  if (typeof to !== 'string' || !DECISIONS.includes(to)) {
    out.push({ rule: 'incoming.transition', action: 'refuse', at: at('status'), message: 'An incoming record is accepted or rejected' });
    return { violations: out };
  }
  if (author.kind === 'user' && !author.roles.includes('clinician')) {
    out.push({ rule: 'incoming.decide-role', action: 'refuse', at: at('status'), message: 'Only a clinician reconciles an incoming record' });
  }
  const reason = valueOf(after, 'rejectReason');
  if (to === 'rejected' && !(typeof reason === 'string' && reason.trim().length > 0)) {
    out.push({ rule: 'incoming.reason', action: 'refuse', at: at('rejectReason'), message: 'A rejection carries its reason' });
  }
  return { violations: out };
}
