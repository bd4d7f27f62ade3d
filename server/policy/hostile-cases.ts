import { expect } from 'vitest';
import * as Y from 'yjs';
import { addAddendum, addAllergy, addCondition, addEncounter, initChartDoc, markEnteredInError, noteSection, signNote } from '../../src/lib/chart/chart-doc';
import { recordNoKnownAllergies } from '../../src/lib/chart/allergy-status';
import { prescribe, type DetectedIssue, type PrescriptionInput } from '../../src/lib/chart/medication-doc';
import { placeOrder } from '../../src/lib/chart/order-doc';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { queueSend, updateSend } from '../../src/lib/chart/pharmacy-send-doc';
import { addAppointment, initScheduleDoc, setAppointmentType, setAvailability, setProvider } from '../../src/lib/chart/schedule-doc';
import { docName, scheduleName } from '../../src/lib/domain/doc-names';
import { CLINIC_S, USERS, type TestUserKey } from '../sync/sync-test-server';

/**
 * The hostile insider's table (run through the real server by
 * hostile-updates.test.ts, and through the write policy alone by
 * hostile-cases.test.ts): one row per invariant and document kind, each
 * a crafted update made on a real copy of a real record by a signed-in user
 * (nurse, clinician, front desk), sent through a real websocket AND through
 * the batch path. A refused row must be refused (4403 / 'refused'), audited
 * with its rule, never stored and never broadcast to the colleague watching
 * the record; a corrected row must be stored with the server's correction,
 * audited, and reach the watcher only as the corrected state.
 */

const C = { id: USERS.clinician.id, name: USERS.clinician.name };
const N = { id: USERS.nurse.id, name: USERS.nurse.name };
const D = { id: USERS.frontdesk.id, name: USERS.frontdesk.name };
const SD = { id: USERS.scheduleDesk.id, name: USERS.scheduleDesk.name };

export interface Base {
  name: string;
  kind: 'chart' | 'patient' | 'schedule';
  ids: Record<string, string>;
  doc: Y.Doc;
}

const held: DetectedIssue = {
  kind: 'drug-allergy',
  severity: 'serious',
  title: 'NSAID allergy',
  detail: 'Reaction to NSAIDs recorded',
  action: 'Avoid',
  ruleId: 'allergy-nsaid',
  source: { citation: 'Test' }
};

export function buildChart(): Base {
  const patientId = crypto.randomUUID();
  const d = new Y.Doc();
  initChartDoc(d, patientId);
  const ids: Record<string, string> = {};
  ids.allergy = addAllergy(d, { substance: 'Penicillin', category: 'medication', criticality: 'high', reaction: 'Anaphylaxis', severity: 'severe', verificationStatus: 'confirmed' }, C);
  ids.wrongAllergy = addAllergy(d, { substance: 'Peanut', category: 'food', criticality: 'low', reaction: 'Rash', severity: 'mild' }, N);
  markEnteredInError(d, 'allergies', ids.wrongAllergy, 'Wrong patient', N);
  ids.problem = addCondition(d, { text: 'Hypertension', clinicalStatus: 'active', onsetDate: '2019' }, C);
  ids.signed = addEncounter(d, { class: 'ambulatory', type: 'Follow-up', reason: 'Blood pressure' }, C);
  noteSection(d, ids.signed, 'subjective').insert(0, 'Feels well.');
  signNote(d, ids.signed, C);
  ids.addendum = addAddendum(d, ids.signed, 'Home readings reviewed.', C);
  ids.draft = addEncounter(d, { class: 'ambulatory', type: 'Visit', reason: 'Cough' }, N);
  ids.med = prescribe(
    d,
    {
      medicationCodeableConcept: { text: 'amoxicillin 500 MG Oral Capsule' },
      dosage: { text: '1 capsule three times daily', route: { text: 'oral' }, doseQuantity: { value: 1, unit: 'capsule' }, timing: { frequency: 3, period: 1, periodUnit: 'd' }, asNeeded: false },
      dispense: { quantity: { value: 21, unit: 'capsule' }, numberOfRepeatsAllowed: 0 }
    },
    C
  );
  ids.send = queueSend(d, ids.med, 'riverside', C);
  updateSend(d, ids.send, { state: 'held', heldAlerts: [held] }, C);
  ids.order = placeOrder(d, { code: '58410-2', priority: 'routine' }, { actor: C, roles: ['clinician'] });
  return { name: docName('chart', patientId), kind: 'chart', ids, doc: d };
}

