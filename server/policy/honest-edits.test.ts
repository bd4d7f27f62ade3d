import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { recordNoKnownAllergies } from '../../src/lib/chart/allergy-status';
import { addCareTeamMember } from '../../src/lib/chart/care-team';
import {
  addAddendum,
  addAllergy,
  addCondition,
  addEncounter,
  collection,
  initChartDoc,
  listAllergies,
  listEncounters,
  markEnteredInError,
  noteLifecycle,
  noteSection,
  reviewLateEdits,
  signedNote,
  signNote,
  updateAllergy,
  updateCondition
} from '../../src/lib/chart/chart-doc';
import { listMedicationRecords, stopMedication } from '../../src/lib/chart/medication-doc';
import { alertKey, checkDraft, emptyDraft, needsOverride, signPrescription, type PrescriptionDraft } from '../../src/lib/services/prescribe.service';
import { listOrders, moveOrder, placeFreeTextOrder, placeOrder, recordFreeTextResult, recordPointOfCare } from '../../src/lib/chart/order-doc';
import { dismissReminder } from '../../src/lib/chart/reminder-doc';
import { recordVitals } from '../../src/lib/chart/vitals-doc';
import { canTransition, mayMoveOrder, ORDER_STATUSES } from '../../src/lib/domain/orders';
import type { Role } from '../../src/lib/domain/roles';
import { mulberry32, pick, type Random } from '../seed/prng';
import { checkUpdate, clientIdCollision } from '../sync/update-check';
import { PolicyGate, type Gated } from './policy-gate';
import type { Author } from './policy-types';

/**
 * The other half of the hostile table: random honest work, written with the
 * app's own chart functions by clinicians and a nurse on devices that go
 * offline for long stretches and merge later, is never refused by the write
 * policy. Corrections may happen only where honest devices really disagree
 * while apart (two signatures of one note, two moves of one order…), and
 * each is one of those listed here. Seeded, so a failure replays.
 */

/**
 * Corrections that honest concurrent work can call for (see each rule's
 * comment). `prescription.unanswered-alert`: a device signs offline against
 * its own copy, and the server's chart may hold, from before the signature,
 * what raises another serious alert (a penicillin allergy recorded on
 * another device while this one was offline, the same drug prescribed
 * there).
 */
const HONEST_CORRECTIONS = new Set(['note.signature-frozen', 'order.transition', 'provenance.stamp', 'prescription.frozen', 'record.entered-in-error-final', 'prescription.unanswered-alert']);

interface Device {
  author: Author & { kind: 'user' };
  doc: Y.Doc;
}

const PATIENT = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

function user(id: string, name: string, roles: Role[]): Author & { kind: 'user' } {
  return { kind: 'user', userId: id, name, roles, via: 'batch' };
}

const actorOf = (d: Device) => ({ id: d.author.userId, name: d.author.name });
const has = (d: Device, role: Role) => d.author.roles.includes(role);

