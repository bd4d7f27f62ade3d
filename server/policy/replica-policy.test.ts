import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Role } from '../../src/lib/domain/roles';
import { PolicyGate, type Gated } from './policy-gate';
import type { Author } from './policy-types';
import { CLINIC, liveDoc, NOW, seed, ymap, ytext } from './test-factories';

/**
 * A clinic box's replicated update through the write policy alone: no one
 * author, so the rules that hold for every author judge it, user ids it
 * writes must be staff of the record's clinic, and a note's signer must be
 * a clinician as the hub knows them. Each case beside its positive control.
 */

const EARLIER = '2026-12-04T09:00:00.000Z';
const box: Author = { kind: 'server', userId: 'edge:box-1', name: 'Outpost server', roles: [], origin: 'replica' };
const system: Author = { kind: 'server', userId: 'outpost-server', name: 'Outpost server', roles: [], origin: 'system' };
const STAFF: Record<string, { clinicId: string; name: string; roles: Role[] }> = {
  'u-doc': { clinicId: CLINIC, name: 'Dr Amani', roles: ['clinician'] },
  'u-desk': { clinicId: CLINIC, name: 'Desk Dede', roles: ['frontdesk'] },
  'u-far': { clinicId: 'clinic-b', name: 'Dr Far', roles: ['clinician'] }
};
const gate = new PolicyGate(() => new Date(NOW), {
  birthDate: () => null,
  staff: (clinicId, userId) => (STAFF[userId]?.clinicId === clinicId ? STAFF[userId] : null)
});

function write(live: Gated, author: Author, change: (doc: Y.Doc) => void): { kind: string; violations: string[] } {
  const device = new Y.Doc();
  Y.applyUpdate(device, Y.encodeStateAsUpdate(live.doc));
  const sv = Y.encodeStateVector(device);
  device.transact(() => change(device));
  const update = Y.encodeStateAsUpdate(device, sv);
  const r = gate.admit(live, update, author);
  if (r.kind === 'accepted') {
    Y.applyUpdate(live.doc, update);
    if (r.correction) Y.applyUpdate(live.doc, r.correction);
    gate.applied(live, r.correction ? 2 : 1);
  }
  return { kind: r.kind, violations: r.kind === 'incomplete' ? [] : r.verdict.violations.map((v) => `${v.action}:${v.rule}@${v.at}`) };
}

const note = (fields: Record<string, unknown>) => ymap({ subjective: ytext('Feels well.'), status: 'draft', ...fields });
const encounter = (n: Y.Map<unknown>) => ymap({ id: 'e1', resourceType: 'Encounter', status: 'in-progress', createdAt: EARLIER, createdBy: 'Dr Amani', createdById: 'u-doc', note: n });
const noteOf = (doc: Y.Doc) => (doc.getMap('encounters').get('e1') as Y.Map<unknown>).get('note') as Y.Map<unknown>;
const sig = (byId: string, by: string) => ({ byId, by, at: EARLIER, text: { subjective: 'Feels well.' } });

