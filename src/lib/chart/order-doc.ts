import * as Y from 'yjs';
import type { Actor } from '../domain/chart';
import { AppError } from '../domain/errors';
import {
  assertTransition,
  freeTextOrderSchema,
  freeTextResultSchema,
  LOINC_SYSTEM,
  pointOfCareInputSchema,
  mayMoveOrder,
  mayPlaceOrder,
  orderableByCode,
  orderInputSchema,
  orderRecordSchema,
  type FreeTextOrderInput,
  type FreeTextResultInput,
  type OrderInput,
  type PointOfCareInput,
  type OrderRecord,
  type OrderStatus
} from '../domain/orders';
import type { Role } from '../domain/roles';
import type { ObservationInput } from '../domain/clinical';
import {
  flagQuantity,
  INTERPRETATION_SYSTEM,
  POC_ANSWER_SYSTEM,
  pointOfCareTest,
  rangeFor,
  UCUM_SYSTEM,
  type Population,
  type ResultSpec
} from '../domain/point-of-care';
import { putClinical } from './clinical-doc';
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

// ── Point-of-care tests and tests not in the catalogue ──────────────────

const invalid = (path: string, message: string) => new AppError('invalid', message, [{ path, message }]);

function assertClinical(who: OrderActor): 'sign' | 'draft' {
  const may = mayPlaceOrder(who.roles);
  if (may === 'none') throw new AppError('forbidden', 'Only clinicians and nurses place orders');
  return may;
}

function parseOrThrow<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, input: unknown, message: string): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    throw new AppError('invalid', details[0]?.message ?? message, details);
  }
  return parsed.data;
}

/** One result's stored value, range and flag, from the test's spec; throws AppError('invalid') for a value the spec does not admit. */
function resultFields(spec: ResultSpec, path: string, input: { value?: number; answer?: string; population?: Population }): Partial<ObservationInput> {
  if (spec.kind === 'qualitative') {
    const a = spec.answers.find((x) => x.code === input.answer);
    if (!a) throw invalid(path, 'Choose the result');
    return {
      valueCodeableConcept: { text: a.display, coding: [{ system: POC_ANSWER_SYSTEM, code: a.code, display: a.display }] },
      referenceRange: [{ text: 'Negative' }],
      interpretation: [{ text: a.interpretation === 'NEG' ? 'Negative' : a.interpretation === 'POS' ? 'Positive' : a.interpretation === 'IND' ? 'Invalid — repeat' : 'Abnormal', coding: [{ system: INTERPRETATION_SYSTEM, code: a.interpretation }] }]
    };
  }
  const v = input.value;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(path, 'Enter the value read');
  if (v < spec.min || v > spec.max) throw invalid(path, `A reading is between ${spec.min} and ${spec.max} ${spec.unit}`);
  const range = rangeFor(spec, input.population);
  if (!range) throw invalid('population', 'Say whose range applies (woman, pregnant woman or man)');
  const flag = flagQuantity(range, v);
  const q = (value: number) => ({ value, unit: spec.unit, system: UCUM_SYSTEM, code: spec.ucum });
  return {
    valueQuantity: q(v),
    referenceRange: [{ ...(range.low !== undefined ? { low: q(range.low) } : {}), ...(range.high !== undefined ? { high: q(range.high) } : {}), text: range.text }],
    interpretation: [{ text: flag.code === 'N' ? 'Normal' : flag.label, coding: [{ system: INTERPRETATION_SYSTEM, code: flag.code }] }]
  };
}

/**
 * A point-of-care test done now (by a nurse or clinician): the order,
 * completed, and its result (one observation, or one per pad of a panel
 * under a report) in one chart edit, naming who did it and the kit's lot.
 * Returns the order's and the observations' ids.
 */
