import type * as Y from 'yjs';
import { z } from 'zod';
import { listEncounters, signedNote } from './chart-doc';

/**
 * Notes that still need a clinician, read from one `chart:` document: the
 * rows of the unsigned-notes worklist. `draft`: never signed. `late-edits`:
 * signed, but text typed on a device that had not seen the signature merged
 * in afterwards and waits for the signer's review. Visits entered in error
 * or cancelled need nothing, and neither do visits that arrived already
 * finished from a past record (imports, the demo seed): their note was
 * never an Outpost note to sign. Signing is what finishes an Outpost visit,
 * so an unsigned one is still in progress.
 */
export const worklistItemSchema = z.object({
  patientId: z.string(),
  encounterId: z.string(),
  kind: z.enum(['draft', 'late-edits']),
  type: z.string(),
  reason: z.string(),
  start: z.string(),
  startedBy: z.string(),
  signedBy: z.string().optional()
});
export type WorklistItem = z.infer<typeof worklistItemSchema>;

/** Drafts first (newest first), then signed notes with late text. */
export function unsignedNotes(doc: Y.Doc, patientId: string): WorklistItem[] {
  const drafts: WorklistItem[] = [];
  const late: WorklistItem[] = [];
  for (const e of listEncounters(doc)) {
    if (e.status === 'entered-in-error' || e.status === 'cancelled') continue;
    const base = { patientId, encounterId: e.id, type: e.type, reason: e.reason, start: e.start, startedBy: e.createdBy };
    if (e.note.status === 'draft') {
      if (e.status === 'in-progress') drafts.push({ ...base, kind: 'draft' });
      continue;
    }
    const signed = signedNote(doc, e.id);
    if (signed && signed.lateEdits.length > 0) late.push({ ...base, kind: 'late-edits', signedBy: signed.signature.by });
  }
  return [...drafts, ...late];
}
