import * as Y from 'yjs';

/**
 * Reads the entries a Yjs transaction touched, as they were before it and as
 * they are after it, so the write policy can judge a change by its content
 * rather than by its envelope.
 *
 * Called from the shadow document's `afterTransaction` hook: at that point
 * the transaction's deletions are marked but not yet garbage-collected, so
 * the state before the transaction is still readable. An item was visible
 * before the transaction when it existed then (its clock is below the
 * transaction's `beforeState`) and it was not deleted, or was deleted by
 * this very transaction. This is the one place that reaches into Yjs
 * internals (`_map`, `_start`, item contents), pinned to yjs 13.6.
 */

/** A value in a shared document, reduced to what the policy needs to judge it. */
export type PolicyNode =
  | { t: 'map'; id: string; fields: Record<string, PolicyNode>; listItems: number }
  | { t: 'text'; id: string; text: string; foreign: number; keyed: number }
  | { t: 'array'; id: string; items: PolicyNode[]; keyed: number }
  | { t: 'value'; v: unknown }
  | { t: 'other'; what: string };

type Visible = (item: Y.Item) => boolean;
// Yjs types its shared types by event; the reader handles them all alike.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyType = Y.AbstractType<any>;

export const visibleNow: Visible = (item) => !item.deleted;

/** Visibility in the document as it was just before `tr`. */
export function visibleBefore(tr: Y.Transaction): Visible {
  return (item) => {
    if (item.id.clock >= (tr.beforeState.get(item.id.client) ?? 0)) return false;
    return !item.deleted || Y.isDeleted(tr.deleteSet, item.id);
  };
}

const idOf = (type: AnyType): string => (type._item ? `${type._item.id.client}:${type._item.id.clock}` : 'root');

/** The item holding `key` of a map-like type in the given view, or null. */
export function keyItem(type: AnyType, key: string, vis: Visible): Y.Item | null {
  let item: Y.Item | null = type._map.get(key) ?? null;
  while (item !== null && !vis(item)) item = item.left;
  return item;
}

/** Every key of a map-like type that has a value in the given view. */
export function keysOf(type: AnyType, vis: Visible): string[] {
  const out: string[] = [];
  for (const key of type._map.keys()) if (keyItem(type, key, vis)) out.push(key);
  return out;
}

/** The node a map item holds. */
export function itemNode(item: Y.Item, vis: Visible, depth = 0): PolicyNode {
  const c = item.content;
  if (c instanceof Y.ContentType) return typeNode(c.type as AnyType, vis, depth + 1);
  if (c instanceof Y.ContentAny) return { t: 'value', v: c.arr[c.arr.length - 1] };
  if (c instanceof Y.ContentBinary) return { t: 'other', what: 'binary' };
  if (c instanceof Y.ContentJSON) return { t: 'other', what: 'legacy-json' };
  if (c instanceof Y.ContentDoc) return { t: 'other', what: 'subdocument' };
  if (c instanceof Y.ContentString) return { t: 'other', what: 'string-in-map' };
  return { t: 'other', what: c.constructor.name };
}

/** Deeper than any shape the app writes; a crafted deeper tree is refused, not walked. */
const MAX_TYPE_DEPTH = 8;

/** A shared type (map, text, array) as a node in the given view. */
export function typeNode(type: AnyType, vis: Visible, depth = 0): PolicyNode {
  if (depth > MAX_TYPE_DEPTH) return { t: 'other', what: 'too-deep' };
  if (type instanceof Y.XmlFragment || type instanceof Y.XmlElement || type instanceof Y.XmlHook) return { t: 'other', what: 'xml' };
  if (type instanceof Y.Text) return textNode(type, vis);
  if (type instanceof Y.Array) return arrayNode(type, vis, depth);
  // A Y.Map, or a root that nothing on the server has typed yet (read as a map: roots are maps here).
  // Without a prototype, so a field named `__proto__` is a field like any other (and is judged), not the object's prototype.
  const fields: Record<string, PolicyNode> = Object.create(null);
  for (const key of type._map.keys()) {
    const item = keyItem(type, key, vis);
    if (item) fields[key] = itemNode(item, vis, depth);
  }
  return { t: 'map', id: idOf(type), fields, listItems: countList(type, vis) };
}

