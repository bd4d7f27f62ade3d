import { canTransition, FREE_TEXT_LIMITS, LOINC_SYSTEM, mayMoveOrder, ORDER_STATUSES, type OrderStatus } from '../../../src/lib/domain/orders';
import { pointOfCareTest } from '../../../src/lib/domain/point-of-care';
import type { Correction, RuleInput, RuleOutput } from '../policy-types';
import { fieldsOf, isRecord, locate, valueOf } from '../node-values';

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
 *   A point-of-care test done on the spot (`pointOfCare`, a catalogue
 *   test with a result spec, by a nurse or clinician) is created completed.
 * - `order.free-text` (refuse): an order by name (`notInCatalogue`) names
 *   its test in 1 to 200 characters.
 * Naming another requester than the author is `provenance.forged-id`.
 */

function isPointOfCareCode(code: unknown): boolean {
  if (!isRecord(code) || !Array.isArray(code.coding)) return false;
  return code.coding.some((c) => isRecord(c) && c.system === LOINC_SYSTEM && typeof c.code === 'string' && !!pointOfCareTest(c.code));
}

const isStatus = (v: unknown): v is OrderStatus => typeof v === 'string' && (ORDER_STATUSES as readonly string[]).includes(v);

export function ordersRule(input: RuleInput): RuleOutput {
  const { change, author } = input;
  if (author.kind !== 'user' || !change.after) return {};
  const to = valueOf(change.after, 'status');
  const at = locate(change.root, change.key, ['status']);
  const fix = (path: string, value: unknown): Correction => ({ root: change.root, key: change.key, path: [path], value });
  if (valueOf(change.after, 'notInCatalogue') === true) {
    const code = valueOf(change.after, 'code');
    const text = isRecord(code) && typeof code.text === 'string' ? code.text.trim() : '';
    if (text.length === 0 || text.length > FREE_TEXT_LIMITS.text) {
      return { violations: [{ rule: 'order.free-text', action: 'refuse', at: locate(change.root, change.key, ['code']), message: 'An order by name names its test (1 to 200 characters)' }] };
    }
  }
  if (!change.before) {
    const onTheSpot = to === 'completed' && valueOf(change.after, 'pointOfCare') === true && isPointOfCareCode(valueOf(change.after, 'code'));
    if (onTheSpot && (author.roles.includes('clinician') || author.roles.includes('nurse'))) {
      if (!author.roles.includes('clinician') && fieldsOf(change.after).requester) {
        return { violations: [{ rule: 'order.sign-role', action: 'correct', at, message: 'Only a clinician signs an order' }], corrections: [fix('requester', undefined)] };
      }
      return {};
    }
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
