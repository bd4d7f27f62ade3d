import * as Y from 'yjs';

/**
 * Whether an import may write an entry under an id that is already taken in
 * the chart. Imports create freely; they update only what they created from
 * the same source (import-source.ts). Checked per entry: a refused entry is
 * reported in the transaction-response and the rest of the bundle goes on.
 *
 * - A prescription signed in Outpost (a MedicationRequest naming its
 *   prescriber) is never rewritten by an import, whatever it carries.
 * - An entry recorded in Outpost (no `sourceId`) is never rewritten.
 * - An entry imported from another system, or from another resource, is not
 *   this import's to change.
 * - An entry imported before sources were recorded (a `sourceId`, no
 *   `sourceSystem`) is taken as the same source's when the resource id
 *   matches, and gets the source stamped on it.
 */

export const IMPORT_REFUSALS = {
  'signed-prescription': 'Not imported: the id names a prescription signed in Outpost, which an import never changes.',
  'outpost-entry': 'Not imported: the id names an entry recorded in Outpost, which an import never changes.',
  'other-source': 'Not imported: the id names an entry imported from another source or record; an import updates only entries it created from the same source.'
} as const;
export type ImportRefusal = keyof typeof IMPORT_REFUSALS;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function importRefusal(existing: unknown, source: string, sourceId: string | undefined): ImportRefusal | null {
  if (existing === undefined) return null;
  if (!(existing instanceof Y.Map)) return 'outpost-entry';
  if (existing.get('resourceType') === 'MedicationRequest' && isRecord(existing.get('requester'))) return 'signed-prescription';
  const theirId = existing.get('sourceId');
  if (typeof theirId !== 'string' || !theirId) return 'outpost-entry';
  const theirSource = existing.get('sourceSystem');
  if (theirSource !== undefined && theirSource !== source) return 'other-source';
  if (theirId !== sourceId) return 'other-source';
  return null;
}
