import * as Y from 'yjs';
import { isClinicDocKind, type DocKind } from '../../src/lib/domain/doc-names';
import { PolicyGate, type Admission, type Gated } from './policy-gate';
import type { Author } from './policy-types';

/**
 * Helpers for the write policy's unit tests: a live document, writes made
 * on a device's copy and judged by the gate, and the stored result read back.
 * No server, no sockets: each check runs in microseconds.
 */

export const PATIENT = 'p-0001';
export const CLINIC = 'clinic-a';
/** The server's clock in these tests. */
export const NOW = '2026-12-04T10:00:00.000Z';

export const doctor: Author = { kind: 'user', userId: 'u-doc', name: 'Dr Amani', roles: ['clinician'], via: 'websocket' };
export const doctor2: Author = { kind: 'user', userId: 'u-doc2', name: 'Dr Baraka', roles: ['clinician'], via: 'websocket' };
export const nurse: Author = { kind: 'user', userId: 'u-nurse', name: 'Nurse Njeri', roles: ['nurse'], via: 'websocket' };
export const desk: Author = { kind: 'user', userId: 'u-desk', name: 'Desk Dede', roles: ['frontdesk'], via: 'batch' };
export const importer: Author = { kind: 'server', userId: 'u-import', name: 'Importer', roles: ['clinician'], origin: 'import' };
export const seeder: Author = { kind: 'server', userId: 'u-seed', name: 'Seed', roles: [], origin: 'seed' };

export function liveDoc(kind: DocKind = 'chart'): Gated {
  const clinicLevel = isClinicDocKind(kind);
  const name = clinicLevel ? `${kind}:${CLINIC}` : `${kind}:${PATIENT}`;
  return { identity: { name, clinicId: CLINIC, kind, patientId: clinicLevel ? '' : PATIENT }, doc: new Y.Doc(), shadow: null, unapplied: [] };
}

/** A Y.Map holding the given plain fields (a `Y.Text`/`Y.Map` value is stored as that shared type). */
export function ymap(fields: Record<string, unknown>): Y.Map<unknown> {
  const m = new Y.Map<unknown>();
  for (const [k, v] of Object.entries(fields)) m.set(k, v);
  return m;
}

export function ytext(s: string): Y.Text {
  const t = new Y.Text();
  t.insert(0, s);
  return t;
}

/** Writes straight into the live document, unjudged (the state a test starts from). */
export function seed(live: Gated, write: (doc: Y.Doc) => void): void {
  live.doc.transact(() => write(live.doc));
}

export interface Outcome {
  kind: Admission['kind'];
  /** `action:rule@at` for each violation, in order. */
  violations: string[];
  verdict: Extract<Admission, { verdict: unknown }>['verdict'] | null;
  admission: Admission;
}

export const gate = new PolicyGate(() => new Date(NOW));

/** A write made on a device's copy of the live document, judged by the gate; an admitted one (and its correction) reaches the live document. */
export function write(live: Gated, author: Author, change: (doc: Y.Doc) => void): Outcome {
  const device = new Y.Doc();
  Y.applyUpdate(device, Y.encodeStateAsUpdate(live.doc));
  const sv = Y.encodeStateVector(device);
  device.transact(() => change(device));
  return send(live, author, Y.encodeStateAsUpdate(device, sv));
}

export function send(live: Gated, author: Author, update: Uint8Array): Outcome {
  const r = gate.admit(live, update, author);
  if (r.kind === 'accepted') {
    Y.applyUpdate(live.doc, update);
    if (r.correction) Y.applyUpdate(live.doc, r.correction);
    gate.applied(live, r.correction ? 2 : 1);
  }
  const verdict = r.kind === 'incomplete' ? null : r.verdict;
  return { kind: r.kind, violations: verdict ? verdict.violations.map((v) => `${v.action}:${v.rule}@${v.at}`) : [], verdict, admission: r };
}

/** An entry of the live document as plain JSON. */
export function entryOf(live: Gated, root: string, key: string): unknown {
  const e = live.doc.getMap(root).get(key);
  return e instanceof Y.AbstractType ? e.toJSON() : e;
}

export function entryMap(doc: Y.Doc, root: string, key: string): Y.Map<unknown> {
  return doc.getMap(root).get(key) as Y.Map<unknown>;
}
