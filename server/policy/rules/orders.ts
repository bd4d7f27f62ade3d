import { canTransition, mayMoveOrder, ORDER_STATUSES, type OrderStatus } from '../../../src/lib/domain/orders';
import type { Correction, RuleInput, RuleOutput } from '../policy-types';
import { fieldsOf, locate, valueOf } from '../node-values';

/**
 * Lab and imaging orders (`orders`, FHIR ServiceRequest), following the
 * state machine and role rules of domain/orders.ts, the same module the app
 * uses:
 * - `order.sign-role` (correct): only a clinician's order is active at
 *   once; a new active order from another role becomes a draft a clinician
 *   signs later.
 * - `order.transition` (correct): a status moves only along the order state
 *   machine, as the author's role allows; otherwise the status is put back.
 *   Corrected, not refused: two devices moving one order while apart (a
 *   result completes it here, a clinician cancels it there) is honest, and
 *   the move the server accepted first stands.
 * Naming another requester than the author is `provenance.forged-id`.
 */

const isStatus = (v: unknown): v is OrderStatus => typeof v === 'string' && (ORDER_STATUSES as readonly string[]).includes(v);

export function ordersRule(input: RuleInput): RuleOutput {
  const { change, author } = input;
  if (author.kind !== 'user' || !change.after) return {};
  const to = valueOf(change.after, 'status');
  const at = locate(change.root, change.key, ['status']);
  const fix = (path: string, value: unknown): Correction => ({ root: change.root, key: change.key, path: [path], value });
  if (!change.before) {
    if (to === 'active' && !author.roles.includes('clinician')) {
      const corrections = [fix('status', 'draft')];
      if (fieldsOf(change.after).requester) corrections.push(fix('requester', undefined));
      return { violations: [{ rule: 'order.sign-role', action: 'correct', at, message: 'Only a clinician signs an order' }], corrections };
    }
    if (to !== undefined && to !== 'draft' && to !== 'active') {
      return { violations: [{ rule: 'order.transition', action: 'correct', at, message: 'A new order is a draft or, signed by a clinician, active' }], corrections: [fix('status', author.roles.includes('clinician') ? 'active' : 'draft')] };
    }
    return {};
  }
  const from = valueOf(change.before, 'status');
  if (from === to || !isStatus(from)) return {};
  if (isStatus(to) && canTransition(from, to) && mayMoveOrder(author.roles, from, to)) return {};
  return {
    violations: [{ rule: 'order.transition', action: 'correct', at, message: 'That order status change is not allowed for this role' }],
    corrections: [fix('status', from)]
  };
}