export function recordPointOfCare(doc: Y.Doc, input: PointOfCareInput, who: OrderActor): { orderId: string; observationIds: string[] } {
  const may = assertClinical(who);
  const o = parseOrThrow(pointOfCareInputSchema, input, 'The test result is not valid');
  const test = pointOfCareTest(o.code);
  if (!test) throw invalid('code', 'Choose a test from the list');
  const parts: { code: string; display: string; short: string; fields: Partial<ObservationInput> }[] = test.components
    ? test.components.map((c) => ({ code: c.code, display: c.display, short: c.short, fields: resultFields(c.spec, `answers.${c.code}`, { answer: o.answers?.[c.code] }) }))
    : [{ code: test.code, display: test.display, short: test.short, fields: resultFields(test.spec!, test.spec!.kind === 'qualitative' ? 'answer' : 'value', o) }];
  const orderId = newId();
  const observationIds = parts.map(() => newId());
  const performer = [{ reference: `Practitioner/${who.actor.id}`, display: who.actor.name }];
  migrate(doc);
  doc.transact(() => {
    const now = nowIso();
    const e = new Y.Map<unknown>();
    orders(doc).set(orderId, e);
    e.set('resourceType', 'ServiceRequest');
    e.set('id', orderId);
    e.set('status', 'completed');
    e.set('intent', 'order');
    e.set('category', test.category);
    e.set('code', { text: test.short, coding: [{ system: LOINC_SYSTEM, code: test.code, display: test.display }] });
    e.set('priority', 'routine');
    e.set('reasonText', o.reason);
    e.set('note', '');
    e.set('authoredOn', now);
    if (may === 'sign') e.set('requester', { reference: `Practitioner/${who.actor.id}`, display: who.actor.name });
    e.set('pointOfCare', true);
    e.set('statusReason', 'Done at the point of care');
    e.set('completedByResult', observationIds[0]);
    e.set('statusChangedAt', now);
    e.set('statusChangedBy', who.actor.name);
    e.set('createdAt', now);
    e.set('createdBy', who.actor.name);
    e.set('updatedAt', now);
    e.set('updatedBy', who.actor.name);
    parts.forEach((p, i) => {
      putClinical(
        doc,
        'observations',
        observationIds[i],
        {
          status: 'final',
          category: 'laboratory',
          code: { text: p.short, coding: [{ system: LOINC_SYSTEM, code: p.code, display: p.display }] },
          effectiveDateTime: now,
          issued: now,
          ...p.fields,
          basedOn: [orderId],
          performer,
          ...(o.kitLotNumber ? { kitLotNumber: o.kitLotNumber } : {})
        },
        who.actor
      );
    });
    if (test.components) {
      putClinical(
        doc,
        'reports',
        newId(),
        {
          status: 'final',
          category: [{ text: 'Laboratory', coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB' }] }],
          code: { text: test.short, coding: [{ system: LOINC_SYSTEM, code: test.code, display: test.display }] },
          effectiveDateTime: now,
          issued: now,
          result: observationIds,
          basedOn: [orderId]
        },
        who.actor
      );
    }
  }, 'local');
  return { orderId, observationIds };
}

/**
 * Orders a test the catalogue lacks, by name: signed by a clinician, a
 * nurse's a draft, like any order; marked not in the catalogue.
 */
export function placeFreeTextOrder(doc: Y.Doc, input: FreeTextOrderInput, who: OrderActor, id: string = newId()): string {
  const may = assertClinical(who);
  const o = parseOrThrow(freeTextOrderSchema, input, 'The order is not valid');
  migrate(doc);
  doc.transact(() => {
    const now = nowIso();
    const e = new Y.Map<unknown>();
    orders(doc).set(id, e);
    e.set('resourceType', 'ServiceRequest');
    e.set('id', id);
    e.set('status', may === 'sign' ? 'active' : 'draft');
    e.set('intent', 'order');
    e.set('category', o.category);
    e.set('code', o.code ? { text: o.text, coding: [{ code: o.code }] } : { text: o.text });
    e.set('priority', o.priority);
    e.set('reasonText', o.reason);
    e.set('note', '');
    e.set('authoredOn', now);
    if (may === 'sign') e.set('requester', { reference: `Practitioner/${who.actor.id}`, display: who.actor.name });
    e.set('notInCatalogue', true);
    e.set('createdAt', now);
    e.set('createdBy', who.actor.name);
    e.set('updatedAt', now);
    e.set('updatedBy', who.actor.name);
  }, 'local');
  return id;
}

/**
 * The result of an active order placed by name: free text or a value with
 * its unit, with no reference range or flag (the chart has none for a test
 * it does not know). Completes the order. Returns the observation's id.
 */
export function recordFreeTextResult(doc: Y.Doc, orderId: string, input: FreeTextResultInput, who: OrderActor): string {
  assertClinical(who);
  const order = readOne(orderId, entryOrThrow(doc, orderId));
  if (!order.notInCatalogue) throw new AppError('invalid', 'This order is from the catalogue: its result comes from the laboratory');
  if (order.status !== 'active') throw new AppError('conflict', 'Only an active (signed) order takes a result');
  const r = parseOrThrow(freeTextResultSchema, input, 'The result is not valid');
  const id = newId();
  doc.transact(() => {
    const now = nowIso();
    putClinical(
      doc,
      'observations',
      id,
      {
        status: 'final',
        category: order.category === 'imaging' ? 'imaging' : 'laboratory',
        code: order.code,
        effectiveDateTime: now,
        issued: now,
        ...(r.kind === 'text' ? { valueString: r.text } : { valueQuantity: r.unit ? { value: r.value, unit: r.unit } : { value: r.value } }),
        basedOn: [orderId],
        performer: [{ reference: `Practitioner/${who.actor.id}`, display: who.actor.name }],
        notInCatalogue: true
      },
      who.actor
    );
    completeOrderByResult(doc, orderId, id, who.actor);
  }, 'local');
  return id;
}
