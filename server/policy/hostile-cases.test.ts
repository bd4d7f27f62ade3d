import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { USERS } from '../sync/sync-test-server';
import { CASES, type Base, type Case } from './hostile-cases';
import { PolicyGate, type Gated } from './policy-gate';
import type { Author } from './policy-types';

/**
 * The hostile insider's table (hostile-cases.ts) through the write policy
 * alone, without a server: each crafted update gets exactly the verdict the
 * table names (the rule, and refusal or correction), a refused one leaves
 * the document as it was, a corrected one is admitted with the server's
 * correction applied. hostile-updates.test.ts sends the same table through
 * the real websocket and batch paths; this file is the fast, exact check of
 * the policy's decisions (and what mutation testing runs against it).
 */

/**
 * Every distinct violation each case gives rise to, in the order the policy
 * reports it (`action:rule`), and the audit notes it derives. Written out
 * literally: a rule that stops firing, fires with the other action, or fires
 * where it should not, fails here.
 */
const VERDICTS: [name: string, violations: string[], notes: string[]][] = [
  ["a nurse deletes an allergy (penicillin, anaphylaxis)", ["refuse:record.no-delete"], []],
  ["a nurse deletes a visit", ["refuse:record.no-delete"], []],
  ["a clinician clears every problem", ["refuse:record.no-delete"], []],
  ["a nurse replaces a signed note with a blank draft", ["refuse:record.no-replace"], []],
  ["a clinician swaps an allergy entry for another object under the same id", ["refuse:record.no-replace", "refuse:record.immutable"], []],
  ["a nurse removes the reaction field of an allergy", ["refuse:record.no-field-delete", "correct:provenance.stamp"], []],
  ["the front desk deletes an appointment", ["refuse:record.no-delete"], []],
  ["the front desk deletes a provider’s availability", ["refuse:record.no-delete"], []],
  ["the front desk removes a birth date", ["refuse:record.no-field-delete"], []],
  ["a nurse signs a visit note in a clinician’s name", ["refuse:provenance.forged-id", "correct:provenance.forged-name", "correct:provenance.time", "correct:note.sign-role"], []],
  ["a nurse signs a visit note as herself", ["correct:provenance.forged-name", "correct:provenance.time", "correct:note.sign-role"], []],
  ["a clinician rewrites a signed note’s signed text", ["correct:provenance.forged-name", "correct:note.signature-frozen"], []],
  ["a clinician turns a signed note back into a draft", ["correct:note.signature-frozen"], []],
  ["a clinician adds an addendum to a draft note", ["correct:provenance.forged-name", "refuse:note.addendum"], []],
  ["a clinician edits an existing addendum", ["correct:provenance.forged-name", "refuse:note.addendum"], []],
  ["a nurse signs a prescription", ["correct:provenance.time", "correct:prescription.sign-role"], ["prescription.sign"]],
  ["a clinician writes a prescription in another clinician’s name", ["refuse:provenance.forged-id", "correct:provenance.time", "correct:provenance.forged-name"], ["prescription.sign"]],
  ["a clinician signs a nitrate beside active sildenafil with no alert recorded", ["correct:provenance.time", "correct:prescription.unanswered-alert"], ["prescription.sign", "prescription.recheck"]],
  ["a clinician signs amoxicillin against a recorded penicillin allergy with no alert recorded", ["correct:provenance.time", "correct:prescription.unanswered-alert"], ["prescription.sign", "prescription.recheck"]],
  ["a clinician signs for a patient whose allergies were never asked, with no reason", ["correct:provenance.time", "correct:prescription.unanswered-alert"], ["prescription.sign", "prescription.recheck"]],
  ["a clinician signs ibuprofen 800 mg six times a day with no alert recorded", ["correct:provenance.time", "correct:prescription.unanswered-alert"], ["prescription.sign", "prescription.recheck"]],
  ["a clinician answers the nitrate alert with an override in another clinician’s name", ["refuse:provenance.forged-id", "correct:provenance.time", "correct:prescription.unanswered-alert"], ["prescription.sign", "prescription.override", "prescription.recheck"]],
  ["a clinician turns a signed amoxicillin prescription into morphine in place", ["correct:prescription.frozen"], ["prescription.change"]],
  ["a nurse stops a prescription", ["correct:provenance.stamp", "correct:prescription.frozen"], ["prescription.change"]],
  ["a nurse places an order as already signed", ["correct:provenance.time", "correct:order.sign-role"], []],
  ["a nurse cancels a clinician’s active order", ["correct:provenance.stamp", "correct:order.transition"], []],
  ["a clinician releases a held pharmacy send without an override", ["correct:send.held"], []],
  ["a nurse overrides the alert holding a pharmacy send", ["correct:provenance.forged-name", "correct:provenance.stamp", "correct:send.override-role"], ["prescription.override"]],
  ["a nurse overwrites allergy fields with a clinician’s name in updatedBy", ["correct:provenance.forged-name"], []],
  ["a nurse changes an allergy and leaves the clinician named as its last editor", ["correct:provenance.stamp"], []],
  ["a nurse records “no known allergies” under a clinician’s user id", ["correct:provenance.time", "refuse:provenance.forged-id"], []],
  ["a nurse dates a new problem next year", ["correct:provenance.time"], []],
  ["the front desk forges a name on demographics", ["correct:provenance.forged-name"], []],
  ["the front desk rewrites who booked an appointment", ["refuse:record.immutable", "correct:provenance.forged-name"], []],
  ["a bigint in a prescription field", ["refuse:structure.value", "refuse:structure.field-type"], []],
  ["binary data in an allergy", ["refuse:structure.value", "refuse:structure.field-type"], []],
  ["a number where the record keeps text", ["refuse:structure.field-type", "correct:provenance.stamp"], []],
  ["a huge text value", ["refuse:structure.value", "correct:provenance.stamp"], []],
  ["many fields in one value", ["refuse:structure.value", "correct:provenance.stamp"], []],
  ["a deeply nested value", ["refuse:structure.value", "correct:provenance.stamp"], []],
  ["formatting and an embed in a note section", ["refuse:structure.value"], []],
  ["a subdocument in a chart", ["refuse:structure.value"], []],
  ["a top-level list the chart does not hold", ["refuse:structure.root"], []],
  ["list items pushed into a chart collection", ["refuse:structure.shape"], []],
  ["an allergy that is a plain value, not an entry", ["refuse:structure.shape"], []],
  ["an entry key that is not an id", ["refuse:structure.entry-key"], []],
  ["an unknown pharmacy-send state", ["refuse:structure.field-type", "correct:send.held"], []],
  ["schedule settings of the wrong shape", ["refuse:structure.value", "refuse:structure.field-type"], []],
  ["given names that are not a list of text", ["refuse:patient.shape"], []],
  ["an allergy’s id rewritten", ["refuse:record.immutable", "correct:provenance.stamp"], []],
  ["an entry marked entered in error revived", ["correct:record.entered-in-error-final"], []],
  ["a chart claiming another patient", ["refuse:meta.identity"], []],
  ["a chart claiming to be demographics", ["refuse:meta.identity"], []],
  ["a layout version moved backwards", ["correct:meta.schema-version"], []],
  ["an entry made here marked as imported", ["refuse:record.source-fixed"], []],
  ["demographics naming another patient", ["refuse:record.immutable", "refuse:patient.identity"], []],
  ["an NKA statement’s author rewritten", ["refuse:record.immutable", "refuse:provenance.forged-id"], []]
];

