import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { recordNoKnownAllergies } from '../../src/lib/chart/allergy-status';
import { doctor, doctor2, entryMap, entryOf, importer, liveDoc as emptyChart, NOW, nurse, seed, write, ymap } from './test-factories';

/**
 * Prescriptions and pharmacy sends through the write policy alone: the audit
 * notes each write gives rise to (whole objects, digests computed here), and
 * the server's corrections read back from the stored document.
 */

const messages = (o: { verdict: { violations: { message: string }[] } | null }) => o.verdict!.violations.map((v) => v.message);
const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const TARGET = 'chart:p-0001';
const EARLIER = '2026-12-04T09:00:00.000Z';

/**
 * A chart whose allergies were asked ("no known allergies" recorded), so the
 * server's own run of the drug checks (prescription-checks-policy.test.ts)
 * finds nothing unanswered in these signatures and they show the notes alone.
 */
function liveDoc() {
  const live = emptyChart();
  seed(live, (d) => recordNoKnownAllergies(d, { id: 'u-doc', name: 'Dr Amani' }, 0, EARLIER));
  return live;
}

const issue = (extra: Record<string, unknown> = {}) => ({ kind: 'drug-allergy', severity: 'serious', title: 'NSAID allergy', ruleId: 'allergy-nsaid', ...extra });
const docOverride = (reason = 'Benefit outweighs risk', by = doctor) => ({ byId: by.kind === 'user' ? by.userId : '', by: by.name, at: EARLIER, reason });

function rx(extra: Record<string, unknown> = {}, by = doctor): Record<string, unknown> {
  const id = by.kind === 'user' ? by.userId : '';
  return {
    id: 'rx1',
    resourceType: 'MedicationRequest',
    intent: 'order',
    status: 'active',
    requester: { reference: `Practitioner/${id}`, display: by.name },
    medicationCodeableConcept: { text: 'amoxicillin 500 MG' },
    authoredOn: EARLIER,
    dosageText: '1 capsule three times daily',
    createdAt: EARLIER,
    createdBy: by.name,
    ...extra
  };
}

const addRx = (fields: Record<string, unknown>, key = 'rx1') => (doc: Y.Doc) => doc.getMap('medications').set(key, ymap({ ...fields, id: key }));

function signedChart(fields: Record<string, unknown> = {}) {
  const live = liveDoc();
  seed(live, addRx({ ...rx(), updatedAt: EARLIER, updatedBy: 'Dr Amani', ...fields }));
  return live;
}

