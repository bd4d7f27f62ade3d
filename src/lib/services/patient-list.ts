import { PatientListManager } from './patient-list-manager.svelte';

/**
 * The app's patient list (see PatientListManager), in its own module so the
 * session manager can hold it without loading patient registration (and
 * the chart code it brings) on a patient's phone.
 */
export const patientList = new PatientListManager();