/** One honest action a user of this role can take in the app right now, or nothing when none applies. */
function act(rand: Random, d: Device): string | null {
  const doc = d.doc;
  const me = actorOf(d);
  const allergies = listAllergies(doc).filter((a) => a.verificationStatus !== 'entered-in-error');
  const visits = listEncounters(doc).filter((v) => v.status !== 'entered-in-error');
  const choices: [string, () => void][] = [
    ['allergy', () => addAllergy(doc, { substance: pick(rand, ['Penicillin', 'Sulfa', 'Latex', 'Peanut']), category: 'medication', reaction: 'Rash', severity: 'mild' }, me)],
    ['problem', () => addCondition(doc, { text: pick(rand, ['Hypertension', 'Asthma', 'Diabetes']) }, me)],
    ['visit', () => addEncounter(doc, { class: 'ambulatory', type: 'Visit', reason: 'Review' }, me)],
    ['vitals', () => recordVitals(doc, { systolic: 110 + Math.floor(rand() * 40), diastolic: 70, heartRate: 72 }, me)],
    ['care team', () => addCareTeamMember(doc, { name: 'Community health worker', role: 'CHW', since: '2026-01-01' }, me)],
    ['dismiss reminder', () => dismissReminder(doc, pick(rand, ['uspstf-bp', 'flu']), 'Declined after discussion', me)],
    ['order', () => placeOrder(doc, { code: pick(rand, ['58410-2', '51990-0']) }, { actor: me, roles: d.author.roles })],
    [
      'point-of-care test',
      () =>
        recordPointOfCare(
          doc,
          pick(rand, [
            { code: '70569-9', answer: pick(rand, ['pf', 'negative', 'invalid']), kitLotNumber: 'LOT-1' },
            { code: '718-7', value: Math.round((6 + rand() * 9) * 10) / 10, population: pick(rand, ['woman', 'pregnant', 'man'] as const) },
            { code: '24357-6', answers: { '20454-5': 'trace', '25428-4': 'negative', '5799-2': '1+', '5802-4': 'negative', '5794-3': 'negative', '2514-8': 'negative' } }
          ]),
          { actor: me, roles: d.author.roles }
        )
    ],
    ['order by name', () => placeFreeTextOrder(doc, { text: pick(rand, ['Blood film', 'Sickle cell screen']), category: 'laboratory' }, { actor: me, roles: d.author.roles })]
  ];
  for (const o of listOrders(doc).filter((x) => x.notInCatalogue && x.status === 'active')) {
    choices.push(['result by name', () => recordFreeTextResult(doc, o.id, pick(rand, [{ kind: 'text', text: 'Normal' }, { kind: 'quantity', value: 8, unit: 'ng/mL' }] as const), { actor: me, roles: d.author.roles })]);
  }
  if (allergies.length) {
    const a = pick(rand, allergies);
    choices.push(['edit allergy', () => updateAllergy(doc, a.id, pick(rand, [{ reaction: `Hives ${Math.floor(rand() * 9)}` }, { severity: pick(rand, ['mild', 'moderate', 'severe'] as const) }]), me)]);
    choices.push(['allergy in error', () => markEnteredInError(doc, 'allergies', a.id, 'Recorded on the wrong patient', me)]);
  } else {
    choices.push(['no known allergies', () => recordNoKnownAllergies(doc, me, 0)]);
  }
  const problems = [...collection(doc, 'conditions').keys()];
  if (problems.length) choices.push(['edit problem', () => updateCondition(doc, pick(rand, problems), { note: `Stable ${Math.floor(rand() * 99)}` }, me)]);
  for (const v of visits) {
    const life = noteLifecycle(doc, v.id);
    if (life === 'draft') {
      choices.push(['type note', () => noteSection(doc, v.id, pick(rand, ['subjective', 'plan'] as const)).insert(0, 'Better today. ')]);
      if (has(d, 'clinician')) choices.push(['sign note', () => signNote(doc, v.id, me)]);
    } else {
      choices.push(['addendum', () => addAddendum(doc, v.id, 'Results reviewed.', me)]);
      if (signedNote(doc, v.id)?.lateEdits.length) choices.push(['review late text', () => reviewLateEdits(doc, v.id, me)]);
    }
  }
  if (has(d, 'clinician')) {
    choices.push([
      'prescribe',
      () => {
        // As the prescribe page signs: the checks against this device's copy, a reason for each alert that asks for one.
        const draft: PrescriptionDraft = { ...emptyDraft(), drugId: pick(rand, ['amlodipine', 'ibuprofen', 'amoxicillin']), strength: '5 mg', doseValue: 1, quantity: 30, refills: 1 };
        const reasons = Object.fromEntries(checkDraft({ chartDoc: doc }, draft).filter(needsOverride).map((a) => [alertKey(a), 'Discussed with the patient']));
        const r = signPrescription({ chartDoc: doc }, draft, reasons, { actor: me, roles: d.author.roles });
        if (!r.ok) throw new Error(r.message);
      }
    ]);
    const active = listMedicationRecords(doc).filter((m) => m.status === 'active' && m.requester);
    if (active.length) choices.push(['stop medication', () => stopMedication(doc, pick(rand, active).id, 'No longer needed', me)]);
  }
  for (const o of listOrders(doc)) {
    const moves = ORDER_STATUSES.filter((to) => canTransition(o.status, to) && mayMoveOrder(d.author.roles, o.status, to));
    if (moves.length) choices.push(['move order', () => moveOrder(doc, o.id, pick(rand, moves), { actor: me, roles: d.author.roles }, 'Not needed now')]);
  }
  const [label, run] = pick(rand, choices);
  try {
    run();
    return label;
  } catch {
    return null; // the app refused it locally (e.g. a conflict it can see); nothing was written
  }
}