describe('signing a prescription', () => {
  it('a clinician’s signature with an override of his own: a sign note and an override note, nothing corrected', () => {
    const live = liveDoc();
    const o = write(live, doctor, addRx(rx({ detectedIssues: [issue({ override: docOverride() }), issue({ ruleId: 'dup', severity: 'moderate', kind: 'duplicate' }), 'not an issue'] })));
    expect(o.kind).toBe('accepted');
    expect(o.violations).toEqual([]);
    expect(o.verdict!.corrections).toEqual([]);
    expect(o.verdict!.notes).toEqual([
      { action: 'prescription.sign', outcome: 'success', userId: 'u-doc', target: TARGET, detail: { medicationId: 'rx1', requester: 'Practitioner/u-doc', status: 'active', alerts: 2, overridden: 1 } },
      {
        action: 'prescription.override',
        outcome: 'success',
        userId: 'u-doc',
        target: TARGET,
        detail: { medicationId: 'rx1', context: 'sign', ruleId: 'allergy-nsaid', severity: 'serious', kind: 'drug-allergy', reasonLength: 22, reasonSha256: digest('Benefit outweighs risk') }
      }
    ]);
  });

  it('a nurse’s signature: marked entered in error by the server, notes record the refusal', () => {
    const live = liveDoc();
    const o = write(live, nurse, addRx(rx({ detectedIssues: [issue({ override: docOverride('Checked with patient', nurse) })] }, nurse)));
    expect(o.kind).toBe('accepted');
    expect(o.violations).toEqual(['correct:prescription.sign-role@medications/rx1']);
    expect(messages(o)).toEqual(['Only a clinician signs a prescription']);
    expect(o.verdict!.notes).toEqual([
      { action: 'prescription.sign', outcome: 'failure', userId: 'u-nurse', target: TARGET, detail: { medicationId: 'rx1', requester: 'Practitioner/u-nurse', status: 'active', alerts: 1, overridden: 1, refused: 'not-a-clinician' } },
      {
        action: 'prescription.override',
        outcome: 'failure',
        userId: 'u-nurse',
        target: TARGET,
        detail: { medicationId: 'rx1', context: 'sign', ruleId: 'allergy-nsaid', severity: 'serious', kind: 'drug-allergy', reasonLength: 20, reasonSha256: digest('Checked with patient'), refused: 'not-a-clinician' }
      }
    ]);
    expect(entryOf(live, 'medications', 'rx1')).toMatchObject({
      status: 'entered-in-error',
      statusReason: 'Refused by the server: signed by a user who is not a clinician',
      statusChangedAt: NOW,
      statusChangedBy: 'Outpost server',
      updatedAt: NOW,
      updatedBy: 'Outpost server',
      dosageText: '1 capsule three times daily'
    });
  });

  it('a nurse’s prescription already entered in error: the violation is reported, nothing to correct', () => {
    const live = liveDoc();
    const o = write(live, nurse, addRx(rx({ status: 'entered-in-error' }, nurse)));
    expect(o.violations).toEqual(['correct:prescription.sign-role@medications/rx1']);
    expect(o.verdict!.corrections).toEqual([]);
    expect(o.admission.kind === 'accepted' && o.admission.correction).toBeNull();
    expect(o.verdict!.notes[0].detail).toEqual({ medicationId: 'rx1', requester: 'Practitioner/u-nurse', status: 'entered-in-error', alerts: 0, overridden: 0, refused: 'not-a-clinician' });
  });

  it('another prescriber named: refused (provenance), the sign note says why', () => {
    const live = liveDoc();
    const o = write(live, doctor, addRx(rx({ requester: { reference: 'Practitioner/u-doc2', display: 'Dr Amani' } })));
    expect(o.kind).toBe('refused');
    expect(o.violations).toEqual(['refuse:provenance.forged-id@medications/rx1/requester']);
    expect(o.verdict!.notes).toEqual([
      { action: 'prescription.sign', outcome: 'failure', userId: 'u-doc', target: TARGET, detail: { medicationId: 'rx1', requester: 'Practitioner/u-doc2', status: 'active', alerts: 0, overridden: 0, refused: 'requester-is-not-the-author' } }
    ]);
  });

  it('an override in another clinician’s name: refused, both notes say why', () => {
    const live = liveDoc();
    const o = write(live, doctor, addRx(rx({ detectedIssues: [issue({ override: docOverride('', doctor2) })] })));
    expect(o.kind).toBe('refused');
    expect(o.violations[0]).toBe('refuse:provenance.forged-id@medications/rx1/detectedIssues/0/override/byId');
    expect(o.verdict!.notes).toEqual([
      { action: 'prescription.sign', outcome: 'failure', userId: 'u-doc', target: TARGET, detail: { medicationId: 'rx1', requester: 'Practitioner/u-doc', status: 'active', alerts: 1, overridden: 1, refused: 'override-is-not-the-author' } },
      {
        action: 'prescription.override',
        outcome: 'failure',
        userId: 'u-doc',
        target: TARGET,
        detail: { medicationId: 'rx1', context: 'sign', ruleId: 'allergy-nsaid', severity: 'serious', kind: 'drug-allergy', reasonLength: 0, reasonSha256: digest(''), refused: 'override-is-not-the-author' }
      }
    ]);
  });

  it('one override of two in another clinician’s name is enough to refuse the signature', () => {
    const live = liveDoc();
    const o = write(live, doctor, addRx(rx({ detectedIssues: [issue({ override: docOverride() }), issue({ ruleId: 'dup', override: docOverride('x', doctor2) })] })));
    expect(o.kind).toBe('refused');
    expect(o.verdict!.notes.map((n) => [n.action, n.outcome, (n.detail as Record<string, unknown>).refused])).toEqual([
      ['prescription.sign', 'failure', 'override-is-not-the-author'],
      ['prescription.override', 'success', undefined],
      ['prescription.override', 'failure', 'override-is-not-the-author']
    ]);
  });

  it('cuts long values in the notes: requester to 200, status to 40, reason to 500 characters; absent issue facts are empty', () => {
    const live = liveDoc();
    const reason = 'r'.repeat(499) + 'XY';
    const o = write(live, doctor, addRx(rx({ status: 's'.repeat(39) + 'TU', requester: { reference: 'Practitioner/' + 'x'.repeat(190) + 'ABCDEFGHIJ', display: 'Dr Amani' }, detectedIssues: [{ override: docOverride(reason) }] })));
    expect(o.verdict!.notes).toEqual([
      {
        action: 'prescription.sign',
        outcome: 'failure',
        userId: 'u-doc',
        target: TARGET,
        detail: { medicationId: 'rx1', requester: 'Practitioner/' + 'x'.repeat(187), status: 's'.repeat(39) + 'T', alerts: 1, overridden: 1, refused: 'requester-is-not-the-author' }
      },
      {
        action: 'prescription.override',
        outcome: 'success',
        userId: 'u-doc',
        target: TARGET,
        detail: { medicationId: 'rx1', context: 'sign', ruleId: '', severity: '', kind: '', reasonLength: 500, reasonSha256: digest('r'.repeat(499) + 'X') }
      }
    ]);
  });

  it('a reason that is not text counts as empty; a claimed import is noted', () => {
    const live = liveDoc();
    const o = write(live, doctor, addRx(rx({ sourceId: 'ext-1', detectedIssues: [issue({ override: { ...docOverride(), reason: 12345 } })] })));
    expect(o.violations).toEqual([]);
    expect(o.verdict!.notes.map((n) => n.detail)).toEqual([
      { medicationId: 'rx1', requester: 'Practitioner/u-doc', status: 'active', alerts: 1, overridden: 1, claimsImport: true },
      { medicationId: 'rx1', context: 'sign', ruleId: 'allergy-nsaid', severity: 'serious', kind: 'drug-allergy', reasonLength: 0, reasonSha256: digest('') }
    ]);
  });

  it('a prescription with no status or requester reference is noted with empty values', () => {
    const live = liveDoc();
    const fields = rx({ requester: { display: 'Dr Amani' } });
    delete fields.status;
    const o = write(live, doctor, addRx(fields));
    expect(o.verdict!.notes[0]).toEqual({ action: 'prescription.sign', outcome: 'failure', userId: 'u-doc', target: TARGET, detail: { medicationId: 'rx1', requester: '', status: '', alerts: 0, overridden: 0, refused: 'requester-is-not-the-author' } });
  });

  it.each([
    ['another resource type', { resourceType: 'MedicationStatement' }],
    ['a plan, not an order', { intent: 'plan' }],
    ['no requester', { requester: undefined }]
  ])('%s is not a prescription: no notes, nothing corrected even from a nurse', (_what, extra) => {
    const live = liveDoc();
    const fields = rx(extra, nurse);
    for (const k of Object.keys(fields)) if (fields[k] === undefined) delete fields[k];
    const o = write(live, nurse, addRx(fields));
    expect(o.kind).toBe('accepted');
    expect(o.violations).toEqual([]);
    expect(o.verdict!.notes).toEqual([]);
    // Positive control: the same entry as an order is judged.
    const live2 = liveDoc();
    expect(write(live2, nurse, addRx(rx({}, nurse))).violations).toEqual(['correct:prescription.sign-role@medications/rx1']);
  });

  it('a prescription written by an import is not judged as a signature', () => {
    const live = liveDoc();
    const o = write(live, importer, addRx(rx({}, nurse)));
    expect(o.kind).toBe('accepted');
    expect(o.verdict!.notes).toEqual([]);
    expect(o.violations).toEqual([]);
  });

  it('a nurse’s prescription claiming to be imported: still refused, the claim noted, marked entered in error', () => {
    const live = liveDoc();
    const o = write(live, nurse, addRx(rx({ sourceId: 'MedicationRequest/ext-1' }, nurse)));
    expect(o.violations).toEqual(['correct:prescription.sign-role@medications/rx1']);
    expect(o.verdict!.notes[0].detail).toEqual({ medicationId: 'rx1', requester: 'Practitioner/u-nurse', status: 'active', alerts: 0, overridden: 0, claimsImport: true, refused: 'not-a-clinician' });
    expect((entryOf(live, 'medications', 'rx1') as Record<string, unknown>).status).toBe('entered-in-error');
  });

  it('a nurse setting her refused prescription active again: entered in error put back, the change noted as refused', () => {
    const live = liveDoc();
    write(live, nurse, addRx(rx({}, nurse)));
    const o = write(live, nurse, (doc) => entryMap(doc, 'medications', 'rx1').set('status', 'active'));
    // The server named itself last editor: the nurse's edit is stamped, and the prescription rule's own stamp, written after, stands.
    expect(o.violations).toEqual(['correct:record.entered-in-error-final@medications/rx1/status', 'correct:provenance.stamp@medications/rx1/updatedBy', 'correct:prescription.frozen@medications/rx1']);
    expect(o.verdict!.notes).toEqual([
      { action: 'prescription.change', outcome: 'failure', userId: 'u-nurse', target: TARGET, detail: { medicationId: 'rx1', fields: ['status'], from: 'entered-in-error', to: 'active', refused: 'not-a-clinician' } }
    ]);
    expect(entryOf(live, 'medications', 'rx1')).toMatchObject({ status: 'entered-in-error', updatedBy: 'Outpost server' });
  });

  it('a plan becoming an order is a new signature', () => {
    const live = signedChart({ intent: 'plan' });
    const o = write(live, nurse, (doc) => entryMap(doc, 'medications', 'rx1').set('intent', 'order'));
    expect(o.violations).toContain('correct:prescription.sign-role@medications/rx1');
    expect(o.verdict!.notes.map((n) => n.action)).toEqual(['prescription.sign']);
  });
});

