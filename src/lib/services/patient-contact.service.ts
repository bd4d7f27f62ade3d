import * as Y from 'yjs';
import { readPatient } from '../chart/patient-doc';
import { docName } from '../domain/doc-names';
import { currentWorkspace, type Workspace } from './workspace';

/**
 * A patient's phone and e-mail from their demographics as stored on this
 * device (read, not opened live): what "Send by SMS / e-mail" starts from.
 * Empty strings when the record has none or is not on this device.
 */
export async function readPatientContact(patientId: string, ws: Workspace = currentWorkspace()): Promise<{ phone: string; email: string }> {
  const doc = new Y.Doc();
  try {
    if (!(await ws.vault.docs.loadInto(docName('patient', patientId), doc, null))) return { phone: '', email: '' };
    const p = readPatient(doc);
    return { phone: p?.phone ?? '', email: p?.email ?? '' };
  } finally {
    doc.destroy();
  }
}
