import type { PolicyNode } from './yjs-view';

/**
 * Value helpers for the write policy. Everything here accepts whatever a
 * crafted update can carry (bigint, binary, undefined, deep nesting) without
 * throwing: a checker that throws on hostile input is a hole.
 */

/** Limits on a single plain value; far above anything the app writes. */
export const VALUE_LIMITS = {
  /** Characters in one string value. */
  maxString: 20_000,
  /** Characters in one shared text (a note section). */
  maxText: 200_000,
  /** Elements of an array or keys of an object. */
  maxItems: 2_000,
  /** Nesting of arrays and objects inside one value. */
  maxDepth: 12,
  /** Characters of an object key. */
  maxKey: 200,
  /** Approximate characters of one entry, all fields and texts together. */
  maxEntry: 1_000_000
} as const;

/** A stable text form of any value, for equality; never throws. */
export function canonical(v: unknown, depth = 0): string {
  if (depth > 40) return '"<deep>"';
  if (v === undefined) return 'u';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : `"<${String(v)}>"`;
    case 'boolean':
      return String(v);
    case 'bigint':
      return `"<bigint ${v.toString()}>"`;
    case 'object':
      break;
    default:
      return `"<${typeof v}>"`;
  }
  if (v instanceof Uint8Array) return `"<bytes ${Buffer.from(v).toString('base64')}>"`;
  if (Array.isArray(v)) return `[${v.map((x) => canonical(x, depth + 1)).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k], depth + 1)}`)
    .join(',')}}`;
}

export const sameValue = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

/**
 * Why a plain value is not one the record may hold, or null when it is:
 * only JSON (null, booleans, finite numbers, strings, arrays, plain objects)
 * within the limits. `size` accumulates an approximate size.
 */
export function valueProblem(v: unknown, size = { chars: 0 }, depth = 0): string | null {
  if (depth > VALUE_LIMITS.maxDepth) return 'nested too deeply';
  if (v === null) return null;
  switch (typeof v) {
    case 'string':
      size.chars += v.length;
      return v.length > VALUE_LIMITS.maxString ? 'a text value is too long' : null;
    case 'number':
      size.chars += 8;
      return Number.isFinite(v) ? null : 'a number is not finite';
    case 'boolean':
      size.chars += 4;
      return null;
    case 'undefined':
      return 'an undefined value';
    case 'bigint':
      return 'a bigint value';
    case 'object':
      break;
    default:
      return `a ${typeof v} value`;
  }
  if (v instanceof Uint8Array || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return 'binary data';
  if (Array.isArray(v)) {
    if (v.length > VALUE_LIMITS.maxItems) return 'a list is too long';
    for (const x of v) {
      const p = valueProblem(x, size, depth + 1);
      if (p) return p;
    }
    return null;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return 'an object that is not plain data';
  const keys = Object.keys(v);
  if (keys.length > VALUE_LIMITS.maxItems) return 'an object has too many fields';
  for (const k of keys) {
    if (k.length > VALUE_LIMITS.maxKey) return 'a field name is too long';
    size.chars += k.length;
    const p = valueProblem((v as Record<string, unknown>)[k], size, depth + 1);
    if (p) return p;
  }
  return null;
}

/** One changed place inside an entry: a field (or nested field) whose value, text or type changed. */
export interface FieldDiff {
  /** Map keys from the entry down to the changed node; [] is the entry itself. */
  path: string[];
  before: PolicyNode | undefined;
  after: PolicyNode | undefined;
}

/**
 * The changed places between two versions of an entry. Maps that are the
 * same shared type are compared key by key; a text that is the same shared
 * type is one place; anything else that differs (a value, a type created,
 * removed or replaced by another instance) is one place.
 */
export function diffNodes(before: PolicyNode | undefined | null, after: PolicyNode | undefined | null, path: string[] = [], out: FieldDiff[] = []): FieldDiff[] {
  const b = before ?? undefined;
  const a = after ?? undefined;
  if (!b && !a) return out;
  if (b && a) {
    if (b.t === 'map' && a.t === 'map' && b.id === a.id) {
      const keys = new Set([...Object.keys(b.fields), ...Object.keys(a.fields)]);
      for (const k of keys) diffNodes(b.fields[k], a.fields[k], [...path, k], out);
      if (b.listItems !== a.listItems) out.push({ path: [...path, '[list]'], before: b, after: a });
      return out;
    }
    if (b.t === 'text' && a.t === 'text' && b.id === a.id) {
      if (b.text !== a.text || b.foreign !== a.foreign || b.keyed !== a.keyed) out.push({ path, before: b, after: a });
      return out;
    }
    if (b.t === 'value' && a.t === 'value' && sameValue(b.v, a.v)) return out;
  }
  out.push({ path, before: b, after: a });
  return out;
}

/** Fields of a map node; empty for anything else. */
export function fieldsOf(node: PolicyNode | null | undefined): Record<string, PolicyNode> {
  return node && node.t === 'map' ? node.fields : {};
}

/** The plain value of a map node's field when it is a plain value (not a shared type). */
export function valueOf(node: PolicyNode | null | undefined, key: string): unknown {
  const f = fieldsOf(node)[key];
  return f && f.t === 'value' ? f.v : undefined;
}

/** A string field, or '' when absent or of another type. */
export function stringOf(node: PolicyNode | null | undefined, key: string): string {
  const v = valueOf(node, key);
  return typeof v === 'string' ? v : '';
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

/** Where a finding is, for the audit: root, entry id and field path; ids only, never values. */
export function locate(root: string, key: string | null, path: readonly string[] = []): string {
  // Keys come from the client: only id-like characters reach the audit log.
  const safe = (k: string) => k.replace(/[^A-Za-z0-9:._-]/g, '?').slice(0, 80);
  return [root, ...(key === null ? [] : [key]), ...path].map(safe).join('/');
}