const NOW = new Date('2026-12-04T10:00:00.000Z');
const gate = new PolicyGate(() => NOW);

/** Each base record is built once and copied for every case (building it is most of a case's time). */
const built = new Map<Case['build'], Base>();

function run(c: Case) {
  const base = built.get(c.build) ?? c.build();
  built.set(c.build, base);
  const clinicId = base.kind === 'schedule' ? base.ids.clinicId : 'clinic-a';
  const patientId = base.kind === 'schedule' ? '' : base.name.slice(base.name.indexOf(':') + 1);
  const live: Gated = { identity: { name: base.name, clinicId, kind: base.kind, patientId }, doc: new Y.Doc(), shadow: null, unapplied: [] };
  Y.applyUpdate(live.doc, Y.encodeStateAsUpdate(base.doc));
  const device = new Y.Doc();
  Y.applyUpdate(device, Y.encodeStateAsUpdate(base.doc));
  const sv = Y.encodeStateVector(device);
  c.attack(device, base);
  const update = Y.encodeStateAsUpdate(device, sv);
  const u = USERS[c.as];
  const author: Author = { kind: 'user', userId: u.id, name: u.name, roles: u.roles, via: 'websocket' };
  const before = Y.encodeStateAsUpdate(live.doc);
  const result = gate.admit(live, update, author);
  return { base, live, update, result, before };
}

