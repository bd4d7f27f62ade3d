import * as Y from 'yjs';
import { readPatient } from '../../src/lib/chart/patient-doc';
import { docName } from '../../src/lib/domain/doc-names';
import type { SyncService } from '../types';

/**
 * The date-of-birth lookup for the join page, read from the patient's
 * shared record at the moment of the check (so a corrected date counts at
 * once). Null when the record or its date is missing.
 */
export function birthDateFromSync(sync: Pick<SyncService, 'readState'>) {
  return async (clinicId: string, patientId: string): Promise<string | null> => {
    const state = await sync.readState(docName('patient', patientId), clinicId);
    if (!state) return null;
    const doc = new Y.Doc();
    try {
      Y.applyUpdate(doc, state);
      return readPatient(doc)?.birthDate || null;
    } finally {
      doc.destroy();
    }
  };
}