describe('changing a signed prescription', () => {
  const setFields = (fields: Record<string, unknown>) => (doc: Y.Doc) => {
    const e = entryMap(doc, 'medications', 'rx1');
    for (const [k, v] of Object.entries(fields)) e.set(k, v);
  };

  it('a change outside the signed fields gives no note', () => {
    const live = signedChart();
    const o = write(live, doctor, setFields({ note: 'Take with food' }));
    expect(o.violations).toEqual([]);
    expect(o.verdict!.notes).toEqual([]);
  });

  it.each([
    ['active', 'stopped'],
    ['active', 'completed'],
    ['active', 'entered-in-error'],
    ['stopped', 'entered-in-error'],
    ['completed', 'entered-in-error']
  ])('a clinician moves %s → %s: noted, kept', (from, to) => {
    const live = signedChart({ status: from });
    const o = write(live, doctor, setFields({ status: to }));
    expect(o.violations).toEqual([]);
    expect(o.verdict!.notes).toEqual([{ action: 'prescription.change', outcome: 'success', userId: 'u-doc', target: TARGET, detail: { medicationId: 'rx1', fields: ['status'], from, to } }]);
    expect((entryOf(live, 'medications', 'rx1') as Record<string, unknown>).status).toBe(to);
  });

  it.each([
    ['stopped', 'active'],
    ['completed', 'stopped'],
    ['stopped', 'completed'],
    ['active', 'draft'],
    ['draft', 'active'],
    ['on-hold', 'stopped']
  ])('a clinician moves %s → %s: not allowed, put back', (from, to) => {
    const live = signedChart({ status: from });
    const o = write(live, doctor, setFields({ status: to }));
    expect(o.violations).toEqual(['correct:prescription.frozen@medications/rx1']);
    expect(messages(o)).toEqual(['A signed prescription changes only by a clinician stopping, completing or marking it entered in error']);
    expect(o.verdict!.notes).toEqual([
      { action: 'prescription.change', outcome: 'failure', userId: 'u-doc', target: TARGET, detail: { medicationId: 'rx1', fields: ['status'], from, to, refused: 'status-change-not-allowed' } }
    ]);
    expect(o.verdict!.corrections).toEqual([
      { root: 'medications', key: 'rx1', path: ['status'], value: from },
      { root: 'medications', key: 'rx1', path: ['updatedAt'], value: NOW },
      { root: 'medications', key: 'rx1', path: ['updatedBy'], value: 'Outpost server' }
    ]);
    expect(entryOf(live, 'medications', 'rx1')).toMatchObject({ status: from, updatedAt: NOW, updatedBy: 'Outpost server' });
  });

  it('a clinician edits the dose and stops it in one write: every signed field put back, in the signature’s order', () => {
    const live = signedChart();
    const o = write(live, doctor, setFields({ dosageText: '2 capsules', status: 'stopped', medicationCodeableConcept: { text: 'morphine' }, dispense: { quantity: 5 } }));
    expect(o.violations).toEqual(['correct:prescription.frozen@medications/rx1']);
    expect(o.verdict!.notes[0].detail).toEqual({ medicationId: 'rx1', fields: ['status', 'medicationCodeableConcept', 'dosageText', 'dispense'], from: 'active', to: 'stopped', refused: 'signed-fields-changed' });
    expect(o.verdict!.corrections.map((c) => [c.path[0], c.value])).toEqual([
      ['status', 'active'],
      ['medicationCodeableConcept', { text: 'amoxicillin 500 MG' }],
      ['dosageText', '1 capsule three times daily'],
      ['dispense', undefined],
      ['updatedAt', NOW],
      ['updatedBy', 'Outpost server']
    ]);
    const e = entryOf(live, 'medications', 'rx1') as Record<string, unknown>;
    expect(e).toMatchObject({ status: 'active', medicationCodeableConcept: { text: 'amoxicillin 500 MG' }, dosageText: '1 capsule three times daily', updatedBy: 'Outpost server' });
    expect('dispense' in e).toBe(false);
  });

  it('a nurse stopping it: not a clinician', () => {
    const live = signedChart();
    const o = write(live, nurse, setFields({ status: 'stopped', updatedBy: 'Nurse Njeri', updatedAt: EARLIER }));
    expect(o.violations).toEqual(['correct:prescription.frozen@medications/rx1']);
    expect(o.verdict!.notes[0]).toEqual({ action: 'prescription.change', outcome: 'failure', userId: 'u-nurse', target: TARGET, detail: { medicationId: 'rx1', fields: ['status'], from: 'active', to: 'stopped', refused: 'not-a-clinician' } });
    expect(entryOf(live, 'medications', 'rx1')).toMatchObject({ status: 'active', updatedBy: 'Outpost server', updatedAt: NOW });
  });

  it('cuts from/to to 40 characters and reads a missing status as empty', () => {
    const live = signedChart({ status: 'a'.repeat(39) + 'BC' });
    const o = write(live, doctor, (doc) => entryMap(doc, 'medications', 'rx1').set('status', 'b'.repeat(39) + 'CD'));
    expect(o.verdict!.notes[0].detail).toEqual({ medicationId: 'rx1', fields: ['status'], from: 'a'.repeat(39) + 'B', to: 'b'.repeat(39) + 'C', refused: 'status-change-not-allowed' });
    const fields = rx({ updatedBy: 'Dr Amani' });
    delete fields.status;
    const live2 = liveDoc();
    seed(live2, addRx(fields));
    const o2 = write(live2, doctor, (doc) => entryMap(doc, 'medications', 'rx1').set('status', 'stopped'));
    expect(o2.verdict!.notes[0].detail).toEqual({ medicationId: 'rx1', fields: ['status'], from: '', to: 'stopped', refused: 'status-change-not-allowed' });
  });

  it('an import rewriting a signed prescription is not judged here', () => {
    const live = signedChart({ sourceId: 'ext-1' });
    const o = write(live, importer, setFields({ dosageText: '2 capsules' }));
    expect(o.verdict!.notes).toEqual([]);
    expect(o.violations).toEqual([]);
  });
});

