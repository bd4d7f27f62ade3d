import * as Y from 'yjs';
import type { Actor } from '../domain/chart';
import { AppError } from '../domain/errors';
import {
  assertTransition,
  LOINC_SYSTEM,
  mayMoveOrder,
  mayPlaceOrder,
  orderableByCode,
  orderInputSchema,
  orderRecordSchema,
  type OrderInput,
  type OrderRecord,
  type OrderStatus
} from '../domain/orders';
import type { Role } from '../domain/roles';
import { migrate, newId, nowIso, str } from './schema';

/**
 * Lab and imaging orders in the chart's `orders` map, each a Y.Map shaped as
 * a FHIR R4 ServiceRequest. Status changes go through the state machine of
 * domain/orders.ts and record who, when and why; nothing is deleted.
 * Plain Yjs writes, so ordering works offline and syncs later.
 */

type Entry = Y.Map<unknown>;

export const ORDERS = 'orders';

/** Who is acting, with the roles that decide what they may do. */
export interface OrderActor {
  actor: Actor;
  roles: readonly Role[];
}

function orders(doc: Y.Doc): Y.Map<Entry> {
  return doc.getMap(ORDERS) as Y.Map<Entry>;
}

function entryOrThrow(doc: Y.Doc, id: string): Entry {
  const e = orders(doc).get(id);
  if (!(e instanceof Y.Map)) throw new AppError('not-found', 'That order is not in this chart');
  return e;
}

/**
 * Places an order: a clinician's order is signed at once (active, with the
 * clinician as requester); a nurse's is a draft a clinician signs later.
 * Returns the new order's id. Throws AppError('invalid'|'forbidden').
 */
export function placeOrder(doc: Y.Doc, input: OrderInput, who: OrderActor, id: string = newId()): string {
  const may = mayPlaceOrder(who.roles);
  if (may === 'none') throw new AppError('forbidden', 'Only clinicians and nurses place orders');
  const parsed = orderInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError('invalid', 'The order is not valid', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  const o = parsed.data;
  const test = orderableByCode(o.code)!;
  migrate(doc);
  doc.transact(() => {
    const now = nowIso();
    const e = new Y.Map<unknown>();
    orders(doc).set(id, e);
    e.set('resourceType', 'ServiceRequest');
    e.set('id', id);
    e.set('status', may === 'sign' ? 'active' : 'draft');
    e.set('intent', 'order');
    e.set('category', test.category);
    e.set('code', { text: test.short, coding: [{ system: LOINC_SYSTEM, code: test.code, display: test.display }] });
    e.set('priority', o.priority);
    e.set('reasonText', o.reason);
    e.set('note', o.note);
    e.set('authoredOn', now);
    if (may === 'sign') e.set('requester', { reference: `Practitioner/${who.actor.id}`, display: who.actor.name });
    e.set('createdAt', now);
    e.set('createdBy', who.actor.name);
    e.set('updatedAt', now);
    e.set('updatedBy', who.actor.name);
  }, 'local');
  return id;
}

/**
 * Moves an order to `to` when the state machine and the actor's role allow
 * it; `reason` is required to cancel or to mark an error. Signing a draft
 * makes the signer the requester.
 */
export function moveOrder(doc: Y.Doc, id: string, to: OrderStatus, who: OrderActor, reason = ''): void {
  const e = entryOrThrow(doc, id);
  const from = readOne(id, e).status;
  assertTransition(from, to);
  if (!mayMoveOrder(who.roles, from, to)) {
    throw new AppError('forbidden', to === 'active' ? 'A clinician signs orders' : 'A clinician makes this change');
  }
  const why = reason.trim();
  if ((to === 'revoked' || to === 'entered-in-error') && why.length < 3) {
    throw new AppError('invalid', to === 'revoked' ? 'Say why the order is cancelled' : 'Say why the order was entered in error', [
      { path: 'reason', message: 'Required' }
    ]);
  }
  doc.transact(() => {
    const now = nowIso();
    e.set('status', to);
    if (to === 'active') {
      e.set('requester', { reference: `Practitioner/${who.actor.id}`, display: who.actor.name });
      e.set('authoredOn', now);
    }
    if (why) e.set('statusReason', why.slice(0, 500));
    e.set('statusChangedAt', now);
    e.set('statusChangedBy', who.actor.name);
    if (to === 'entered-in-error') {
      e.set('enteredInErrorAt', now);
      e.set('enteredInErrorBy', who.actor.name);
      e.set('enteredInErrorReason', why.slice(0, 500));
    }
    e.set('updatedAt', now);
    e.set('updatedBy', who.actor.name);
  }, 'local');
}

/**
 * Marks an active order completed because a final result naming it
 * arrived. Idempotent, and a no-op for an order that is no longer active,
 * so two devices doing it at once agree.
 */
export function completeOrderByResult(doc: Y.Doc, id: string, resultId: string, actor: Actor): boolean {
  const e = entryOrThrow(doc, id);
  if (e.get('status') !== 'active') return false;
  doc.transact(() => {
    const now = nowIso();
    e.set('status', 'completed');
    e.set('statusReason', 'Result received');
    e.set('completedByResult', resultId);
    e.set('statusChangedAt', now);
    e.set('statusChangedBy', actor.name);
    e.set('updatedAt', now);
    e.set('updatedBy', actor.name);
  }, 'local');
  return true;
}

function read(id: string, e: Entry): OrderRecord | null {
  const parsed = orderRecordSchema.safeParse(e.toJSON());
  if (!parsed.success) return null;
  return {
    ...parsed.data,
    id,
    createdAt: str(e, 'createdAt'),
    createdBy: str(e, 'createdBy'),
    updatedAt: str(e, 'updatedAt'),
    updatedBy: str(e, 'updatedBy')
  };
}

function readOne(id: string, e: Entry): OrderRecord {
  const r = read(id, e);
  if (!r) throw new AppError('invalid', 'This order entry cannot be read');
  return r;
}

/** Every order in the chart, newest first; an entry in an unreadable shape is left out. */
export function listOrders(doc: Y.Doc): OrderRecord[] {
  const out: OrderRecord[] = [];
  orders(doc).forEach((e, id) => {
    if (!(e instanceof Y.Map)) return;
    const r = read(id, e);
    if (r) out.push(r);
  });
  const when = (o: OrderRecord) => o.authoredOn || o.createdAt;
  return out.sort((a, b) => when(b).localeCompare(when(a)) || a.id.localeCompare(b.id));
}
