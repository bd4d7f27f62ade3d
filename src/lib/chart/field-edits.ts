import * as Y from 'yjs';
import { z } from 'zod';
import type { Actor } from '../domain/chart';
import { AppError } from '../domain/errors';
import { newId, nowIso, str } from './schema';

/**
 * Edits of single fields of a chart entry (an allergy's reaction, a
 * problem's status) that never silently overwrite each other.
 *
 * A plain `Y.Map.set` is last-writer-wins: when two devices change the same
 * field while apart, one value disappears on merge and nobody is told. So
 * every field edit is also recorded as an immutable entry
 * `edit:<uuid> → {field, value, by, at, supersedes}` on the entry's own
 * Y.Map. `supersedes` names the edits this device saw as current for that
 * field when it wrote (normally one: the edit it replaced). Keys are unique,
 * so concurrent edits are all kept by Yjs; nothing nested is created, so two
 * devices upgrading an old entry at once cannot race to create a container
 * and lose one of them (entries made before edits were recorded need no
 * migration: they simply have no `edit:` keys yet).
 *
 * The current edits of a field (its heads) are those no other edit
 * supersedes. One head: that is the value. Two or more heads with different
 * values: the devices disagreed while apart — a conflict that stays flagged,
 * every value with who and when, until a clinician chooses one
 * (`resolveFieldConflict`, itself an edit that supersedes all the heads it
 * saw). Any later edit that saw both heads resolves it the same way; an edit
 * made elsewhere that saw only one of them keeps the conflict open.
 *
 * While in conflict the value shown is deterministic on every replica: the
 * most recent head by its time, ties broken by edit id. The plain field is
 * still written with each edit, for readers and older clients that know no
 * edit history; if it holds a value that no head has (written by such a
 * client, or by a re-import), that value joins the heads as a "stored" value
 * so it is flagged instead of hidden.
 */

const EDIT_PREFIX = 'edit:';
const STORED_PREFIX = 'stored:';

const fieldEditSchema = z.object({
  id: z.string().min(1),
  field: z.string().min(1),
  value: z.string(),
  by: z.string(),
  byId: z.string().default(''),
  at: z.string(),
  supersedes: z.array(z.string()).default([]),
  kind: z.enum(['edit', 'resolution']).default('edit')
});

/** One recorded change of one field. `stored` marks the plain field's value when no recorded edit has it. */
export interface FieldEdit {
  id: string;
  field: string;
  value: string;
  by: string;
  byId: string;
  at: string;
  supersedes: string[];
  kind: 'edit' | 'resolution' | 'stored';
}

/** A field whose devices disagreed while apart: every differing current value, with who and when. */
export interface FieldConflict {
  field: string;
  /** The current values, newest first; at least two distinct values. */
  candidates: FieldEdit[];
  /** The value shown until someone resolves it (the first candidate). */
  shown: FieldEdit;
}

type Entry = Y.Map<unknown>;

/** Every recorded edit of one entry, read defensively (a malformed record from a broken client is skipped). */
export function readEdits(e: Entry): FieldEdit[] {
  const out: FieldEdit[] = [];
  e.forEach((v, k) => {
    if (!k.startsWith(EDIT_PREFIX)) return;
    const parsed = fieldEditSchema.safeParse(v);
    if (parsed.success && parsed.data.id === k.slice(EDIT_PREFIX.length)) out.push(parsed.data);
  });
  return out;
}

const newestFirst = (a: FieldEdit, b: FieldEdit) => b.at.localeCompare(a.at) || b.id.localeCompare(a.id);

/**
 * The current edits of `field` (pure; see the module comment). `stored` is
 * the plain field's value: when edits exist and none of the heads holds it,
 * it is returned as one more head.
 */
export function fieldHeads(edits: readonly FieldEdit[], field: string, stored?: { value: string; by: string; at: string }): FieldEdit[] {
  const mine = edits.filter((x) => x.field === field);
  if (mine.length === 0) return [];
  const superseded = new Set(mine.flatMap((x) => x.supersedes));
  const heads = mine.filter((x) => !superseded.has(x.id));
  if (stored && !heads.some((h) => h.value === stored.value)) {
    const id = STORED_PREFIX + stored.value;
    if (!superseded.has(id)) heads.push({ id, field, value: stored.value, by: stored.by, byId: '', at: stored.at, supersedes: [], kind: 'stored' });
  }
  return heads.sort(newestFirst);
}

/** Heads reduced to a conflict when they hold more than one distinct value. */
export function conflictOf(heads: readonly FieldEdit[]): FieldConflict | null {
  const distinct: FieldEdit[] = [];
  for (const h of heads) if (!distinct.some((d) => d.value === h.value)) distinct.push(h);
  if (distinct.length < 2) return null;
  return { field: heads[0].field, candidates: distinct, shown: distinct[0] };
}

function storedOf(e: Entry, field: string) {
  return { value: str(e, field), by: str(e, 'updatedBy'), at: str(e, 'updatedAt') };
}

function headsOf(e: Entry, field: string, edits = readEdits(e)): FieldEdit[] {
  return fieldHeads(edits, field, storedOf(e, field));
}

/** The value of a field as the chart shows it: its one current edit, the shown value of a conflict, or the plain field. */
export function fieldValue(e: Entry, field: string, edits = readEdits(e)): string {
  const heads = headsOf(e, field, edits);
  return heads.length > 0 ? heads[0].value : str(e, field);
}

/** The open conflicts of an entry, over the given fields. */
export function entryConflicts(e: Entry, fields: readonly string[]): FieldConflict[] {
  const edits = readEdits(e);
  if (edits.length === 0) return [];
  return fields.map((f) => conflictOf(headsOf(e, f, edits))).filter((c): c is FieldConflict => c !== null);
}

function write(e: Entry, field: string, value: string, supersedes: string[], kind: 'edit' | 'resolution', actor: Actor): void {
  const id = newId();
  const record: z.infer<typeof fieldEditSchema> = { id, field, value, by: actor.name, byId: actor.id, at: nowIso(), supersedes, kind };
  e.set(EDIT_PREFIX + id, record);
  if (e.get(field) !== value) e.set(field, value);
}

/**
 * Records edits of string fields on an entry; call inside a transaction.
 * A field already at that value (and not in conflict) is left alone.
 * Returns how many fields changed.
 */
export function recordFieldEdits(e: Entry, changes: Record<string, string | undefined>, actor: Actor): number {
  const edits = readEdits(e);
  let changed = 0;
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    const heads = headsOf(e, field, edits);
    const current = heads.length > 0 ? heads[0].value : str(e, field);
    if (value === current && !conflictOf(heads)) continue;
    write(e, field, value, heads.map((h) => h.id), 'edit', actor);
    changed++;
  }
  return changed;
}

/**
 * Settles a conflict on `field` by keeping the candidate `chosenId`: a
 * resolution edit that supersedes every current value this device holds.
 * Throws AppError('conflict') when that candidate is no longer current (the
 * conflict was settled or changed elsewhere) and 'not-found' for no conflict.
 * Call inside a transaction.
 */
export function resolveFieldConflict(e: Entry, field: string, chosenId: string, actor: Actor): void {
  const heads = headsOf(e, field);
  if (!conflictOf(heads)) throw new AppError('not-found', 'There is nothing to resolve on this entry any more');
  const chosen = heads.find((h) => h.id === chosenId);
  if (!chosen) throw new AppError('conflict', 'That value is no longer current; look at the entry again');
  write(e, field, chosen.value, heads.map((h) => h.id), 'resolution', actor);
}