export function buildNkaChart(): Base {
  const patientId = crypto.randomUUID();
  const d = new Y.Doc();
  initChartDoc(d, patientId);
  const ids = { nka: recordNoKnownAllergies(d, N, 0) };
  return { name: docName('chart', patientId), kind: 'chart', ids, doc: d };
}

/** An oral prescription as the prescribe page writes it, `perDay` doses a day, with the alerts given (none: what a crafted client sends). */
export function oralRx(text: string, dose: number, unit: string, perDay: number, detectedIssues: DetectedIssue[] = []): PrescriptionInput {
  return {
    medicationCodeableConcept: { text },
    dosage: { text: `${dose} ${unit} ${perDay} times daily`, route: { text: 'oral' }, doseQuantity: { value: dose, unit }, timing: { frequency: perDay, period: 1, periodUnit: 'd' }, asNeeded: false },
    dispense: { quantity: { value: 30, unit }, numberOfRepeatsAllowed: 0 },
    detectedIssues
  };
}

/** A chart whose allergies were asked ("no known allergies") with sildenafil active: a nitrate ordered now is contraindicated. */
export function buildSildenafilChart(): Base {
  const patientId = crypto.randomUUID();
  const d = new Y.Doc();
  initChartDoc(d, patientId);
  const ids: Record<string, string> = { nka: recordNoKnownAllergies(d, C, 0) };
  ids.med = prescribe(d, oralRx('sildenafil 50 MG Oral Tablet', 1, 'tablet', 1), C);
  return { name: docName('chart', patientId), kind: 'chart', ids, doc: d };
}

/** A chart that holds no allergy and no "no known allergies" statement: nobody asked. */
export function buildUnaskedChart(): Base {
  const patientId = crypto.randomUUID();
  const d = new Y.Doc();
  initChartDoc(d, patientId);
  return { name: docName('chart', patientId), kind: 'chart', ids: {}, doc: d };
}

/** The prescriptions of a chart other than those the base record holds, as [status, statusReason]. */
export function newPrescriptions(d: Y.Doc, b: Base): [unknown, unknown][] {
  const known = new Set(Object.values(b.ids));
  return [...d.getMap('medications').entries()].filter(([id]) => !known.has(id)).map(([, m]) => [(m as Y.Map<unknown>).get('status'), (m as Y.Map<unknown>).get('statusReason')]);
}

/** The contraindication a nitrate raises beside sildenafil, as the prescribe page records it with a reason. */
export const NITRATE_ALERT: Omit<DetectedIssue, 'override'> = {
  kind: 'drug-drug',
  severity: 'contraindicated',
  title: 'PDE5 inhibitor + nitrate: isosorbide mononitrate with sildenafil',
  detail: 'Profound, potentially fatal hypotension.',
  action: 'Contraindicated.',
  ruleId: 'fda-pde5-nitrate',
  source: { citation: 'FDA-approved labeling' }
};

export function buildPatient(): Base {
  const patientId = crypto.randomUUID();
  const d = new Y.Doc();
  initPatientDoc(d, patientId, { family: 'Mwangi', given: ['Amina'], birthDate: '1984-03-02', gender: 'female' }, D, '');
  return { name: docName('patient', patientId), kind: 'patient', ids: { patientId }, doc: d };
}

/** The schedule of the test clinic named by a UUID; each case starts it afresh. */
export function buildSchedule(): Base {
  const clinicId = CLINIC_S;
  const d = new Y.Doc();
  initScheduleDoc(d, clinicId, 'UTC');
  setProvider(d, { id: 'prov-1', name: 'Dr Amani', active: true });
  setAppointmentType(d, { id: 'type-1', name: 'Follow-up', mode: 'in-person', minutes: 20 });
  setAvailability(d, { providerId: 'prov-1', timeZone: 'UTC', weekly: [], blocked: [] });
  const appointment = addAppointment(d, { providerId: 'prov-1', patientId: crypto.randomUUID(), typeId: 'type-1', start: '2026-12-10T09:00:00.000Z' }, SD, { allowOverlap: true });
  return { name: scheduleName(clinicId), kind: 'schedule', ids: { appointment, clinicId }, doc: d };
}

