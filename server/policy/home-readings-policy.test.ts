import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as Y from 'yjs';
import { clinicalFields, putEntry } from '../../src/lib/chart/clinical-doc';
import { closeRefillRequest, recordRefillRequest } from '../../src/lib/chart/refill-request-doc';
import { markObservationsEnteredInError, recordVitals } from '../../src/lib/chart/vitals-doc';
import { homeReadingObservation } from '../../src/lib/domain/home-readings';
import type { Author } from './policy-types';
import { desk, doctor, entryMap, entryOf, liveDoc, nurse, PATIENT, write } from './test-factories';

/**
 * What the patient portal writes, through the write policy: only the
 * server's portal route marks a reading as reported by the patient or
 * records a request made in the portal; staff devices cannot make one up,
 * take the mark off or rewrite what the patient reported, and a portal
 * request is declined with a reason.
 */
beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-04T09:59:00.000Z') });
});
afterAll(() => {
  vi.useRealTimers();
});

const portal: Author = { kind: 'server', userId: 'u-patient', name: 'Patient', roles: ['patient'], origin: 'system' };
const actor = (a: Author) => ({ id: a.userId, name: a.name });
const AT = '2026-12-04T08:00:00.000Z';
/** What was refused (provenance stamps the policy corrects on the way are not the point here). */
const refused = (o: { violations: string[] }) => o.violations.filter((v) => v.startsWith('refuse:'));

function homeReading(doc: Y.Doc, id = 'hr1', by: Author = portal): void {
  const fields = { ...clinicalFields('observations', homeReadingObservation({ id: 'x', kind: 'bloodPressure', systolic: 185, diastolic: 120 }, AT)), performer: by === portal ? [{ reference: `Patient/${PATIENT}`, display: 'The patient' }] : [{ display: 'The patient' }], reportedBy: 'patient' };
  putEntry(doc, 'observations', id, fields, actor(by));
}

describe('home readings through the policy', () => {
  it("the portal's write is admitted; the same write from a clinician's device is refused", () => {
    const live = liveDoc('chart');
    expect(refused(write(live, portal, (doc) => homeReading(doc)))).toEqual([]);
    expect(entryOf(live, 'observations', 'hr1')).toMatchObject({ reportedBy: 'patient' });
    const forged = write(live, doctor, (doc) => homeReading(doc, 'hr2', doctor));
    expect(refused(forged)).toEqual(['refuse:observations.patient-reported@observations/hr2/reportedBy']);
    expect(forged.kind).toBe('refused');
  });

  it("a nurse adding the mark to a clinic reading, or taking it off a patient's, is refused", () => {
    const live = liveDoc('chart');
    let clinic: string[] = [];
    expect(refused(write(live, nurse, (doc) => (clinic = recordVitals(doc, { heartRate: 80 }, actor(nurse)))))).toEqual([]);
    expect(refused(write(live, nurse, (doc) => entryMap(doc, 'observations', clinic[0]).set('reportedBy', 'patient')))).toEqual([`refuse:observations.patient-reported@observations/${clinic[0]}/reportedBy`]);
    write(live, portal, (doc) => homeReading(doc));
    expect(refused(write(live, nurse, (doc) => entryMap(doc, 'observations', 'hr1').delete('reportedBy')))).toContain('refuse:record.immutable@observations/hr1/reportedBy');
  });

  it('rewriting what the patient reported is refused; marking it entered in error is admitted', () => {
    const live = liveDoc('chart');
    write(live, portal, (doc) => homeReading(doc));
    const edited = write(live, doctor, (doc) => entryMap(doc, 'observations', 'hr1').set('effectiveDateTime', '2026-12-01T08:00:00.000Z'));
    expect(refused(edited)).toEqual(['refuse:observations.patient-reported-values@observations/hr1/effectiveDateTime']);
    const wrong = write(live, doctor, (doc) => markObservationsEnteredInError(doc, ['hr1'], 'Patient typed it twice', actor(doctor)));
    expect(refused(wrong)).toEqual([]);
    expect(entryOf(live, 'observations', 'hr1')).toMatchObject({ status: 'entered-in-error', reportedBy: 'patient' });
  });
});

describe('portal refill requests through the policy', () => {
  const request = (doc: Y.Doc, by: Author) => recordRefillRequest(doc, { medicationText: 'Metformin 500 mg tablet', via: 'portal', note: '', medicationId: 'rx1' }, actor(by), '2026-12-04T09:00:00.000Z', 'r1');

  it("a request via the portal from the desk's device is refused; from the portal route it is admitted", () => {
    const live = liveDoc('patient');
    expect(refused(write(live, desk, (doc) => request(doc, desk)))).toEqual(['refuse:refill.portal@refillRequests/r1/via']);
    expect(refused(write(live, portal, (doc) => request(doc, portal)))).toEqual([]);
  });

  it('a clinician declining a portal request must say why; with a reason it is admitted and kept', () => {
    const live = liveDoc('patient');
    write(live, portal, (doc) => request(doc, portal));
    const bare = write(live, doctor, (doc) => {
      const e = entryMap(doc, 'refillRequests', 'r1');
      e.set('status', 'declined');
      e.set('closedAt', '2026-12-04T09:30:00.000Z');
      e.set('closedBy', 'Dr Amani');
      e.set('closedById', 'u-doc');
    });
    expect(refused(bare)).toEqual(['refuse:refill.portal@refillRequests/r1/declineReason']);
    expect(() => write(live, doctor, (doc) => closeRefillRequest(doc, 'r1', { status: 'declined' }, actor(doctor)))).toThrow('Say why the refill is declined: the patient reads it');
    const ok = write(live, doctor, (doc) => closeRefillRequest(doc, 'r1', { status: 'declined', reason: 'Please come in for a blood test first' }, actor(doctor)));
    expect(refused(ok)).toEqual([]);
    expect(entryOf(live, 'refillRequests', 'r1')).toMatchObject({ status: 'declined', declineReason: 'Please come in for a blood test first' });
    const changed = write(live, doctor, (doc) => entryMap(doc, 'refillRequests', 'r1').set('declineReason', 'Something else'));
    expect(refused(changed)).toEqual(['refuse:record.immutable@refillRequests/r1/declineReason']);
  });
});
