import * as Y from 'yjs';
import { listAllergies, listConditions, listEncounters } from './chart-doc';
import { listClinical } from './clinical-doc';
import { NOTE_SECTIONS, type NoteSection } from '../domain/chart';
import { buildTimeline, type TimelineEvent } from '../domain/timeline';

/**
 * The timeline model of a `chart:` document: every collection read through
 * its typed reader, visit notes as plain text, merged by domain/timeline.ts.
 */
export function chartTimeline(doc: Y.Doc): TimelineEvent[] {
  const encounters = listEncounters(doc);
  return buildTimeline({
    encounters,
    notes: noteTexts(doc),
    conditions: listConditions(doc),
    allergies: listAllergies(doc),
    medications: listClinical(doc, 'medications'),
    observations: listClinical(doc, 'observations'),
    immunizations: listClinical(doc, 'immunizations'),
    procedures: listClinical(doc, 'procedures'),
    reports: listClinical(doc, 'reports'),
    carePlans: listClinical(doc, 'carePlans')
  });
}

/** Plain text of every visit note, read once; a visit without a note is left out. */
function noteTexts(doc: Y.Doc): Map<string, Partial<Record<NoteSection, string>>> {
  const out = new Map<string, Partial<Record<NoteSection, string>>>();
  doc.getMap('encounters').forEach((e, id) => {
    if (!(e instanceof Y.Map)) return;
    const note = e.get('note');
    if (!(note instanceof Y.Map)) return;
    const text: Partial<Record<NoteSection, string>> = {};
    for (const s of NOTE_SECTIONS) {
      const t = note.get(s);
      if (t instanceof Y.Text) text[s] = t.toString();
    }
    out.set(id, text);
  });
  return out;
}
