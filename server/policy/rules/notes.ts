import { NOTE_SECTIONS } from '../../../src/lib/domain/chart';
import type { Correction, RuleInput, RuleOutput, Violation } from '../policy-types';
import { isReplica } from '../policy-types';
import { fieldsOf, isRecord, locate, sameValue, valueOf } from '../node-values';
import { plain, type PolicyNode } from '../yjs-view';

/**
 * Visit notes: the legal record. Rules (see chart-doc.ts for the writes the
 * app makes):
 *
 * - `note.shape` (refuse): a visit's note is a map whose sections are
 *   shared texts and whose status is draft or signed.
 * - `note.sign-role` (correct): only a clinician signs. A note signed by
 *   another role goes back to draft, the refused signature kept beside it
 *   (`signatureRefused`). Corrected rather than refused: a device whose
 *   user lost the clinician role while offline signs honestly, and its
 *   later edits must still merge. (Signing in another user's name is
 *   `provenance.forged-id`, refused.)
 * - `note.signature-frozen` (correct): once signed, the status, the
 *   signature (signer, time, text as signed) and its plain copies never
 *   change; a later write is undone. Corrected rather than refused: two
 *   clinicians signing the same note while apart is honest, and the
 *   signature the server accepted first stands.
 * - `note.addendum` (refuse): addenda are added only to a signed note,
 *   carry their own id, and never change once written.
 *
 * Text typed into a section after signing is allowed: the app keeps the
 * text as signed in the signature and flags late text for review.
 */

const FROZEN = ['status', 'signature', 'signedBy', 'signedAt'] as const;
const ADDENDUM = 'addendum:';

function noteOf(entry: PolicyNode | null): PolicyNode | undefined {
  return fieldsOf(entry).note;
}

const isSigned = (note: PolicyNode | undefined) => valueOf(note, 'status') === 'signed';

function shapeProblem(note: PolicyNode): string | null {
  if (note.t !== 'map') return 'a note must be a map';
  for (const s of NOTE_SECTIONS) {
    const f = note.fields[s];
    if (f && f.t !== 'text') return `the ${s} section must be shared text`;
  }
  const status = valueOf(note, 'status');
  if (status !== undefined && status !== 'draft' && status !== 'signed') return 'a note is draft or signed';
  if (status === 'signed') {
    const sig = valueOf(note, 'signature');
    if (!isRecord(sig) || typeof sig.byId !== 'string' || typeof sig.by !== 'string' || typeof sig.at !== 'string') return 'a signed note carries its signature';
    if (sig.text !== undefined && !(isRecord(sig.text) && Object.values(sig.text).every((t) => typeof t === 'string'))) return 'the signed text is sections of text';
  }
  return null;
}

/**
 * Whether the note's signer holds the clinician role: the author, or on a
 * replicated update (no one author) the account the signature names, as
 * this server knows it now.
 */
function signerIsClinician(input: RuleInput, note: PolicyNode): boolean {
  const { author } = input;
  if (author.kind === 'user') return author.roles.includes('clinician');
  const sig = valueOf(note, 'signature') as Record<string, unknown>;
  const signer = typeof sig.byId === 'string' ? input.state?.staff?.(sig.byId) : null;
  return !!signer && signer.roles.includes('clinician');
}

export function notesRule(input: RuleInput): RuleOutput {
  const { change, author } = input;
  const before = noteOf(change.before);
  const after = noteOf(change.after);
  if (!after) return {};
  // A replaced note is refused by record.no-replace; nothing more to judge here.
  if (before && before.t === 'map' && after.t === 'map' && before.id !== after.id) return {};
  const at = (...path: string[]) => locate(change.root, change.key, ['note', ...path]);
  const problem = shapeProblem(after);
  if (problem) return { violations: [{ rule: 'note.shape', action: 'refuse', at: at(), message: `Not a valid note: ${problem}` }] };
  const violations: Violation[] = [];
  const corrections: Correction[] = [];
  const fix = (field: string, value: unknown) => corrections.push({ root: change.root, key: change.key, path: ['note', field], value });

  // Addenda: new ones only on a signed note, each with its own id; old ones never change.
  const signedNow = isSigned(before) || isSigned(after);
  for (const [k, node] of Object.entries(fieldsOf(after))) {
    if (!k.startsWith(ADDENDUM)) continue;
    const old = fieldsOf(before)[k];
    const v = plain(node);
    if (old) {
      if (!sameValue(plain(old), v)) violations.push({ rule: 'note.addendum', action: 'refuse', at: at(k), message: 'An addendum never changes once written' });
      continue;
    }
    if (!signedNow) violations.push({ rule: 'note.addendum', action: 'refuse', at: at(k), message: 'Addenda are added to a signed note only' });
    else if (!isRecord(v) || v.id !== k.slice(ADDENDUM.length) || typeof v.text !== 'string' || typeof v.at !== 'string') {
      violations.push({ rule: 'note.addendum', action: 'refuse', at: at(k), message: 'An addendum carries its id, text, author and time' });
    }
  }
  if (author.kind !== 'user' && !isReplica(author)) return { violations, corrections };

  if (isSigned(before)) {
    for (const f of FROZEN) {
      const was = valueOf(before, f);
      if (sameValue(was, valueOf(after, f))) continue;
      violations.push({ rule: 'note.signature-frozen', action: 'correct', at: at(f), message: 'A signed note keeps its signature; corrections are addenda' });
      fix(f, was);
    }
  } else if (isSigned(after) && !signerIsClinician(input, after)) {
    violations.push({ rule: 'note.sign-role', action: 'correct', at: at('signature'), message: 'Only a clinician signs a visit note' });
    fix('status', 'draft');
    for (const f of ['signature', 'signedBy', 'signedAt']) if (fieldsOf(after)[f]) fix(f, undefined);
    const byId = author.kind === 'user' ? author.userId : String((valueOf(after, 'signature') as Record<string, unknown>).byId);
    fix('signatureRefused', { byId, at: input.now, reason: 'Signed by a user who is not a clinician; refused by the server' });
  }
  return { violations, corrections };
}
