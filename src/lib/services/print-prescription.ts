import type * as Y from 'yjs';
import type { MedicationRecord } from '../chart/medication-doc';
import { readPatient } from '../chart/patient-doc';
import { notePrint } from './access-log.service';
import { prescriptionPdf } from './prescription-pdf';
import { toFhirMedicationRequest } from './prescription-fhir';

/**
 * Prints a signed prescription: builds the PDF on the device (works
 * offline) and hands it to the browser as a download. The file name holds
 * no patient data.
 */
export async function printPrescription(med: MedicationRecord, patientDoc: Y.Doc | null, ctx: { clinicName: string; printedBy: string }): Promise<void> {
  const patient = patientDoc ? readPatient(patientDoc) : null;
  if (!patient) throw new Error('The patient record is not on this device');
  const bytes = await prescriptionPdf(toFhirMedicationRequest(med, patient), ctx);
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `prescription-${med.id.slice(0, 8)}.pdf`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  await notePrint(patient.id, 'prescription');
}