describe('the hostile insider’s table, judged by the write policy alone', () => {
  it('holds refused and corrected cases', () => {
    expect(CASES.filter((c) => 'refused' in c.expect).length).toBe(37);
    expect(CASES.filter((c) => 'corrected' in c.expect).length).toBe(20);
  });

  it('names every case once, in the table’s order', () => {
    expect(VERDICTS.map(([name]) => name)).toEqual(CASES.map((c) => c.name));
  });

  it.each(VERDICTS)('%s: exactly these violations and notes', (name, violations, notes) => {
    const c = CASES.find((x) => x.name === name)!;
    const { result } = run(c);
    expect(result.kind).not.toBe('incomplete');
    if (result.kind === 'incomplete') return;
    expect([...new Set(result.verdict.violations.map((v) => `${v.action}:${v.rule}`))]).toEqual(violations);
    expect(result.verdict.notes.map((n) => n.action)).toEqual(notes);
  });

  it.each(CASES.filter((c) => 'refused' in c.expect).map((c) => [c.name, c] as const))('%s: refused', (_name, c) => {
    const { live, result, before } = run(c);
    expect(result.kind).toBe('refused');
    if (result.kind !== 'refused') return;
    const rule = (c.expect as { refused: string }).refused;
    expect(result.verdict.violations.filter((v) => v.action === 'refuse').map((v) => v.rule)).toContain(rule);
    for (const v of result.verdict.violations) {
      expect(v.message.length).toBeGreaterThan(10);
      expect(v.at).not.toBe('');
    }
    // Nothing of the refused update is kept for the document.
    expect(live.unapplied).toEqual([]);
    expect(live.shadow).toBeNull();
    expect(Y.encodeStateAsUpdate(live.doc)).toEqual(before);
  });

  it.each(CASES.filter((c) => 'corrected' in c.expect).map((c) => [c.name, c] as const))('%s: corrected', (_name, c) => {
    const { base, live, update, result } = run(c);
    expect(result.kind).toBe('accepted');
    if (result.kind !== 'accepted') return;
    const rule = (c.expect as { corrected: string }).corrected;
    expect(result.verdict.violations.filter((v) => v.action === 'correct').map((v) => v.rule)).toContain(rule);
    expect(result.verdict.violations.filter((v) => v.action === 'refuse')).toEqual([]);
    expect(result.correction).not.toBeNull();
    expect(live.unapplied).toHaveLength(2);
    // What the server stores and sends: the write, then its correction.
    const stored = new Y.Doc();
    Y.applyUpdate(stored, Y.encodeStateAsUpdate(base.doc));
    Y.applyUpdate(stored, update);
    Y.applyUpdate(stored, result.correction!);
    (c.expect as { check: (d: Y.Doc, b: typeof base) => void }).check(stored, base);
  });
});
