import type * as Y from 'yjs';
import { addCondition, listConditions, noteLifecycle, noteSection, noteText } from '../chart/chart-doc';
import type { Actor, NoteSection } from '../domain/chart';
import { AppError } from '../domain/errors';
import { ICD10CM_SYSTEM, icd10Coding, type Icd10Match } from '../domain/icd10';
import { templateFill, visitTemplate, type VisitTemplate } from '../domain/visit-templates';

/**
 * The visit workspace's shortcuts: a coded diagnosis goes into the note's
 * assessment and onto the problem list in one step; a visit template fills
 * the sections still empty. Both write only to a draft note (a signed note
 * is changed by addendum).
 */

function draftOrThrow(chartDoc: Y.Doc, encounterId: string): void {
  if (noteLifecycle(chartDoc, encounterId) !== 'draft') throw new AppError('conflict', 'This note is signed: add to it with an addendum');
}

/** A problem that already stands for this ICD-10-CM code (not refuted, not in error, not resolved). */
function standingProblem(chartDoc: Y.Doc, code: string) {
  return listConditions(chartDoc).find(
    (c) =>
      c.verificationStatus !== 'entered-in-error' &&
      c.verificationStatus !== 'refuted' &&
      c.clinicalStatus !== 'resolved' &&
      c.clinicalStatus !== 'inactive' &&
      (c.code.coding ?? []).some((x) => x.system === ICD10CM_SYSTEM && x.code === code)
  );
}

/**
 * Adds a diagnosis to the visit: a line "<title> (ICD-10-CM <code>)" at the
 * end of the assessment, and the problem to the problem list unless one
 * with the same code already stands.
 */
export function addDiagnosis(chartDoc: Y.Doc, encounterId: string, match: Icd10Match, actor: Actor): { problemId: string; problemAdded: boolean } {
  draftOrThrow(chartDoc, encounterId);
  let result = { problemId: '', problemAdded: false };
  chartDoc.transact(() => {
    const text = noteSection(chartDoc, encounterId, 'assessment');
    const current = text.toString();
    const sep = current === '' || current.endsWith('\n') ? '' : '\n';
    text.insert(text.length, `${sep}${match.title} (ICD-10-CM ${match.code})\n`);
    const existing = standingProblem(chartDoc, match.code);
    result = existing
      ? { problemId: existing.id, problemAdded: false }
      : { problemId: addCondition(chartDoc, { text: match.title, coding: [icd10Coding(match)], clinicalStatus: 'active' }, actor), problemAdded: true };
  }, 'local');
  return result;
}

/** Applies a visit template (built-in, or one of the clinic's `clinicTemplates`) to the draft note's empty sections; returns the sections it filled. */
export function applyVisitTemplate(chartDoc: Y.Doc, encounterId: string, templateId: string, clinicTemplates: readonly VisitTemplate[] = []): NoteSection[] {
  draftOrThrow(chartDoc, encounterId);
  const template = visitTemplate(templateId, clinicTemplates);
  if (!template) throw new AppError('invalid', 'Unknown visit template');
  const fill = templateFill(noteText(chartDoc, encounterId), template);
  const sections = Object.keys(fill) as NoteSection[];
  chartDoc.transact(() => {
    for (const s of sections) {
      const t = noteSection(chartDoc, encounterId, s);
      // Empty or whitespace only: the whitespace stays, the prompts follow it.
      t.insert(t.length, fill[s] ?? '');
    }
  }, 'local');
  return sections;
}
