import type { Correction, RuleInput, RuleOutput, Violation } from '../policy-types';
import { isReplica } from '../policy-types';
import { canonical, diffNodes, isRecord, locate, valueOf } from '../node-values';
import { plain, type PolicyNode } from '../yjs-view';

/**
 * Provenance names the connected user, never a name written by the client.
 *
 * - `provenance.forged-id` (refuse): a user id written into the record
 *   (`…ById`, `byId`, a requester's or a result performer's
 *   `Practitioner/<id>`) must be the author's.
 *   The app always writes the signed-in user's id (an offline session is
 *   the user who unlocked the device), so another id is a forgery and
 *   refusing cannot wedge an honest client.
 * - `provenance.forged-name` (correct): a display name (`…By`, `by`, a
 *   requester's `display`) must be the author's. Corrected, not refused: a
 *   device that was offline while an administrator renamed the user still
 *   writes the old name, honestly.
 * - `provenance.time` (correct): a time written (`…At`, `at`) must be a
 *   date-time and not in the future (devices' clocks drift; a backdated
 *   offline edit is honest, a future one is not).
 * - `provenance.stamp` (correct): a change to an entry's own fields leaves
 *   its `updatedBy` naming the author (a write that changes a recorded
 *   allergy but leaves the last editor's name on it misattributes it).
 *
 * Only values this update wrote are checked: a nested object (a signature,
 * an override in a list) that was already there is left alone.
 */

/** Fields ending in `By` that are not a person. */
const NOT_A_PERSON = new Set(['completedByResult']);
/** Fields that record delivery, not clinical content: changing them names no new editor. */
const TRANSPORT_FIELDS = new Set(['uploaded']);
/** Future skew tolerated on a device clock. */
const MAX_SKEW_MS = 10 * 60_000;

type Kind = 'id' | 'name' | 'time' | null;

function kindOf(key: string): Kind {
  if (key === 'byId' || (key.endsWith('ById') && key.length > 4)) return 'id';
  if (NOT_A_PERSON.has(key)) return null;
  if (key === 'by' || (key.endsWith('By') && key.length > 2)) return 'name';
  if (key === 'at' || (key.endsWith('At') && key.length > 2)) return 'time';
  return null;
}

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

function badTime(v: unknown, nowMs: number): boolean {
  if (typeof v !== 'string' || !ISO.test(v)) return true;
  const t = Date.parse(v);
  return Number.isNaN(t) || t > nowMs + MAX_SKEW_MS;
}

interface Ctx {
  userId: string;
  name: string;
  nowMs: number;
  now: string;
  /** Objects (by canonical form) that were in the field before: not written by this update. */
  old: Set<string>;
  ids: string[];
  fixes: number;
}

function collectObjects(v: unknown, into: Set<string>, depth = 0): void {
  if (depth > 12) return;
  if (Array.isArray(v)) for (const x of v) collectObjects(x, into, depth + 1);
  else if (isRecord(v)) {
    into.add(canonical(v));
    for (const x of Object.values(v)) collectObjects(x, into, depth + 1);
  }
}

/** Checks a newly written value; returns it with names and times fixed (same object when nothing needed fixing). */
function checkValue(v: unknown, ctx: Ctx, path: string, depth = 0): unknown {
  if (depth > 12) return v;
  if (Array.isArray(v)) {
    let changed = false;
    const out = v.map((x, i) => {
      const y = checkValue(x, ctx, `${path}/${i}`, depth + 1);
      if (y !== x) changed = true;
      return y;
    });
    return changed ? out : v;
  }
  if (!isRecord(v) || ctx.old.has(canonical(v))) return v;
  let out: Record<string, unknown> = v;
  const set = (k: string, value: unknown) => {
    if (out === v) out = { ...v };
    out[k] = value;
    ctx.fixes++;
  };
  for (const [k, x] of Object.entries(v)) {
    const kind = kindOf(k);
    if (kind === 'id' && typeof x === 'string' && x !== ctx.userId) ctx.ids.push(`${path}/${k}`);
    else if (kind === 'name' && typeof x === 'string' && x !== ctx.name) set(k, ctx.name);
    else if (kind === 'time' && typeof x === 'string' && badTime(x, ctx.nowMs)) set(k, ctx.now);
    else if (k === 'requester' && isRecord(x)) {
      if (typeof x.reference === 'string' && x.reference !== `Practitioner/${ctx.userId}`) ctx.ids.push(`${path}/requester`);
      else if (typeof x.display === 'string' && x.display !== ctx.name) set(k, { ...x, display: ctx.name });
    } else {
      const y = checkValue(x, ctx, `${path}/${k}`, depth + 1);
      if (y !== x) set(k, y);
    }
  }
  return out;
}

/**
 * `provenance.unknown-user` (refuse), for a replicated update: it merges
 * many users' writes, so no one author can be named, but every user id it
 * writes (`…ById`, `byId`, `Practitioner/<id>`) must be a staff account of
 * the document's clinic on this server. A box cannot attribute a record to
 * someone the hub does not know, or to another clinic's staff.
 */