function runScenario(seed: number, steps: number): { refusals: string[]; corrections: Map<string, number>; accepted: number } {
  const rand = mulberry32(seed);
  const gate = new PolicyGate();
  const server: Gated = { identity: { name: `chart:${PATIENT}`, clinicId: 'c1', kind: 'chart', patientId: PATIENT }, doc: new Y.Doc(), shadow: null, unapplied: [] };
  const seedDoc = new Y.Doc();
  initChartDoc(seedDoc, PATIENT);
  Y.applyUpdate(server.doc, Y.encodeStateAsUpdate(seedDoc));
  const devices: Device[] = [
    { author: user('u-amani', 'Dr Amani', ['clinician']), doc: new Y.Doc() },
    { author: user('u-odhiambo', 'Dr Odhiambo', ['clinician']), doc: new Y.Doc() },
    { author: user('u-njeri', 'Nurse Njeri', ['nurse']), doc: new Y.Doc() }
  ];
  for (const d of devices) Y.applyUpdate(d.doc, Y.encodeStateAsUpdate(server.doc));
  const refusals: string[] = [];
  const corrections = new Map<string, number>();
  let accepted = 0;
  const sync = (d: Device) => {
    // Devices often resend what the server has (rows whose answer was lost, merged with new ones): never a collision.
    const full = Y.encodeStateAsUpdate(d.doc);
    const collision = clientIdCollision(checkUpdate(full), server.doc);
    if (collision) refusals.push(`${d.author.name}: client-id collision reported for an honest resend at ${collision.client}:${collision.clock}`);
    const update = Y.encodeStateAsUpdate(d.doc, Y.encodeStateVector(server.doc));
    const r = gate.admit(server, update, d.author);
    if (r.kind === 'refused') refusals.push(`${d.author.name}: ${r.verdict.violations.filter((v) => v.action === 'refuse').map((v) => `${v.rule} at ${v.at}: ${v.message}`).join('; ')}`);
    if (r.kind === 'incomplete') refusals.push(`${d.author.name}: incomplete`);
    if (r.kind !== 'accepted') return;
    accepted++;
    Y.applyUpdate(server.doc, update);
    if (r.correction) Y.applyUpdate(server.doc, r.correction);
    gate.applied(server, r.correction ? 2 : 1);
    for (const v of r.verdict.violations) corrections.set(v.rule, (corrections.get(v.rule) ?? 0) + 1);
    Y.applyUpdate(d.doc, Y.encodeStateAsUpdate(server.doc, Y.encodeStateVector(d.doc)));
  };
  for (let i = 0; i < steps; i++) {
    const d = pick(rand, devices);
    // Devices are offline most of the time and sync now and then.
    if (rand() < 0.2) sync(d);
    else act(rand, d);
  }
  for (const d of devices) sync(d);
  for (const d of devices) sync(d);
  return { refusals, corrections, accepted };
}

describe('honest work is never refused', () => {
  it.each(Array.from({ length: 12 }, (_, i) => [1000 + i]))('seed %i: three devices, 200 random steps, long offline stretches', (seed) => {
    const { refusals, corrections, accepted } = runScenario(seed, 200);
    expect(refusals).toEqual([]);
    expect(accepted).toBeGreaterThan(10);
    for (const rule of corrections.keys()) expect(HONEST_CORRECTIONS).toContain(rule);
  });
});
