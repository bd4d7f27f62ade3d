import type { RootPolicy } from '../policy-table';
import type { RuleInput, RuleOutput, Violation } from '../policy-types';
import { diffNodes, fieldsOf, locate, valueOf, valueProblem, VALUE_LIMITS, sameValue } from '../node-values';
import type { PolicyNode } from '../yjs-view';

/**
 * Rules every entry of every document obeys, whoever writes it: the shape
 * the app writes (entries are maps of JSON values and note texts), size
 * limits, and that nothing once recorded is deleted or swapped for another
 * object. All refusals: an honest client never writes these, so refusing
 * cannot wedge one.
 */

/** Entry keys: ids (UUIDs, imported ids). */
const ENTRY_KEY = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const refuse = (rule: string, at: string, message: string): Violation => ({ rule, action: 'refuse', at, message });

/** Why a node (and everything under it) may not be stored, or null. */
function nodeProblem(node: PolicyNode, size: { chars: number }): string | null {
  switch (node.t) {
    case 'value':
      return valueProblem(node.v, size);
    case 'text':
      size.chars += node.text.length;
      if (node.text.length > VALUE_LIMITS.maxText) return 'a text is too long';
      if (node.foreign > 0) return 'a text holds embedded objects or formatting';
      if (node.keyed > 0) return 'a text holds keyed attributes';
      return null;
    case 'map': {
      if (node.listItems > 0) return 'a map holds list items';
      const keys = Object.keys(node.fields);
      if (keys.length > VALUE_LIMITS.maxItems) return 'a map has too many fields';
      for (const k of keys) {
        if (k.length > VALUE_LIMITS.maxKey) return 'a field name is too long';
        if (k === '__proto__') return 'a field name that is not allowed';
        const p = nodeProblem(node.fields[k], size);
        if (p) return p;
      }
      return null;
    }
    case 'array':
      return 'a shared list (the record holds none)';
    case 'other':
      return `unsupported content (${node.what})`;
  }
}

/** `structure.*`: shapes and sizes of the changed parts of an entry. */
export function structureRule(input: RuleInput, policy: RootPolicy): RuleOutput {
  const { change } = input;
  const at = locate(change.root, change.key);
  const out: Violation[] = [];
  if (change.key !== null && !ENTRY_KEY.test(change.key)) return { violations: [refuse('structure.entry-key', at, 'An entry key is not an id')] };
  const after = change.after;
  if (after) {
    if (policy.shape === 'values' && after.t !== 'value') out.push(refuse('structure.shape', at, 'This list holds plain values only'));
    if (policy.shape !== 'values' && after.t !== 'map') out.push(refuse('structure.shape', at, 'An entry must be a map of fields'));
  }
  if (out.length) return { violations: out };
  for (const d of diffNodes(change.before, after)) {
    if (!d.after) continue;
    const problem = nodeProblem(d.after, { chars: 0 });
    if (problem) {
      out.push(refuse('structure.value', locate(change.root, change.key, d.path), `Not storable: ${problem}`));
      break;
    }
  }
  if (out.length === 0 && after) {
    const size = { chars: 0 };
    nodeProblem(after, size);
    if (size.chars > VALUE_LIMITS.maxEntry) out.push(refuse('structure.entry-size', at, 'The entry is too large'));
  }
  return { violations: out };
}

/** `record.no-delete`, `record.no-replace`, `record.no-field-delete`: nothing recorded disappears. */
export function noDeleteRule(input: RuleInput, policy: RootPolicy): RuleOutput {
  const { change } = input;
  const { before, after } = change;
  const at = locate(change.root, change.key);
  if (!before) return {};
  if (!after) return { violations: [refuse('record.no-delete', at, 'Recorded entries are never deleted; mark them entered in error')] };
  if (before.t === 'map' && (after.t !== 'map' || after.id !== before.id)) {
    return { violations: [refuse('record.no-replace', at, 'A recorded entry cannot be replaced by another')] };
  }
  const out: Violation[] = [];
  for (const d of diffNodes(before, after)) {
    const where = locate(change.root, change.key, d.path);
    const b = d.before;
    if (!b) continue;
    if (b.t === 'map' || b.t === 'text' || b.t === 'array') {
      // A nested shared object (a visit's note, a note section) is the same object for life.
      if (!d.after || d.after.t !== b.t || ('id' in d.after && d.after.id !== b.id)) out.push(refuse('record.no-replace', where, 'A recorded part of an entry cannot be removed or replaced'));
      continue;
    }
    if (d.after === undefined && !(d.path.length === 1 && (policy.clearable ?? []).includes(d.path[0]))) {
      out.push(refuse('record.no-field-delete', where, 'A recorded field is never removed'));
    }
  }
  return { violations: out };
}

/** `record.immutable`: an entry's id and resource type never change, and the id is the entry's key. */
export function immutableRule(input: RuleInput, policy: RootPolicy): RuleOutput {
  const { change } = input;
  const { before, after } = change;
  if (!after || after.t !== 'map') return {};
  const out: Violation[] = [];
  for (const f of ['id', 'resourceType', ...(policy.immutable ?? [])]) {
    const a = fieldsOf(after)[f];
    const b = fieldsOf(before)[f];
    if (b && !sameValue(valueOf(before, f), valueOf(after, f))) out.push(refuse('record.immutable', locate(change.root, change.key, [f]), `The field ${f} never changes once recorded`));
    else if (!b && a && f === 'id' && change.key !== null && valueOf(after, 'id') !== change.key) out.push(refuse('record.immutable', locate(change.root, change.key, [f]), 'An entry id must be its key'));
  }
  return { violations: out };
}

const ERROR_FIELDS = ['status', 'verificationStatus'] as const;

/** `record.entered-in-error-final`: an entry marked entered in error stays so (corrected back if a write reverses it). */
export function enteredInErrorRule(input: RuleInput): RuleOutput {
  const { change } = input;
  const { before, after } = change;
  if (!before || !after) return {};
  const out: RuleOutput = { violations: [], corrections: [] };
  for (const f of ERROR_FIELDS) {
    if (valueOf(before, f) !== 'entered-in-error' || valueOf(after, f) === 'entered-in-error') continue;
    out.violations!.push({
      rule: 'record.entered-in-error-final',
      action: 'correct',
      at: locate(change.root, change.key, [f]),
      message: 'An entry marked entered in error stays so'
    });
    out.corrections!.push({ root: change.root, key: change.key, path: [f], value: 'entered-in-error' });
  }
  return out;
}
