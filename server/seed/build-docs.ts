import * as Y from 'yjs';
import type { Actor } from '../../src/lib/domain/chart';
import { NOTE_SECTIONS } from '../../src/lib/domain/chart';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { addAllergy, addCondition, addEncounter, initChartDoc, noteSection } from '../../src/lib/chart/chart-doc';
import type { SeedPatient } from './seed-patient';

/**
 * Builds the two documents of a seed patient with the same typed accessors
 * the app uses, so seeded records look exactly like ones typed in a clinic.
 */
export function buildPatientDocs(p: SeedPatient, actor: Actor): { patient: Y.Doc; chart: Y.Doc } {
  const patient = new Y.Doc();
  initPatientDoc(patient, p.id, p.demographics, actor, p.mrn);

  const chart = new Y.Doc();
  initChartDoc(chart, p.id);
  for (const a of p.allergies) addAllergy(chart, a, actor);
  for (const c of p.conditions) addCondition(chart, c, actor);
  for (const v of p.visits) {
    const id = addEncounter(chart, v.input, actor);
    for (const section of NOTE_SECTIONS) {
      const text = v.note?.[section];
      if (text) noteSection(chart, id, section).insert(0, text);
    }
  }
  return { patient, chart };
}