const map = (parent: Y.Map<unknown> | Y.Doc, key: string): Y.Map<unknown> => (parent instanceof Y.Doc ? parent.getMap(key) : (parent.get(key) as Y.Map<unknown>));
const entry = (d: Y.Doc, root: string, id: string) => map(map(d, root), id);
const note = (d: Y.Doc, visit: string) => map(entry(d, 'encounters', visit), 'note');

export type Expect = { refused: string } | { corrected: string; check: (d: Y.Doc, b: Base) => void };
export interface Case {
  name: string;
  build: () => Base;
  as: TestUserKey;
  attack: (d: Y.Doc, b: Base) => void;
  expect: Expect;
}

export const CASES: Case[] = [
  // ── Deletion and replacement ──────────────────────────────────────────
  { name: 'a nurse deletes an allergy (penicillin, anaphylaxis)', build: buildChart, as: 'nurse', attack: (d, b) => d.getMap('allergies').delete(b.ids.allergy), expect: { refused: 'record.no-delete' } },
  { name: 'a nurse deletes a visit', build: buildChart, as: 'nurse', attack: (d, b) => d.getMap('encounters').delete(b.ids.draft), expect: { refused: 'record.no-delete' } },
  { name: 'a clinician clears every problem', build: buildChart, as: 'clinician', attack: (d) => d.getMap('conditions').clear(), expect: { refused: 'record.no-delete' } },
  {
    name: 'a nurse replaces a signed note with a blank draft',
    build: buildChart,
    as: 'nurse',
    attack: (d, b) => {
      const blank = new Y.Map<unknown>();
      entry(d, 'encounters', b.ids.signed).set('note', blank);
      blank.set('status', 'draft');
    },
    expect: { refused: 'record.no-replace' }
  },
  {
    name: 'a clinician swaps an allergy entry for another object under the same id',
    build: buildChart,
    as: 'clinician',
    attack: (d, b) => {
      const other = new Y.Map<unknown>();
      d.getMap('allergies').set(b.ids.allergy, other);
      other.set('code', { text: 'Nothing' });
    },
    expect: { refused: 'record.no-replace' }
  },
  { name: 'a nurse removes the reaction field of an allergy', build: buildChart, as: 'nurse', attack: (d, b) => entry(d, 'allergies', b.ids.allergy).delete('reaction'), expect: { refused: 'record.no-field-delete' } },
  { name: 'the front desk deletes an appointment', build: buildSchedule, as: 'scheduleDesk', attack: (d, b) => d.getMap('appointments').delete(b.ids.appointment), expect: { refused: 'record.no-delete' } },
  { name: 'the front desk deletes a provider’s availability', build: buildSchedule, as: 'scheduleDesk', attack: (d) => d.getMap('availability').delete('prov-1'), expect: { refused: 'record.no-delete' } },
  { name: 'the front desk removes a birth date', build: buildPatient, as: 'frontdesk', attack: (d) => d.getMap('patient').delete('birthDate'), expect: { refused: 'record.no-field-delete' } },

  // ── Signatures ────────────────────────────────────────────────────────
  { name: 'a nurse signs a visit note in a clinician’s name', build: buildChart, as: 'nurse', attack: (d, b) => signNote(d, b.ids.draft, C), expect: { refused: 'provenance.forged-id' } },
  {
    name: 'a nurse signs a visit note as herself',
    build: buildChart,
    as: 'nurse',
    attack: (d, b) => signNote(d, b.ids.draft, N),
    expect: {
      corrected: 'note.sign-role',
      check: (d, b) => {
        expect(note(d, b.ids.draft).get('status')).toBe('draft');
        expect(note(d, b.ids.draft).get('signature')).toBeUndefined();
        expect(note(d, b.ids.draft).get('signatureRefused')).toMatchObject({ byId: USERS.nurse.id });
      }
    }
  },
  {
    name: 'a clinician rewrites a signed note’s signed text',
    build: buildChart,
    as: 'clinician',
    attack: (d, b) => {
      const sig = note(d, b.ids.signed).get('signature') as Record<string, unknown>;
      note(d, b.ids.signed).set('signature', { ...sig, text: { subjective: 'Never said that.', objective: '', assessment: '', plan: '' } });
    },
    expect: { corrected: 'note.signature-frozen', check: (d, b) => expect((note(d, b.ids.signed).get('signature') as { text: { subjective: string } }).text.subjective).toBe('Feels well.') }
  },
  {
    name: 'a clinician turns a signed note back into a draft',
    build: buildChart,
    as: 'clinician',
    attack: (d, b) => note(d, b.ids.signed).set('status', 'draft'),
    expect: { corrected: 'note.signature-frozen', check: (d, b) => expect(note(d, b.ids.signed).get('status')).toBe('signed') }
  },
  {
    name: 'a clinician adds an addendum to a draft note',
    build: buildChart,
    as: 'clinician',
    attack: (d, b) => {
      const id = crypto.randomUUID();
      note(d, b.ids.draft).set(`addendum:${id}`, { id, text: 'Sneaked in', by: C.name, byId: C.id, at: new Date().toISOString() });
    },
    expect: { refused: 'note.addendum' }
  },
  {
    name: 'a clinician edits an existing addendum',
    build: buildChart,
    as: 'clinician',
    attack: (d, b) => {
      const key = `addendum:${b.ids.addendum}`;
      note(d, b.ids.signed).set(key, { ...(note(d, b.ids.signed).get(key) as object), text: 'Changed later' });
    },
    expect: { refused: 'note.addendum' }
  },
  {
    name: 'a nurse signs a prescription',
    build: buildChart,
    as: 'nurse',
    attack: (d) =>
      prescribe(d, { medicationCodeableConcept: { text: 'morphine 10 MG Oral Tablet' }, dosage: { text: 'q1h', route: { text: 'oral' }, doseQuantity: { value: 10, unit: 'mg' }, timing: { frequency: 24, period: 1, periodUnit: 'd' }, asNeeded: false }, dispense: { quantity: { value: 100, unit: 'tablet' }, numberOfRepeatsAllowed: 0 } }, N),
    expect: {
      corrected: 'prescription.sign-role',
      check: (d) => {
        const nurseMeds = [...d.getMap('medications').values()].filter((m) => ((m as Y.Map<unknown>).get('requester') as { reference: string }).reference === `Practitioner/${USERS.nurse.id}`);
        expect(nurseMeds.map((m) => (m as Y.Map<unknown>).get('status'))).toEqual(['entered-in-error']);
      }
    }
  },
  {
    name: 'a clinician writes a prescription in another clinician’s name',
    build: buildChart,
    as: 'clinician',
    attack: (d) =>
      prescribe(d, { medicationCodeableConcept: { text: 'oxycodone 10 MG Oral Tablet' }, dosage: { text: 'q4h', route: { text: 'oral' }, doseQuantity: { value: 1, unit: 'tablet' }, timing: { frequency: 6, period: 1, periodUnit: 'd' }, asNeeded: false }, dispense: { quantity: { value: 60, unit: 'tablet' }, numberOfRepeatsAllowed: 0 } }, { id: USERS.otherClinician.id, name: 'Dr Elsewhere' }),
    expect: { refused: 'provenance.forged-id' }
  },
  // ── The drug checks, run again by the server on a signed prescription ──
  {
    name: 'a clinician signs a nitrate beside active sildenafil with no alert recorded',
    build: buildSildenafilChart,
    as: 'clinician',
    attack: (d) => prescribe(d, oralRx('isosorbide mononitrate 30 MG Oral Tablet', 1, 'tablet', 1), C),
    expect: {
      corrected: 'prescription.unanswered-alert',
      check: (d, b) => expect(newPrescriptions(d, b)).toEqual([['entered-in-error', 'Refused by the server: signed without a reason for PDE5 inhibitor + nitrate: isosorbide mononitrate with sildenafil']])
    }
  },
  {
    name: 'a clinician signs amoxicillin against a recorded penicillin allergy with no alert recorded',
    build: buildChart,
    as: 'clinician',
    attack: (d) => prescribe(d, oralRx('amoxicillin 500 MG Oral Capsule', 1, 'capsule', 3), C),
    expect: {
      corrected: 'prescription.unanswered-alert',
      check: (d, b) => expect(newPrescriptions(d, b)).toEqual([['entered-in-error', 'Refused by the server: signed without a reason for Penicillin allergy: ordered drug is a penicillin']])
    }
  },
  {
    name: 'a clinician signs for a patient whose allergies were never asked, with no reason',
    build: buildUnaskedChart,
    as: 'clinician',
    attack: (d) => prescribe(d, oralRx('acetaminophen 500 MG Oral Tablet', 1, 'tablet', 3), C),
    expect: {
      corrected: 'prescription.unanswered-alert',
      check: (d, b) => expect(newPrescriptions(d, b)).toEqual([['entered-in-error', 'Refused by the server: signed without a reason for Allergies not yet asked: this order was not checked against allergies']])
    }
  },
  {
    name: 'a clinician signs ibuprofen 800 mg six times a day with no alert recorded',
    build: buildNkaChart,
    as: 'clinician',
    attack: (d) => prescribe(d, oralRx('ibuprofen 800 MG Oral Tablet', 1, 'tablet', 6), C),
    expect: {
      corrected: 'prescription.unanswered-alert',
      check: (d, b) => expect(newPrescriptions(d, b)).toEqual([['entered-in-error', 'Refused by the server: signed without a reason for Dose outside the usual adult range: ibuprofen 800 mg (4800 mg/day)']])
    }
  },
  {
    name: 'a clinician answers the nitrate alert with an override in another clinician’s name',
    build: buildSildenafilChart,
    as: 'clinician',
    attack: (d) =>
      prescribe(
        d,
        oralRx('isosorbide mononitrate 30 MG Oral Tablet', 1, 'tablet', 1, [
          { ...NITRATE_ALERT, override: { reason: 'Sildenafil stopped last week', by: 'Dr Elsewhere', byId: USERS.otherClinician.id, at: new Date().toISOString() } }
        ]),
        C
      ),
    expect: { refused: 'provenance.forged-id' }
  },
  {
    name: 'a clinician turns a signed amoxicillin prescription into morphine in place',
    build: buildChart,
    as: 'clinician',
    attack: (d, b) => {
      entry(d, 'medications', b.ids.med).set('medicationCodeableConcept', { text: 'morphine 100 MG' });
      entry(d, 'medications', b.ids.med).set('dosageText', 'every hour');
    },
    expect: { corrected: 'prescription.frozen', check: (d, b) => expect(entry(d, 'medications', b.ids.med).get('medicationCodeableConcept')).toEqual({ text: 'amoxicillin 500 MG Oral Capsule' }) }
  },
  {
    name: 'a nurse stops a prescription',
    build: buildChart,
    as: 'nurse',
    attack: (d, b) => entry(d, 'medications', b.ids.med).set('status', 'stopped'),
    expect: { corrected: 'prescription.frozen', check: (d, b) => expect(entry(d, 'medications', b.ids.med).get('status')).toBe('active') }
  },
  {
    name: 'a nurse places an order as already signed',
    build: buildChart,
    as: 'nurse',
    attack: (d) => {
      const id = placeOrder(d, { code: '51990-0' }, { actor: N, roles: ['nurse'] });
      entry(d, 'orders', id).set('status', 'active');
    },
    expect: {
      corrected: 'order.sign-role',
      check: (d) => expect([...d.getMap('orders').values()].map((o) => (o as Y.Map<unknown>).get('status')).sort()).toEqual(['active', 'draft'])
    }
  },
  {
    name: 'a nurse cancels a clinician’s active order',
    build: buildChart,
    as: 'nurse',
    attack: (d, b) => entry(d, 'orders', b.ids.order).set('status', 'revoked'),
    expect: { corrected: 'order.transition', check: (d, b) => expect(entry(d, 'orders', b.ids.order).get('status')).toBe('active') }
  },
  {
    name: 'a clinician releases a held pharmacy send without an override',
    build: buildChart,
    as: 'clinician',
    attack: (d, b) => entry(d, 'pharmacySends', b.ids.send).set('state', 'queued'),
    expect: { corrected: 'send.held', check: (d, b) => expect(entry(d, 'pharmacySends', b.ids.send).get('state')).toBe('held') }
  },
  {
    name: 'a nurse overrides the alert holding a pharmacy send',
    build: buildChart,
    as: 'nurse',
    attack: (d, b) => {
      const e = entry(d, 'pharmacySends', b.ids.send);
      e.set('sendOverrides', [{ ...held, override: { reason: 'Sending anyway', by: N.name, byId: N.id, at: new Date().toISOString() } }]);
      e.set('state', 'queued');
    },
    expect: { corrected: 'send.override-role', check: (d, b) => expect(entry(d, 'pharmacySends', b.ids.send).get('state')).toBe('cancelled') }
  },

  // ── Provenance ────────────────────────────────────────────────────────
  {
    name: 'a nurse overwrites allergy fields with a clinician’s name in updatedBy',
    build: buildChart,
    as: 'nurse',
    attack: (d, b) => {
      entry(d, 'allergies', b.ids.allergy).set('severity', 'mild');
      entry(d, 'allergies', b.ids.allergy).set('updatedBy', 'Dr Somebody');
    },
    expect: { corrected: 'provenance.forged-name', check: (d, b) => expect(entry(d, 'allergies', b.ids.allergy).get('updatedBy')).toBe(USERS.nurse.name) }
  },
  {
    name: 'a nurse changes an allergy and leaves the clinician named as its last editor',
    build: buildChart,
    as: 'nurse',
    attack: (d, b) => entry(d, 'allergies', b.ids.allergy).set('criticality', 'low'),
    expect: { corrected: 'provenance.stamp', check: (d, b) => expect(entry(d, 'allergies', b.ids.allergy).get('updatedBy')).toBe(USERS.nurse.name) }
  },
  {
    name: 'a nurse records “no known allergies” under a clinician’s user id',
    build: buildChart,
    as: 'nurse',
    attack: (d) => recordNoKnownAllergies(d, { id: USERS.clinician.id, name: N.name }, 0),
    expect: { refused: 'provenance.forged-id' }
  },
  {
    name: 'a nurse dates a new problem next year',
    build: buildChart,
    as: 'nurse',
    attack: (d) => {
      const id = addCondition(d, { text: 'Asthma' }, N);
      entry(d, 'conditions', id).set('createdAt', '2099-01-01T00:00:00.000Z');
    },
    expect: { corrected: 'provenance.time', check: (d) => expect([...d.getMap('conditions').values()].every((c) => String((c as Y.Map<unknown>).get('createdAt')) < '2099')).toBe(true) }
  },
  { name: 'the front desk forges a name on demographics', build: buildPatient, as: 'frontdesk', attack: (d) => d.getMap('patient').set('updatedBy', 'Dr Amani'), expect: { corrected: 'provenance.forged-name', check: (d) => expect(d.getMap('patient').get('updatedBy')).toBe(USERS.frontdesk.name) } },
  { name: 'the front desk rewrites who booked an appointment', build: buildSchedule, as: 'scheduleDesk', attack: (d, b) => entry(d, 'appointments', b.ids.appointment).set('createdBy', 'Someone else'), expect: { refused: 'record.immutable' } },

  // ── Value types and sizes ─────────────────────────────────────────────
  { name: 'a bigint in a prescription field', build: buildChart, as: 'clinician', attack: (d, b) => entry(d, 'medications', b.ids.med).set('note', 10n), expect: { refused: 'structure.value' } },
  { name: 'binary data in an allergy', build: buildChart, as: 'nurse', attack: (d, b) => entry(d, 'allergies', b.ids.allergy).set('reaction', new Uint8Array(16)), expect: { refused: 'structure.value' } },
  { name: 'a number where the record keeps text', build: buildChart, as: 'nurse', attack: (d, b) => entry(d, 'conditions', b.ids.problem).set('note', 42), expect: { refused: 'structure.field-type' } },
  { name: 'a huge text value', build: buildChart, as: 'nurse', attack: (d, b) => entry(d, 'conditions', b.ids.problem).set('note', 'x'.repeat(50_000)), expect: { refused: 'structure.value' } },
  { name: 'many fields in one value', build: buildChart, as: 'nurse', attack: (d, b) => entry(d, 'conditions', b.ids.problem).set('extra', Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, i]))), expect: { refused: 'structure.value' } },
  { name: 'a deeply nested value', build: buildChart, as: 'nurse', attack: (d, b) => entry(d, 'conditions', b.ids.problem).set('extra', JSON.parse('{"a":'.repeat(40) + '1' + '}'.repeat(40))), expect: { refused: 'structure.value' } },
  {
    name: 'formatting and an embed in a note section',
    build: buildChart,
    as: 'clinician',
    attack: (d, b) => {
      const t = noteSection(d, b.ids.draft, 'plan');
      t.insert(0, 'bold', { bold: true });
      t.insertEmbed(0, { image: 'x' });
    },
    expect: { refused: 'structure.value' }
  },
  { name: 'a subdocument in a chart', build: buildChart, as: 'clinician', attack: (d, b) => entry(d, 'conditions', b.ids.problem).set('sub', new Y.Doc()), expect: { refused: 'structure.value' } },
  { name: 'a top-level list the chart does not hold', build: buildChart, as: 'nurse', attack: (d) => d.getMap('evil').set('x', 'y'), expect: { refused: 'structure.root' } },
  { name: 'list items pushed into a chart collection', build: buildChart, as: 'nurse', attack: (d) => d.getArray('allergies').insert(0, ['x']), expect: { refused: 'structure.shape' } },
  { name: 'an allergy that is a plain value, not an entry', build: buildChart, as: 'nurse', attack: (d) => d.getMap('allergies').set(crypto.randomUUID(), 'Penicillin'), expect: { refused: 'structure.shape' } },
  { name: 'an entry key that is not an id', build: buildChart, as: 'nurse', attack: (d) => d.getMap('allergies').set('../x y', new Y.Map()), expect: { refused: 'structure.entry-key' } },
  { name: 'an unknown pharmacy-send state', build: buildChart, as: 'clinician', attack: (d, b) => entry(d, 'pharmacySends', b.ids.send).set('state', 'dispensed'), expect: { refused: 'structure.field-type' } },
  { name: 'schedule settings of the wrong shape', build: buildSchedule, as: 'scheduleDesk', attack: (d) => d.getMap('appointmentTypes').set('type-2', { id: 'type-2', minutes: 10n }), expect: { refused: 'structure.value' } },
  { name: 'given names that are not a list of text', build: buildPatient, as: 'frontdesk', attack: (d) => d.getMap('patient').set('given', 'Amina'), expect: { refused: 'patient.shape' } },

  // ── Identity of records ───────────────────────────────────────────────
  { name: 'an allergy’s id rewritten', build: buildChart, as: 'nurse', attack: (d, b) => entry(d, 'allergies', b.ids.allergy).set('id', 'other'), expect: { refused: 'record.immutable' } },
  {
    name: 'an entry marked entered in error revived',
    build: buildChart,
    as: 'nurse',
    attack: (d, b) => entry(d, 'allergies', b.ids.wrongAllergy).set('verificationStatus', 'confirmed'),
    expect: { corrected: 'record.entered-in-error-final', check: (d, b) => expect(entry(d, 'allergies', b.ids.wrongAllergy).get('verificationStatus')).toBe('entered-in-error') }
  },
  { name: 'a chart claiming another patient', build: buildChart, as: 'clinician', attack: (d) => d.getMap('meta').set('patientId', crypto.randomUUID()), expect: { refused: 'meta.identity' } },
  { name: 'a chart claiming to be demographics', build: buildChart, as: 'clinician', attack: (d) => d.getMap('meta').set('kind', 'patient'), expect: { refused: 'meta.identity' } },
  {
    name: 'a layout version moved backwards',
    build: buildChart,
    as: 'clinician',
    attack: (d) => d.getMap('meta').set('schemaVersion', 0),
    expect: { corrected: 'meta.schema-version', check: (d) => expect(d.getMap('meta').get('schemaVersion')).toBe(1) }
  },
  { name: 'an entry made here marked as imported', build: buildChart, as: 'clinician', attack: (d, b) => entry(d, 'conditions', b.ids.problem).set('sourceId', 'Condition/x'), expect: { refused: 'record.source-fixed' } },
  { name: 'demographics naming another patient', build: buildPatient, as: 'frontdesk', attack: (d) => d.getMap('patient').set('id', crypto.randomUUID()), expect: { refused: 'record.immutable' } },
  { name: 'an NKA statement’s author rewritten', build: buildNkaChart, as: 'nurse', attack: (d, b) => entry(d, 'allergyStatements', b.ids.nka).set('recordedById', USERS.clinician.id), expect: { refused: 'provenance.forged-id' } }
];
