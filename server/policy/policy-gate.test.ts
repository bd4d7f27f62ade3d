import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addAllergy, addEncounter, signNote } from '../../src/lib/chart/chart-doc';
import { PolicyGate, type Gated } from './policy-gate';
import type { Author } from './policy-types';

/**
 * The write policy through its Yjs glue, without a server: updates made by
 * the app's own chart functions are admitted; crafted ones are refused or
 * corrected, and a refused one leaves the document as it was.
 */
const PATIENT = '4f3c2b1a-0000-4000-8000-000000000001';
const nurse: Author = { kind: 'user', userId: 'u-nurse', name: 'Nurse Njeri', roles: ['nurse'], via: 'websocket' };
const doctor: Author = { kind: 'user', userId: 'u-doc', name: 'Dr Amani', roles: ['clinician'], via: 'websocket' };

function chart(): Gated {
  return { identity: { name: `chart:${PATIENT}`, clinicId: 'c1', kind: 'chart', patientId: PATIENT }, doc: new Y.Doc(), shadow: null, unapplied: [] };
}

/** A device holding a copy of the server's document. */
function device(live: Gated): Y.Doc {
  const d = new Y.Doc();
  Y.applyUpdate(d, Y.encodeStateAsUpdate(live.doc));
  return d;
}

function edit(doc: Y.Doc, change: (d: Y.Doc) => void): Uint8Array {
  const before = Y.encodeStateVector(doc);
  change(doc);
  return Y.encodeStateAsUpdate(doc, before);
}

const gate = new PolicyGate();

function send(live: Gated, update: Uint8Array, author: Author) {
  const r = gate.admit(live, update, author);
  if (r.kind === 'accepted') {
    Y.applyUpdate(live.doc, update);
    if (r.correction) Y.applyUpdate(live.doc, r.correction);
    gate.applied(live, r.correction ? 2 : 1);
  }
  return r;
}

const rules = (r: ReturnType<typeof send>) => (r.kind === 'incomplete' ? [] : r.verdict.violations.map((v) => `${v.action}:${v.rule}`));

