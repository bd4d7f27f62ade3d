import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { listImmunizations } from './clinical-doc';
import { markImmunizationEnteredInError, recordVaccination } from './immunization-doc';
import { immunizationSchedule } from '../domain/immunization-schedule';

const actor = { id: 'u1', name: 'Nurse Test' };

describe('recording vaccinations', () => {
  it('writes a CVX-coded Immunization with lot, site and route', () => {
    const doc = new Y.Doc();
    const id = recordVaccination(doc, { cvx: '115', date: '2026-01-15', lotNumber: 'AB123', site: 'LD', route: 'IM' }, actor);
    expect(listImmunizations(doc)).toMatchObject([
      {
        id,
        status: 'completed',
        vaccineCode: { text: 'Tdap', coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '115' }] },
        occurrenceDateTime: '2026-01-15',
        lotNumber: 'AB123',
        site: { text: 'Left deltoid', coding: [{ code: 'LD' }] },
        route: { text: 'Intramuscular', coding: [{ code: 'IM' }] },
        createdBy: 'Nurse Test'
      }
    ]);
  });

  it('refuses unknown vaccines, impossible and future dates', () => {
    const doc = new Y.Doc();
    expect(() => recordVaccination(doc, { cvx: '999', date: '2026-01-15' }, actor)).toThrow('The vaccination is not valid');
    expect(() => recordVaccination(doc, { cvx: '115', date: '2026-02-30' }, actor)).toThrow('The vaccination is not valid');
    expect(() => recordVaccination(doc, { cvx: '115', date: '2999-01-01' }, actor)).toThrow('The vaccination is not valid');
  });

  it('a dose marked entered-in-error stops counting for the schedule', () => {
    const doc = new Y.Doc();
    const today = new Date().toISOString().slice(0, 10);
    const id = recordVaccination(doc, { cvx: '113', date: today }, actor);
    const status = () => immunizationSchedule({ birthDate: '1970-01-01', immunizations: listImmunizations(doc), now: new Date().toISOString() }).find((i) => i.group === 'tetanus')?.status;
    expect(status()).toBe('up-to-date');
    markImmunizationEnteredInError(doc, id, 'Wrong patient', actor);
    expect(listImmunizations(doc)[0]).toMatchObject({ status: 'entered-in-error', enteredInErrorReason: 'Wrong patient', enteredInErrorBy: 'Nurse Test' });
    expect(status()).toBe('due');
  });
});
