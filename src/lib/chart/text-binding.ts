import * as Y from 'yjs';

/**
 * The smallest edit that turns `before` into `after`: one deletion and one
 * insertion at the first differing position. A textarea's input event gives
 * only the new value, so this recovers what the person typed; applying it as
 * an edit (not a replace) is what lets two people type in one note at once.
 */
export function diffText(before: string, after: string): { index: number; remove: number; insert: string } {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before.charCodeAt(endB - 1) === after.charCodeAt(endA - 1)) {
    endB--;
    endA--;
  }
  return { index: start, remove: endB - start, insert: after.slice(start, endA) };
}

/** Applies a textarea's new value to the shared text as a minimal edit. */
export function applyTextChange(text: Y.Text, after: string, origin: unknown = 'local'): void {
  const before = text.toString();
  if (before === after) return;
  const { index, remove, insert } = diffText(before, after);
  const edit = () => {
    if (remove > 0) text.delete(index, remove);
    if (insert) text.insert(index, insert);
  };
  if (text.doc) text.doc.transact(edit, origin);
  else edit();
}

/**
 * Where a caret at `pos` (in the text before a change) ends up after it.
 * The delta walks the old text: retain and delete consume old characters,
 * insert adds new ones; text inserted before the caret pushes it right and
 * text deleted before it pulls it left. Text a colleague inserts exactly at
 * the caret stays after it: when two people type at the same spot, each
 * keeps writing after their own last character, so their words interleave
 * as whole runs instead of letter by letter.
 */
export function shiftCaret(delta: readonly { insert?: unknown; retain?: number; delete?: number }[], pos: number): number {
  let oldIndex = 0;
  let moved = pos;
  for (const op of delta) {
    if (oldIndex > pos) break;
    if (op.retain) oldIndex += op.retain;
    else if (op.insert !== undefined) {
      if (oldIndex < pos) moved += typeof op.insert === 'string' ? op.insert.length : 1;
    } else if (op.delete) {
      if (oldIndex < pos) moved -= Math.min(op.delete, pos - oldIndex);
      oldIndex += op.delete;
    }
  }
  return Math.max(0, moved);
}

export interface TextareaLike {
  value: string;
  selectionStart: number | null;
  selectionEnd: number | null;
  readOnly: boolean;
  addEventListener(type: 'input', fn: () => void): void;
  removeEventListener(type: 'input', fn: () => void): void;
  setSelectionRange(start: number, end: number): void;
}

/**
 * Two-way binding between a textarea and a Y.Text. Remote edits keep the
 * local caret where the person left it (relative positions survive inserts
 * and deletes made elsewhere in the text). Returns a function that unbinds.
 */
export function bindTextarea(el: TextareaLike, text: Y.Text, opts: { readonly?: boolean } = {}): () => void {
  el.value = text.toString();
  el.readOnly = !!opts.readonly;

  const onInput = () => {
    if (el.readOnly) {
      el.value = text.toString();
      return;
    }
    applyTextChange(text, el.value, 'local');
  };

  const onChange = (event: Y.YTextEvent, tr: Y.Transaction) => {
    if (tr.origin === 'local' && el.value === text.toString()) return;
    const start = el.selectionStart ?? 0;
    const end = el.selectionEnd ?? 0;
    el.value = text.toString();
    el.setSelectionRange(shiftCaret(event.delta, start), shiftCaret(event.delta, end));
  };

  el.addEventListener('input', onInput);
  text.observe(onChange);
  return () => {
    el.removeEventListener('input', onInput);
    text.unobserve(onChange);
  };
}

/** A place in a shared text that moves with edits made before it (by anyone) until text is inserted there. */
export type TextAnchor = Y.RelativePosition;

/** An anchor at `index` (clamped to the text), e.g. the caret when dictation began. */
export function anchorAt(text: Y.Text, index: number): TextAnchor {
  return Y.createRelativePositionFromTypeIndex(text, Math.max(0, Math.min(index, text.length)));
}

/**
 * Inserts `value` where `anchor` now is (at the end when there is no anchor
 * or it no longer resolves), with `separate` choosing the joining space from
 * the text before it. Returns the index after the inserted text.
 */
export function insertAtAnchor(text: Y.Text, anchor: TextAnchor | null, value: string, separate: (before: string, value: string) => string = (_b, v) => v): number {
  const doc = text.doc;
  const abs = anchor && doc ? Y.createAbsolutePositionFromRelativePosition(anchor, doc) : null;
  const index = abs && abs.type === text ? abs.index : text.length;
  const piece = separate(text.toString().slice(0, index), value);
  const edit = () => text.insert(index, piece);
  if (doc) doc.transact(edit, 'local');
  else edit();
  return index + piece.length;
}