describe('the write policy on chart updates', () => {
  it('admits what the app writes, untouched', () => {
    const live = chart();
    const d = device(live);
    const r = send(live, edit(d, (doc) => addAllergy(doc, { substance: 'Penicillin', category: 'medication', criticality: 'high', reaction: 'Anaphylaxis', severity: 'severe', verificationStatus: 'confirmed' }, { id: 'u-nurse', name: 'Nurse Njeri' })), nurse);
    expect(r.kind).toBe('accepted');
    expect(rules(r)).toEqual([]);
    expect(r.kind === 'accepted' && r.correction).toBeNull();
  });

  it('refuses deleting an allergy and leaves the document as it was', () => {
    const live = chart();
    const d = device(live);
    let id = '';
    send(live, edit(d, (doc) => (id = addAllergy(doc, { substance: 'Penicillin', category: 'medication', criticality: 'high', reaction: 'Anaphylaxis', severity: 'severe', verificationStatus: 'confirmed' }, { id: 'u-nurse', name: 'Nurse Njeri' }))), nurse);
    const r = send(live, edit(d, (doc) => doc.getMap('allergies').delete(id)), nurse);
    expect(r.kind).toBe('refused');
    expect(rules(r)).toEqual(['refuse:record.no-delete']);
    expect((live.doc.getMap('allergies').get(id) as Y.Map<unknown>).get('code')).toEqual({ text: 'Penicillin' });
    // The next honest write from a fresh copy is admitted: the refusal left no trace in the shadow.
    const d2 = device(live);
    expect(send(live, edit(d2, (doc) => (doc.getMap('allergies').get(id) as Y.Map<unknown>).set('reaction', 'Hives')), nurse).kind).toBe('accepted');
  });

  it('corrects a forged updatedBy to the connected user, in the same write', () => {
    const live = chart();
    const d = device(live);
    let id = '';
    send(live, edit(d, (doc) => (id = addAllergy(doc, { substance: 'Latex', category: 'environment', criticality: 'low', reaction: 'Rash', severity: 'mild', verificationStatus: 'confirmed' }, { id: 'u-doc', name: 'Dr Amani' }))), doctor);
    const r = send(live, edit(d, (doc) => {
      const e = doc.getMap('allergies').get(id) as Y.Map<unknown>;
      e.set('severity', 'severe');
      e.set('updatedBy', 'Dr Amani');
    }), nurse);
    expect(rules(r)).toEqual(['correct:provenance.stamp']);
    const e = live.doc.getMap('allergies').get(id) as Y.Map<unknown>;
    expect(e.get('updatedBy')).toBe('Nurse Njeri');
    expect(e.get('severity')).toBe('severe');
  });

  it.each([
    ['a bigint', (m: Y.Map<unknown>) => m.set('reaction', 10n), 'refuse:structure.value'],
    ['binary data', (m: Y.Map<unknown>) => m.set('reaction', new Uint8Array([1, 2])), 'refuse:structure.value'],
    ['a string over the limit', (m: Y.Map<unknown>) => m.set('reaction', 'x'.repeat(20_001)), 'refuse:structure.value'],
    ['a deep object', (m: Y.Map<unknown>) => m.set('reaction', JSON.parse('{"a":'.repeat(20) + '1' + '}'.repeat(20))), 'refuse:structure.value']
  ])('refuses %s in an entry', (_what, write, rule) => {
    const live = chart();
    const d = device(live);
    const r = send(live, edit(d, (doc) => {
      const e = new Y.Map<unknown>();
      doc.getMap('allergies').set('a1', e);
      write(e);
    }), nurse);
    expect(r.kind).toBe('refused');
    expect(rules(r)).toContain(rule);
  });

  it('refuses a top-level list the chart does not have', () => {
    const live = chart();
    const r = send(live, edit(device(live), (doc) => doc.getMap('evil').set('x', 'y')), nurse);
    expect(rules(r)).toEqual(['refuse:structure.root']);
  });

  it('lets a clinician sign a note, undoes a nurse’s signature, refuses a signature in another’s name', () => {
    const live = chart();
    const d = device(live);
    let visit = '';
    send(live, edit(d, (doc) => (visit = addEncounter(doc, { class: 'ambulatory', type: 'Follow-up', reason: 'Cough' }, { id: 'u-nurse', name: 'Nurse Njeri' }))), nurse);
    // The nurse signs as herself: put back to draft.
    const asNurse = send(live, edit(device(live), (doc) => signNote(doc, visit, { id: 'u-nurse', name: 'Nurse Njeri' })), nurse);
    expect(rules(asNurse)).toEqual(['correct:note.sign-role']);
    const note = () => (live.doc.getMap('encounters').get(visit) as Y.Map<unknown>).get('note') as Y.Map<unknown>;
    expect(note().get('status')).toBe('draft');
    expect(note().get('signature')).toBeUndefined();
    // The nurse signs in the doctor's name: refused outright.
    const forged = send(live, edit(device(live), (doc) => signNote(doc, visit, { id: 'u-doc', name: 'Dr Amani' })), nurse);
    expect(rules(forged)).toContain('refuse:provenance.forged-id');
    expect(note().get('status')).toBe('draft');
    // The doctor signs.
    const signed = send(live, edit(device(live), (doc) => signNote(doc, visit, { id: 'u-doc', name: 'Dr Amani' })), doctor);
    expect(rules(signed)).toEqual([]);
    expect(note().get('status')).toBe('signed');
  });

  it('puts back a signed note’s signature when a write changes it, and refuses replacing the note', () => {
    const live = chart();
    let visit = '';
    send(live, edit(device(live), (doc) => (visit = addEncounter(doc, { class: 'ambulatory', type: 'Visit', reason: 'Fever' }, { id: 'u-doc', name: 'Dr Amani' }))), doctor);
    send(live, edit(device(live), (doc) => signNote(doc, visit, { id: 'u-doc', name: 'Dr Amani' })), doctor);
    const signature = ((live.doc.getMap('encounters').get(visit) as Y.Map<unknown>).get('note') as Y.Map<unknown>).get('signature');
    const rewrite = send(live, edit(device(live), (doc) => {
      const note = (doc.getMap('encounters').get(visit) as Y.Map<unknown>).get('note') as Y.Map<unknown>;
      note.set('signature', { ...(signature as object), text: { subjective: 'rewritten', objective: '', assessment: '', plan: '' } });
    }), doctor);
    expect(rules(rewrite)).toEqual(['correct:note.signature-frozen']);
    expect(((live.doc.getMap('encounters').get(visit) as Y.Map<unknown>).get('note') as Y.Map<unknown>).get('signature')).toEqual(signature);
    const replace = send(live, edit(device(live), (doc) => {
      const fresh = new Y.Map<unknown>();
      (doc.getMap('encounters').get(visit) as Y.Map<unknown>).set('note', fresh);
      fresh.set('status', 'draft');
    }), doctor);
    expect(rules(replace)).toEqual(['refuse:record.no-replace']);
  });

  it('does not admit an update whose dependencies the server lacks', () => {
    const live = chart();
    const d = device(live);
    edit(d, (doc) => addAllergy(doc, { substance: 'Sulfa', category: 'medication', criticality: 'low', reaction: '', severity: '', verificationStatus: 'unconfirmed' }, { id: 'u-nurse', name: 'Nurse Njeri' }));
    const second = edit(d, (doc) => doc.getMap('allergies').forEach((e) => (e as Y.Map<unknown>).set('reaction', 'Rash')));
    expect(send(live, second, nurse).kind).toBe('incomplete');
    expect(live.doc.getMap('allergies').size).toBe(0);
  });
});
