import { expect, test } from 'vitest';
import * as Y from 'yjs';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { birthDateFromSync } from './patient-birth-date';

const PID = '4384bf23-1dc3-48ca-8c84-89fbaff201ae';

test('reads the date of birth from the patient record of the right clinic, null when there is none', async () => {
  const doc = new Y.Doc();
  initPatientDoc(doc, PID, { family: 'Rivera', given: ['Ana'], birthDate: '1961-04-02', gender: 'female' }, { id: 'u', name: 'Desk' }, 'MRN1');
  const state = Y.encodeStateAsUpdate(doc);
  const asked: string[] = [];
  const lookup = birthDateFromSync({
    readState: async (name, clinicId) => {
      asked.push(`${clinicId}/${name}`);
      return clinicId === 'clinic-1' ? state : null;
    }
  });
  expect(await lookup('clinic-1', PID)).toBe('1961-04-02');
  expect(await lookup('clinic-2', PID)).toBeNull();
  expect(asked).toEqual([`clinic-1/patient:${PID}`, `clinic-2/patient:${PID}`]);
});