function countList(type: AnyType, vis: Visible): number {
  let n = 0;
  for (let item = type._start; item !== null; item = item.right) if (vis(item)) n++;
  return n;
}

function countKeyed(type: AnyType, vis: Visible): number {
  let n = 0;
  for (const key of type._map.keys()) if (keyItem(type, key, vis)) n++;
  return n;
}

function textNode(type: Y.Text, vis: Visible): PolicyNode {
  let text = '';
  let foreign = 0;
  for (let item = type._start; item !== null; item = item.right) {
    if (!vis(item)) continue;
    if (item.content instanceof Y.ContentString) text += item.content.str;
    else foreign++;
  }
  return { t: 'text', id: idOf(type), text, foreign, keyed: countKeyed(type, vis) };
}

function arrayNode(type: Y.Array<unknown>, vis: Visible, depth: number): PolicyNode {
  const items: PolicyNode[] = [];
  for (let item = type._start; item !== null; item = item.right) {
    if (!vis(item)) continue;
    const c = item.content;
    if (c instanceof Y.ContentAny) for (const v of c.arr) items.push({ t: 'value', v });
    else if (c instanceof Y.ContentType) items.push(typeNode(c.type as AnyType, vis, depth + 1));
    else if (!(c instanceof Y.ContentDeleted)) items.push({ t: 'other', what: c.constructor.name });
  }
  return { t: 'array', id: idOf(type), items, keyed: countKeyed(type, vis) };
}

/** A plain JSON-like value of a node: maps become objects, texts strings, arrays arrays. */
export function plain(node: PolicyNode | null | undefined): unknown {
  if (!node) return undefined;
  switch (node.t) {
    case 'value':
      return node.v;
    case 'text':
      return node.text;
    case 'array':
      return node.items.map(plain);
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node.fields)) out[k] = plain(v);
      return out;
    }
    default:
      return undefined;
  }
}

/** One top-level key (or a whole record root) the transaction touched. */
export interface TouchedEntry {
  /** Top-level shared type name (`allergies`, `patient`, `meta`, …). */
  root: string;
  /** The entry's key in the root map; null when the root itself is the entry (a record such as `patient` or `meta`). */
  key: string | null;
}

/** What a transaction touched, found from its changed types. */
export interface TouchedSet {
  /** Root names written to, whatever they hold. */
  roots: Set<string>;
  /** Roots that received list items (a root is only ever a map here). */
  listRoots: Set<string>;
  entries: TouchedEntry[];
}

/**
 * Climbs from each changed type to its root and names the top-level entry
 * it belongs to. A type created in the transaction is not in `tr.changed`
 * itself: its parent's key is, which names the same entry.
 */
export function touchedBy(tr: Y.Transaction, recordRoots: ReadonlySet<string>): TouchedSet {
  const roots = new Set<string>();
  const listRoots = new Set<string>();
  const seen = new Set<string>();
  const entries: TouchedEntry[] = [];
  const add = (root: string, key: string | null) => {
    const k = `${root}\u0000${key ?? ''}`;
    if (seen.has(k)) return;
    seen.add(k);
    entries.push({ root, key });
  };
  for (const [type, keys] of tr.changed) {
    let t = type as AnyType;
    let childKey: string | null | undefined;
    while (t._item !== null) {
      childKey = t._item.parentSub;
      t = t._item.parent as AnyType;
    }
    const root = Y.findRootTypeKey(t);
    roots.add(root);
    if (recordRoots.has(root)) {
      add(root, null);
      if (t === type && keys.has(null)) listRoots.add(root);
      continue;
    }
    if (t === type) {
      for (const key of keys) {
        if (key === null) listRoots.add(root);
        else add(root, key);
      }
    } else if (typeof childKey === 'string') {
      add(root, childKey);
    } else {
      listRoots.add(root);
    }
  }
  return { roots, listRoots, entries };
}

/** The entry node of a touched entry in a view (the root map for a record root). */
export function entryNode(doc: Y.Doc, e: TouchedEntry, vis: Visible): PolicyNode | null {
  const root = doc.share.get(e.root);
  if (!root) return null;
  if (e.key === null) return typeNode(root as AnyType, vis);
  const item = keyItem(root as AnyType, e.key, vis);
  return item ? itemNode(item, vis) : null;
}