describe('pharmacy sends', () => {
  const HELD = issue({ detail: 'Reaction recorded' });
  function sendChart(fields: Record<string, unknown> = {}) {
    const live = liveDoc();
    seed(live, (doc) =>
      doc.getMap('pharmacySends').set(
        's1',
        ymap({ id: 's1', medicationId: 'rx1', pharmacyId: 'riverside', state: 'held', queuedAt: EARLIER, queuedBy: 'Dr Amani', queuedById: 'u-doc', attempts: 0, heldAlerts: [HELD], sendOverrides: [], updatedAt: EARLIER, updatedBy: 'Dr Amani', ...fields })
      )
    );
    return live;
  }
  const setSend = (fields: Record<string, unknown>) => (doc: Y.Doc) => {
    const e = entryMap(doc, 'pharmacySends', 's1');
    for (const [k, v] of Object.entries(fields)) e.set(k, v);
  };
  const sendNote = (by: string, reason: string, refused?: string) => ({
    action: 'prescription.override',
    outcome: refused ? 'failure' : 'success',
    userId: by,
    target: TARGET,
    detail: { medicationId: 'rx1', sendId: 's1', context: 'send', ruleId: 'allergy-nsaid', severity: 'serious', kind: 'drug-allergy', reasonLength: reason.length, reasonSha256: digest(reason), ...(refused ? { refused } : {}) }
  });

  it('a clinician’s override releases a held send: noted, kept', () => {
    const live = sendChart();
    const o = write(live, doctor, setSend({ state: 'queued', sendOverrides: [{ ...HELD, override: docOverride('Checked with patient') }] }));
    expect(o.violations).toEqual([]);
    expect(o.verdict!.notes).toEqual([sendNote('u-doc', 'Checked with patient')]);
    expect((entryOf(live, 'pharmacySends', 's1') as Record<string, unknown>).state).toBe('queued');
  });

  it('an override already recorded is not noted again; a second one is', () => {
    const first = { ...HELD, override: docOverride('Checked with patient') };
    const live = sendChart({ sendOverrides: [first] });
    const o = write(live, doctor, setSend({ sendOverrides: [first, { ...HELD, override: docOverride('Benefit outweighs risk') }] }));
    expect(o.verdict!.notes).toEqual([sendNote('u-doc', 'Benefit outweighs risk')]);
    const again = write(live, doctor, setSend({ attempts: 1 }));
    expect(again.verdict!.notes).toEqual([]);
  });

  it('a clinician releases a held send without an override: held again, the held alerts put back', () => {
    const live = sendChart();
    const o = write(live, doctor, setSend({ state: 'queued', heldAlerts: [] }));
    expect(o.violations).toEqual(['correct:send.held@pharmacySends/s1']);
    expect(messages(o)).toEqual(['A send held by an alert moves on only with a clinician’s override']);
    expect(o.verdict!.corrections).toEqual([
      { root: 'pharmacySends', key: 's1', path: ['state'], value: 'held' },
      { root: 'pharmacySends', key: 's1', path: ['heldAlerts'], value: [HELD] },
      { root: 'pharmacySends', key: 's1', path: ['updatedAt'], value: NOW },
      { root: 'pharmacySends', key: 's1', path: ['updatedBy'], value: 'Outpost server' }
    ]);
    expect(entryOf(live, 'pharmacySends', 's1')).toMatchObject({ state: 'held', heldAlerts: [HELD], updatedAt: NOW, updatedBy: 'Outpost server' });
  });

  it('held alerts left as they were are not rewritten; none recorded, none put back', () => {
    const live = sendChart();
    expect(write(live, doctor, setSend({ state: 'sending' })).verdict!.corrections.map((c) => c.path[0])).toEqual(['state', 'updatedAt', 'updatedBy']);
    const live2 = sendChart({ heldAlerts: undefined });
    live2.doc.transact(() => entryMap(live2.doc, 'pharmacySends', 's1').delete('heldAlerts'));
    const o = write(live2, doctor, setSend({ state: 'queued', heldAlerts: [] }));
    expect(o.verdict!.corrections.map((c) => c.path[0])).toEqual(['state', 'updatedAt', 'updatedBy']);
  });

  it.each([
    ['cancelled by a nurse', nurse, 'cancelled'],
    ['still held, a nurse writes', nurse, 'held']
  ])('%s: nothing to correct', (_what, who, state) => {
    const live = sendChart();
    const o = write(live, who, setSend({ state, attempts: 1, updatedBy: who.name, updatedAt: EARLIER }));
    expect(o.violations).toEqual([]);
    expect(o.verdict!.corrections).toEqual([]);
  });

  it('a send that was not held moves freely', () => {
    const live = sendChart({ state: 'queued' });
    const o = write(live, nurse, setSend({ state: 'sending', updatedBy: 'Nurse Njeri', updatedAt: EARLIER }));
    expect(o.violations).toEqual([]);
  });

  it('a nurse’s override: the send is cancelled, the note records the refusal', () => {
    const live = sendChart();
    const o = write(live, nurse, setSend({ state: 'queued', sendOverrides: [{ ...HELD, override: docOverride('Checked with patient', nurse) }], updatedBy: 'Nurse Njeri', updatedAt: EARLIER }));
    expect(o.violations).toEqual(['correct:send.override-role@pharmacySends/s1']);
    expect(messages(o)).toEqual(['Only a clinician overrides an alert']);
    expect(o.verdict!.notes).toEqual([sendNote('u-nurse', 'Checked with patient', 'not-a-clinician')]);
    expect(entryOf(live, 'pharmacySends', 's1')).toMatchObject({ state: 'cancelled', cancelReason: 'Refused by the server: only a clinician overrides alerts', updatedAt: NOW, updatedBy: 'Outpost server' });
  });

  it('a nurse’s override on a send already cancelled or delivered: no cancellation (a delivered one is held again)', () => {
    const over = [{ ...HELD, override: docOverride('Checked with patient', nurse) }];
    const cancelled = write(sendChart(), nurse, setSend({ state: 'cancelled', sendOverrides: over, updatedBy: 'Nurse Njeri', updatedAt: EARLIER }));
    expect(cancelled.violations).toEqual([]);
    expect(cancelled.verdict!.notes).toHaveLength(1);
    const delivered = write(sendChart(), nurse, setSend({ state: 'delivered', sendOverrides: over, updatedBy: 'Nurse Njeri', updatedAt: EARLIER }));
    expect(delivered.violations).toEqual(['correct:send.held@pharmacySends/s1']);
  });

  it('a nurse copying a clinician’s override into a held send: refused, noted as not a clinician; the send stays held', () => {
    const live = sendChart();
    const o = write(live, nurse, setSend({ state: 'queued', sendOverrides: [{ ...HELD, override: docOverride('Checked with patient') }], updatedBy: 'Nurse Njeri', updatedAt: EARLIER }));
    expect(o.kind).toBe('refused');
    expect(o.violations).toContain('refuse:provenance.forged-id@pharmacySends/s1/sendOverrides/0/override/byId');
    expect(o.verdict!.notes).toEqual([sendNote('u-nurse', 'Checked with patient', 'not-a-clinician')]);
    expect((entryOf(live, 'pharmacySends', 's1') as Record<string, unknown>).state).toBe('held');
  });

  it('a clinician’s override in another’s name: refused, noted; the send is not cancelled', () => {
    const live = sendChart();
    const o = write(live, doctor, setSend({ state: 'queued', sendOverrides: [{ ...HELD, override: docOverride('Checked with patient', doctor2) }] }));
    expect(o.kind).toBe('refused');
    expect(o.violations).toEqual(['refuse:provenance.forged-id@pharmacySends/s1/sendOverrides/0/override/byId']);
    expect(o.verdict!.notes).toEqual([sendNote('u-doc', 'Checked with patient', 'override-is-not-the-author')]);
  });

  it('a new send with an override: noted with its medication; a long medication id is cut to 80', () => {
    const live = liveDoc();
    const med = 'm'.repeat(79) + 'XY';
    const o = write(live, doctor, (doc) =>
      doc.getMap('pharmacySends').set('s1', ymap({ id: 's1', medicationId: med, pharmacyId: 'riverside', state: 'queued', queuedAt: EARLIER, queuedBy: 'Dr Amani', queuedById: 'u-doc', sendOverrides: [{ ...HELD, override: docOverride() }] }))
    );
    expect(o.violations).toEqual([]);
    expect(o.verdict!.notes.map((n) => n.detail)).toEqual([{ ...sendNote('u-doc', 'Benefit outweighs risk').detail, medicationId: 'm'.repeat(79) + 'X' }]);
    const o2 = write(liveDoc(), doctor, (doc) => doc.getMap('pharmacySends').set('s1', ymap({ id: 's1', state: 'queued', sendOverrides: [{ ...HELD, override: docOverride() }] })));
    expect(o2.verdict!.notes.map((n) => (n.detail as Record<string, unknown>).medicationId)).toEqual(['']);
  });

  it('an import’s send is not judged', () => {
    const live = sendChart();
    const o = write(live, importer, setSend({ state: 'queued', sendOverrides: [{ ...HELD, override: docOverride('x', nurse) }] }));
    expect(o.verdict!.notes).toEqual([]);
    expect(o.violations).toEqual([]);
  });
});