describe('a replicated update is judged, never trusted', () => {
  it('deleting a signed note is refused (the server’s own write is not judged: control)', () => {
    const make = () => {
      const live = liveDoc();
      seed(live, (d) => d.getMap('encounters').set('e1', encounter(note({ status: 'signed', signature: sig('u-doc', 'Dr Amani') }))));
      return live;
    };
    expect(write(make(), box, (d) => d.getMap('encounters').delete('e1'))).toEqual({ kind: 'refused', violations: ['refuse:record.no-delete@encounters/e1'] });
    expect(write(make(), system, (d) => d.getMap('encounters').delete('e1')).kind).toBe('accepted');
  });

  it('a note signed in the name of a staff member who is not a clinician goes back to draft; a clinician’s signature stands', () => {
    const live = liveDoc();
    seed(live, (d) => d.getMap('encounters').set('e1', encounter(note({}))));
    expect(write(live, box, (d) => noteOf(d).set('signature', sig('u-desk', 'Desk Dede'))).kind).toBe('accepted');
    const r = write(live, box, (d) => noteOf(d).set('status', 'signed'));
    expect(r.violations).toEqual(['correct:note.sign-role@encounters/e1/note/signature']);
    expect(noteOf(live.doc).get('status')).toBe('draft');
    expect((noteOf(live.doc).get('signatureRefused') as { byId: string }).byId).toBe('u-desk');

    const ok = liveDoc();
    seed(ok, (d) => d.getMap('encounters').set('e1', encounter(note({}))));
    expect(write(ok, box, (d) => { noteOf(d).set('signature', sig('u-doc', 'Dr Amani')); noteOf(d).set('status', 'signed'); })).toEqual({ kind: 'accepted', violations: [] });
    expect(noteOf(ok.doc).get('status')).toBe('signed');
  });

  it('a signed note’s signature is put back when a replicated update changes it', () => {
    const live = liveDoc();
    seed(live, (d) => d.getMap('encounters').set('e1', encounter(note({ status: 'signed', signature: sig('u-doc', 'Dr Amani') }))));
    const r = write(live, box, (d) => noteOf(d).set('signature', { ...sig('u-doc', 'Dr Amani'), text: { subjective: 'Rewritten.' } }));
    expect(r.violations).toEqual(['correct:note.signature-frozen@encounters/e1/note/signature']);
    expect((noteOf(live.doc).get('signature') as { text: { subjective: string } }).text.subjective).toBe('Feels well.');
  });

  it('a user id must be staff of the record’s clinic: another clinic’s or an unknown one is refused, the clinic’s own is taken', () => {
    const allergy = (byId: string) => ymap({ id: 'a1', resourceType: 'AllergyIntolerance', recordedAt: EARLIER, recordedBy: 'x', recordedById: byId });
    expect(write(liveDoc(), box, (d) => d.getMap('allergies').set('a1', allergy('u-far')))).toEqual({ kind: 'refused', violations: ['refuse:provenance.unknown-user@allergies/a1/recordedById'] });
    expect(write(liveDoc(), box, (d) => d.getMap('allergies').set('a1', allergy('u-nobody'))).kind).toBe('refused');
    expect(write(liveDoc(), box, (d) => d.getMap('allergies').set('a1', allergy('u-doc')))).toEqual({ kind: 'accepted', violations: [] });
  });

  it('what only the hub’s server writes is refused: a patient’s form, an inbox item (the server’s own write: control)', () => {
    const form = (d: Y.Doc) => d.getMap('intakeResponses').set('i1', ymap({ id: 'i1', submittedAt: EARLIER }));
    expect(write(liveDoc(), box, form)).toEqual({ kind: 'refused', violations: ['refuse:intake.server-only@intakeResponses/i1'] });
    expect(write(liveDoc(), system, form).kind).toBe('accepted');
    const inbox = (d: Y.Doc) =>
      d.getMap('tasks').set('t1', ymap({ id: 't1', description: 'Call back', patientId: '4384bf23-1dc3-48ca-8c84-89fbaff201ae', ownerKind: 'role', ownerRole: 'frontdesk', dueDate: '2026-12-10', category: 'admin', focusKind: 'message', focusRef: 'm1', status: 'requested', createdBy: 'Desk Dede', createdById: 'u-desk' }));
    const r = write(liveDoc('tasks'), box, inbox);
    expect(r).toEqual({ kind: 'refused', violations: ['refuse:tasks.inbox@tasks/t1/focusKind'] });
    expect(write(liveDoc('tasks'), system, inbox).kind).toBe('accepted');
  });

  it('a money entry is never changed: refused; a new one is taken', () => {
    const entry = (amount: number) => ymap({ id: 'l1', kind: 'payment', amount, currency: 'KES', clinicId: CLINIC, method: 'cash', createdAt: EARLIER, createdBy: 'Desk Dede', createdById: 'u-desk' });
    const live = liveDoc('patient');
    expect(write(live, box, (d) => d.getMap('ledger').set('l1', entry(500)))).toEqual({ kind: 'accepted', violations: [] });
    expect(write(live, box, (d) => (d.getMap('ledger').get('l1') as Y.Map<unknown>).set('amount', 5))).toEqual({ kind: 'refused', violations: ['refuse:billing.append-only@ledger/l1'] });
  });
});