function replicaProvenance(input: RuleInput): RuleOutput {
  const { change, state } = input;
  const unknown: string[] = [];
  const known = (id: string) => !!state?.staff?.(id);
  const check = (value: unknown, field: string, where: string, depth: number): void => {
    if (depth > 8) return;
    if (typeof value === 'string') {
      if (kindOf(field) === 'id' && !known(value)) unknown.push(where);
      else if (field === 'reference' && value.startsWith('Practitioner/') && !known(value.slice('Practitioner/'.length))) unknown.push(where);
      return;
    }
    if (Array.isArray(value)) value.forEach((v, i) => check(v, field, `${where}/${i}`, depth + 1));
    else if (isRecord(value)) for (const [k, v] of Object.entries(value)) check(v, k, `${where}/${k}`, depth + 1);
  };
  for (const d of diffNodes(change.before, change.after)) {
    if (!d.after) continue;
    const path = d.path;
    check(plain(d.after), path[path.length - 1] ?? '', locate(change.root, change.key, path), 0);
  }
  if (!unknown.length) return {};
  return { violations: [{ rule: 'provenance.unknown-user', action: 'refuse', at: unknown[0], message: "A user id in the record must be a staff account of the record's clinic" }] };
}

export function provenanceRule(input: RuleInput): RuleOutput {
  const { change, author } = input;
  if (isReplica(author)) return replicaProvenance(input);
  if (author.kind !== 'user') return {};
  const violations: Violation[] = [];
  const corrections: Correction[] = [];
  const nowMs = Date.parse(input.now);

  const checkField = (path: string[], before: PolicyNode | undefined, value: unknown) => {
    const field = path[path.length - 1] ?? '';
    const where = locate(change.root, change.key, path);
    const ctx: Ctx = { userId: author.userId, name: author.name, nowMs, now: input.now, old: new Set(), ids: [], fixes: 0 };
    collectObjects(plain(before), ctx.old);
    let fixed: unknown = value;
    let timeOnly = false;
    const kind = kindOf(field);
    if (kind === 'id' && typeof value === 'string') {
      if (value !== author.userId) ctx.ids.push(where);
    } else if (kind === 'name' && typeof value === 'string') {
      if (value !== author.name) [fixed, ctx.fixes] = [author.name, 1];
    } else if (kind === 'time' && typeof value === 'string') {
      if (badTime(value, nowMs)) [fixed, ctx.fixes, timeOnly] = [input.now, 1, true];
    } else if (field === 'performer' && Array.isArray(value)) {
      // FHIR Observation.performer: who did a test on the spot names the author (vitals name no reference).
      value.forEach((p, i) => {
        if (isRecord(p) && typeof p.reference === 'string' && p.reference !== `Practitioner/${author.userId}` && !ctx.old.has(canonical(p))) ctx.ids.push(`${where}/${i}`);
      });
    } else if (field === 'requester') {
      // Wrapped so the requester check below applies; it names the place as `<parent>/requester`.
      fixed = (checkValue({ requester: value }, ctx, locate(change.root, change.key, path.slice(0, -1))) as Record<string, unknown>).requester;
    } else {
      fixed = checkValue(value, ctx, where);
    }
    if (ctx.ids.length) {
      violations.push({ rule: 'provenance.forged-id', action: 'refuse', at: ctx.ids[0], message: 'A user id in the record must be the signed-in user' });
    } else if (ctx.fixes > 0) {
      violations.push(
        timeOnly
          ? { rule: 'provenance.time', action: 'correct', at: where, message: 'A recorded time is a real time, not in the future' }
          : { rule: 'provenance.forged-name', action: 'correct', at: where, message: 'Provenance names the signed-in user' }
      );
      corrections.push({ root: change.root, key: change.key, path, value: fixed });
    }
  };

  // Maps created by this update are walked field by field; maps that existed were already compared key by key.
  const visit = (path: string[], before: PolicyNode | undefined, after: PolicyNode) => {
    if (after.t === 'map') {
      for (const [k, f] of Object.entries(after.fields)) visit([...path, k], undefined, f);
    } else if (after.t === 'value') {
      checkField(path, before, after.v);
    }
  };
  const diffs = diffNodes(change.before, change.after);
  for (const d of diffs) if (d.after) visit(d.path, d.before, d.after);
  // An existing entry whose own fields changed names its author as its last editor.
  const stamped = change.before && change.after && change.after.t === 'map' && typeof valueOf(change.after, 'updatedBy') === 'string';
  const contentChanged = diffs.some((d) => d.path.length === 1 && kindOf(d.path[0]) === null && !TRANSPORT_FIELDS.has(d.path[0]) && (!d.after || d.after.t === 'value'));
  if (stamped && contentChanged && valueOf(change.after, 'updatedBy') !== author.name && !corrections.some((c) => c.path.length === 1 && c.path[0] === 'updatedBy')) {
    violations.push({ rule: 'provenance.stamp', action: 'correct', at: locate(change.root, change.key, ['updatedBy']), message: 'An entry names who changed it last' });
    corrections.push({ root: change.root, key: change.key, path: ['updatedBy'], value: author.name }, { root: change.root, key: change.key, path: ['updatedAt'], value: input.now });
  }
  return { violations, corrections };
}
