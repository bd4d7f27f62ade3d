import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { recordNoKnownAllergies } from '../../src/lib/chart/allergy-status';
import { prescribe, refillMedication, type PrescriptionInput } from '../../src/lib/chart/medication-doc';
import type { Author } from './policy-types';
import { desk, doctor, entryOf, liveDoc, nurse, seed, write } from './test-factories';

/**
 * A refill signed on the prescribe screen (refill.service.ts) reaches the
 * server as one update: a new prescription and the old one completed. The
 * existing prescription rules decide who may sign it; these tests send the
 * update a nurse's or front desk's device would make if the app let them.
 */

beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-04T09:59:00.000Z') });
});
afterAll(() => {
  vi.useRealTimers();
});

const input: PrescriptionInput = {
  medicationCodeableConcept: { text: 'amoxicillin 500 MG Oral Capsule' },
  dosage: { text: 'Take 1 capsule by mouth three times daily', route: { text: 'oral' }, doseQuantity: { value: 1, unit: 'capsule' }, timing: { frequency: 3, period: 1, periodUnit: 'd' }, asNeeded: false },
  dispense: { quantity: { value: 21, unit: 'capsule' }, numberOfRepeatsAllowed: 0 },
  detectedIssues: []
};
const actor = (a: Author) => ({ id: a.userId, name: a.name });

/** A chart with the doctor's active prescription rx1 and allergies asked ("no known allergies"), already on the server. */
function chart() {
  const live = liveDoc();
  seed(live, (doc) => {
    recordNoKnownAllergies(doc, actor(doctor), 0);
    prescribe(doc, input, actor(doctor), 'rx1');
  });
  return live;
}

const statusOf = (live: ReturnType<typeof liveDoc>, id: string) => (entryOf(live, 'medications', id) as { status: string }).status;
const newRx = (live: ReturnType<typeof liveDoc>) => [...live.doc.getMap('medications').keys()].find((k) => k !== 'rx1')!;

describe('refills through the policy', () => {
  it("a clinician's refill stands: the new prescription active, the old completed", () => {
    const live = chart();
    const o = write(live, doctor, (doc) => refillMedication(doc, 'rx1', input, actor(doctor)));
    expect(o.kind).toBe('accepted');
    expect(o.violations).toEqual([]);
    expect(statusOf(live, 'rx1')).toBe('completed');
    expect(entryOf(live, 'medications', newRx(live))).toMatchObject({ status: 'active', priorPrescription: 'rx1', requester: { reference: 'Practitioner/u-doc' } });
  });

  it.each([
    ['a nurse', nurse],
    ['the front desk', desk]
  ])("%s's refill (a crafted update): the new prescription is entered in error, the old one put back to active", (_, author) => {
    const live = chart();
    const o = write(live, author, (doc) => refillMedication(doc, 'rx1', input, actor(author)));
    expect(o.violations).toEqual(expect.arrayContaining([`correct:prescription.sign-role@medications/${newRx(live)}`, 'correct:prescription.frozen@medications/rx1']));
    expect(statusOf(live, newRx(live))).toBe('entered-in-error');
    expect(statusOf(live, 'rx1')).toBe('active');
    expect(o.verdict!.notes.some((n) => n.action === 'prescription.sign' && n.outcome === 'failure')).toBe(true);
  });

});
