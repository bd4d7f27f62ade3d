import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyCorrections } from './corrections';
import { canonical, diffNodes, isRecord, locate, sameValue, stringOf, valueOf, valueProblem } from './node-values';
import { CORRECTION_ORIGIN, PolicyGate } from './policy-gate';
import { desk, entryMap, gate, liveDoc, nurse, seed, seeder, write, ymap } from './test-factories';
import { plain } from './yjs-view';

/**
 * The gate's bookkeeping (shadow, unapplied rows, trusted writers, updates
 * it cannot read), how the policy reads a Yjs transaction, corrections
 * written back, and the value helpers every rule leans on.
 */

/** An update made on a copy of `doc`, without sending it. */
function updateOn(doc: Y.Doc, change: (d: Y.Doc) => void): { device: Y.Doc; update: Uint8Array } {
  const device = new Y.Doc();
  Y.applyUpdate(device, Y.encodeStateAsUpdate(doc));
  const sv = Y.encodeStateVector(device);
  change(device);
  return { device, update: Y.encodeStateAsUpdate(device, sv) };
}

describe('the gate', () => {
  it('lets trusted server writers through unjudged, keeping the shadow in step', () => {
    const live = liveDoc();
    // A judged write first, so a shadow exists.
    expect(write(live, nurse, (doc) => doc.getMap('careTeam').set('c1', ymap({ id: 'c1' }))).kind).toBe('accepted');
    gate.stateVector(live); // builds the shadow from the live document
    expect(live.shadow).not.toBeNull();
    const { update } = updateOn(live.doc, (doc) => doc.getMap('careTeam').delete('c1'));
    const r = gate.admit(live, update, seeder);
    expect(r).toEqual({ kind: 'accepted', verdict: { violations: [], corrections: [], notes: [] }, correction: null });
    expect(live.unapplied).toEqual([update]);
    expect(live.shadow!.getMap('careTeam').has('c1')).toBe(false);
    // Bytes the shadow cannot read drop the shadow; they are still queued (a trusted writer's business).
    const garbage = new Uint8Array([255, 255, 255, 1, 2]);
    expect(gate.admit(live, garbage, seeder).kind).toBe('accepted');
    expect(live.shadow).toBeNull();
    expect(live.unapplied).toEqual([update, garbage]);
  });

  it('a trusted write with no shadow leaves none', () => {
    const live = liveDoc();
    const { update } = updateOn(live.doc, (doc) => doc.getMap('careTeam').set('c1', 1n));
    expect(gate.admit(live, update, seeder).kind).toBe('accepted');
    expect(live.shadow).toBeNull();
  });

  it('refuses bytes it cannot read, as a checker error, and drops the shadow', () => {
    const live = liveDoc();
    const r = gate.admit(live, new Uint8Array([255, 255, 255, 1, 2]), nurse);
    expect(r).toEqual({ kind: 'refused', verdict: { violations: [{ rule: 'policy.checker-error', action: 'refuse', at: 'chart', message: 'The update could not be checked; it is refused' }], corrections: [], notes: [] } });
    expect(live.shadow).toBeNull();
    expect(live.unapplied).toEqual([]);
    const sched = liveDoc('schedule');
    const s = gate.admit(sched, new Uint8Array([255, 255, 255, 1, 2]), desk);
    expect(s.kind === 'refused' && s.verdict.violations[0].at).toBe('schedule');
  });

  it('an update that only deletes what the server never saw is incomplete', () => {
    const live = liveDoc();
    const device = new Y.Doc();
    device.getMap('careTeam').set('c1', ymap({ id: 'c1' }));
    const sv = Y.encodeStateVector(device);
    device.getMap('careTeam').delete('c1');
    const r = gate.admit(live, Y.encodeStateAsUpdate(device, sv), nurse);
    expect(r).toEqual({ kind: 'incomplete' });
    expect(live.shadow).toBeNull();
  });

  it('queues admitted rows, and rebuilds a dropped shadow from the document and those rows', () => {
    const live = liveDoc();
    const first = updateOn(live.doc, (doc) => doc.getMap('careTeam').set('c1', ymap({ id: 'c1', role: 'x' })));
    expect(gate.admit(live, first.update, nurse).kind).toBe('accepted');
    expect(live.unapplied).toEqual([first.update]);
    // The state vector is the shadow's: it holds the admitted row.
    expect(Y.decodeStateVector(gate.stateVector(live))).toEqual(Y.decodeStateVector(Y.encodeStateVector(first.device)));
    gate.invalidate(live);
    expect(live.shadow).toBeNull();
    expect(Y.decodeStateVector(gate.stateVector(live))).toEqual(Y.decodeStateVector(Y.encodeStateVector(first.device)));
    gate.invalidate(live);
    // A second write that builds on the first: judged against the rebuilt shadow, so it is complete, and deleting the role is refused.
    const sv = Y.encodeStateVector(first.device);
    entryMap(first.device, 'careTeam', 'c1').delete('role');
    const r = gate.admit(live, Y.encodeStateAsUpdate(first.device, sv), nurse);
    expect(r.kind === 'refused' && r.verdict.violations.map((v) => v.rule)).toEqual(['record.no-field-delete']);
  });

  it('without a shadow or queued rows, the state vector is the live document’s', () => {
    const live = liveDoc();
    seed(live, (doc) => doc.getMap('careTeam').set('c1', ymap({ id: 'c1' })));
    expect(gate.stateVector(live)).toEqual(Y.encodeStateVector(live.doc));
    expect(live.shadow).toBeNull();
  });

  it('applied rows leave the queue from the front; dropped rows leave it wherever they are, with the shadow', () => {
    const live = liveDoc();
    const rows = [new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3])];
    live.unapplied.push(...rows);
    gate.applied(live, 1);
    expect(live.unapplied).toEqual([rows[1], rows[2]]);
    live.unapplied.splice(0);
    live.unapplied.push(...rows);
    live.shadow = new Y.Doc();
    gate.dropUnapplied(live, [rows[0], new Uint8Array([9])]);
    expect(live.unapplied).toEqual([rows[1], rows[2]]);
    gate.dropUnapplied(live, [rows[2]]);
    expect(live.unapplied).toEqual([rows[1]]);
    expect(live.shadow).toBeNull();
  });

  it('writes a correction as its own update, under a client id no device used, queued after the write', () => {
    const live = liveDoc();
    seed(live, (doc) => doc.getMap('careTeam').set('c1', ymap({ id: 'c1', status: 'entered-in-error', verificationStatus: 'entered-in-error' })));
    const { update } = updateOn(live.doc, (doc) => {
      entryMap(doc, 'careTeam', 'c1').set('status', 'active');
      entryMap(doc, 'careTeam', 'c1').set('verificationStatus', 'active');
    });
    const r = new PolicyGate(() => new Date('2026-12-04T10:00:00.000Z')).admit(live, update, nurse);
    expect(r.kind).toBe('accepted');
    if (r.kind !== 'accepted') return;
    expect(live.unapplied).toEqual([update, r.correction]);
    // Both corrections in one update.
    const check = new Y.Doc();
    Y.applyUpdate(check, Y.encodeStateAsUpdate(live.doc));
    Y.applyUpdate(check, update);
    Y.applyUpdate(check, r.correction!);
    expect(entryMap(check, 'careTeam', 'c1').toJSON()).toEqual({ id: 'c1', status: 'entered-in-error', verificationStatus: 'entered-in-error' });
    const clients = [...Y.decodeStateVector(r.correction!.length ? Y.encodeStateVectorFromUpdate(r.correction!) : new Uint8Array()).keys()];
    expect(clients).toHaveLength(1);
    expect([...Y.decodeStateVector(Y.encodeStateVectorFromUpdate(update)).keys()]).not.toContain(clients[0]);
  });
});

describe('how a transaction is read', () => {
  it('list items in a record root, or under a list item of a collection, are refused as the wrong shape', () => {
    // A record root holding list items is also not storable (a map with list items).
    const p = write(liveDoc('patient'), desk, (doc) => doc.getArray('patient').push(['x']));
    expect(p.verdict!.violations).toEqual([
      { rule: 'structure.shape', action: 'refuse', at: 'patient', message: 'Entries are kept by id, not as a list' },
      { rule: 'structure.value', action: 'refuse', at: 'patient/?list?', message: 'Not storable: a map holds list items' }
    ]);
    expect(write(liveDoc(), nurse, (doc) => doc.getArray('meta').push(['x'])).violations).toEqual(['refuse:structure.shape@meta', 'refuse:structure.value@meta/?list?']);
    const live = liveDoc();
    seed(live, (doc) => doc.getArray('careTeam').push([ymap({ a: 1 })]));
    const o = write(live, nurse, (doc) => ((doc.getArray('careTeam') as Y.Array<Y.Map<unknown>>).get(0)).set('a', 2));
    expect(o.violations).toEqual(['refuse:structure.shape@careTeam']);
    // A list pushed to a root the document does not hold: only the unknown root.
    expect(write(liveDoc(), nurse, (doc) => doc.getArray('evil').push(['x'])).violations).toEqual(['refuse:structure.root@evil']);
  });

  it('a shared list’s items are read as values (so a typed field sees them)', () => {
    const arr = (items: unknown[]) => (doc: Y.Doc) => {
      const e = ymap({ id: 'x1' });
      doc.getMap('observations').set('x1', e);
      const a = new Y.Array<unknown>();
      e.set('basedOn', a);
      a.push(items);
    };
    expect(write(liveDoc(), nurse, arr(['o-1', 'o-2'])).violations).toEqual(['refuse:structure.value@observations/x1']);
    expect(write(liveDoc(), nurse, arr(['o-1', 2])).violations).toEqual(['refuse:structure.value@observations/x1', 'refuse:structure.field-type@observations/x1/basedOn']);
    expect(write(liveDoc(), nurse, arr([new Y.Map()])).violations).toEqual(['refuse:structure.value@observations/x1', 'refuse:structure.field-type@observations/x1/basedOn']);
    // A shared text in the list reads as its text.
    const t = new Y.Text();
    t.insert(0, 'o-1');
    expect(write(liveDoc(), nurse, arr([t])).violations).toEqual(['refuse:structure.value@observations/x1']);
  });

  it('shared texts and maps in a new entry are read as their plain values for the field types', () => {
    const entry = (fields: Record<string, unknown>) => (doc: Y.Doc) => doc.getMap('allergies').set('a1', ymap({ id: 'a1', ...fields }));
    const text = (s: string) => {
      const t = new Y.Text();
      t.insert(0, s);
      return t;
    };
    expect(write(liveDoc(), nurse, entry({ reaction: text('Hives'), code: ymap({ text: 'Penicillin' }) })).violations).toEqual([]);
    expect(write(liveDoc(), nurse, entry({ code: ymap({ coding: [] }) })).violations).toEqual(['refuse:structure.field-type@allergies/a1/code']);
    expect(write(liveDoc(), nurse, entry({ category: text('food') })).violations).toEqual([]);
    expect(write(liveDoc(), nurse, entry({ category: text('drink') })).violations).toEqual(['refuse:structure.field-type@allergies/a1/category']);
  });

  it('a field named __proto__ is judged like any other, and refused', () => {
    const o = write(liveDoc(), nurse, (doc) => {
      const m = new Y.Map<unknown>();
      doc.getMap('careTeam').set('c1', m);
      m.set('id', 'c1');
      m.set('__proto__', 'x');
    });
    expect(o.kind).toBe('refused');
    expect(o.verdict!.violations).toEqual([{ rule: 'structure.value', action: 'refuse', at: 'careTeam/c1', message: 'Not storable: a field name that is not allowed' }]);
    const big = write(liveDoc(), nurse, (doc) => {
      const m = new Y.Map<unknown>();
      doc.getMap('careTeam').set('c1', m);
      m.set('id', 'c1');
      m.set('__proto__', ymap({ status: 10n }));
    });
    expect(big.violations).toEqual(['refuse:structure.value@careTeam/c1']);
    // Positive control: the same entry with an ordinary field name.
    expect(write(liveDoc(), nurse, (doc) => doc.getMap('careTeam').set('c1', ymap({ id: 'c1', proto: 'x' }))).violations).toEqual([]);
  });

  it('a deletion and a rewrite in one update are read against the state before it', () => {
    const live = liveDoc();
    seed(live, (doc) => doc.getMap('careTeam').set('c1', ymap({ id: 'c1', role: 'a' })));
    const o = write(live, nurse, (doc) => {
      entryMap(doc, 'careTeam', 'c1').set('role', 'b');
      entryMap(doc, 'careTeam', 'c1').set('role', 'c');
    });
    expect(o.violations).toEqual([]);
    expect(entryMap(live.doc, 'careTeam', 'c1').get('role')).toBe('c');
    const del = write(live, nurse, (doc) => {
      entryMap(doc, 'careTeam', 'c1').set('role', 'd');
      entryMap(doc, 'careTeam', 'c1').delete('role');
    });
    expect(del.violations).toEqual(['refuse:record.no-field-delete@careTeam/c1/role']);
  });
});

describe('corrections written back', () => {
  it('sets and removes fields of entries, of nested maps and of record roots; skips what is gone', () => {
    const doc = new Y.Doc();
    doc.getMap('careTeam').set('c1', ymap({ id: 'c1', a: 1, nested: ymap({ b: 2 }) }));
    doc.getMap('meta').set('v', 1);
    const origins: unknown[] = [];
    doc.on('afterTransaction', (tr: Y.Transaction) => origins.push(tr.origin));
    applyCorrections(
      doc,
      [
        { root: 'careTeam', key: 'c1', path: ['a'], value: undefined },
        { root: 'careTeam', key: 'c1', path: ['absent'], value: undefined },
        { root: 'careTeam', key: 'c1', path: ['nested', 'b'], value: 3 },
        { root: 'careTeam', key: 'c1', path: ['nested', 'c'], value: { d: 4 } },
        { root: 'careTeam', key: 'c1', path: ['a', 'x'], value: 5 },
        { root: 'careTeam', key: 'c1', path: ['id', 'x'], value: 5 },
        { root: 'careTeam', key: 'gone', path: ['a'], value: 5 },
        { root: 'meta', key: null, path: ['v'], value: 2 }
      ],
      CORRECTION_ORIGIN
    );
    expect(doc.getMap('careTeam').toJSON()).toEqual({ c1: { id: 'c1', nested: { b: 3, c: { d: 4 } } } });
    expect(doc.getMap('meta').toJSON()).toEqual({ v: 2 });
    expect(origins).toEqual([CORRECTION_ORIGIN]);
  });
});

describe('value helpers', () => {
  it('canonical: a stable text for any value', () => {
    expect(canonical(undefined)).toBe('u');
    expect(canonical(null)).toBe('null');
    expect(canonical('a"b')).toBe('"a\\"b"');
    expect(canonical(1.5)).toBe('1.5');
    expect(canonical(Infinity)).toBe('"<Infinity>"');
    expect(canonical(NaN)).toBe('"<NaN>"');
    expect(canonical(false)).toBe('false');
    expect(canonical(12n)).toBe('"<bigint 12>"');
    expect(canonical(() => 1)).toBe('"<function>"');
    expect(canonical(Symbol('s'))).toBe('"<symbol>"');
    expect(canonical(new Uint8Array([1, 2, 3]))).toBe('"<bytes AQID>"');
    expect(canonical([1, 'a', [null]])).toBe('[1,"a",[null]]');
    expect(canonical({ b: 1, a: { d: undefined, c: 'x' } })).toBe('{"a":{"c":"x","d":u},"b":1}');
    let deep: unknown = 1;
    for (let i = 0; i < 45; i++) deep = [deep];
    expect(canonical(deep)).toBe('['.repeat(41) + '"<deep>"' + ']'.repeat(41));
    expect(sameValue({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(sameValue('1', 1)).toBe(false);
    expect(sameValue(undefined, null)).toBe(false);
  });

  it('valueProblem: what no crafted update reaches through Yjs', () => {
    expect(valueProblem(() => 1)).toBe('a function value');
    expect(valueProblem(Symbol('s'))).toBe('a symbol value');
    expect(valueProblem(new ArrayBuffer(2))).toBe('binary data');
    expect(valueProblem(new Int16Array(2))).toBe('binary data');
    expect(valueProblem(new Date(0))).toBe('an object that is not plain data');
    expect(valueProblem(Object.create(null))).toBeNull();
    expect(valueProblem({ a: [1, { b: true }] })).toBeNull();
    const size = { chars: 0 };
    expect(valueProblem({ ab: ['xyz', 1, false, null] }, size)).toBeNull();
    expect(size.chars).toBe(2 + 3 + 8 + 4);
  });

  it('diffNodes, valueOf, stringOf, isRecord, locate', () => {
    const a = { t: 'map' as const, id: '1:0', fields: { x: { t: 'value' as const, v: 1 }, s: { t: 'value' as const, v: 's' } }, listItems: 0 };
    const b = { ...a, fields: { ...a.fields, x: { t: 'value' as const, v: 2 } }, listItems: 1 };
    expect(diffNodes(a, b).map((d) => d.path)).toEqual([['x'], ['[list]']]);
    expect(diffNodes(a, { ...a, id: '2:0' }).map((d) => d.path)).toEqual([[]]);
    expect(diffNodes(null, undefined)).toEqual([]);
    const t = { t: 'text' as const, id: '1:1', text: 'a', foreign: 0, keyed: 0 };
    expect(diffNodes(t, { ...t })).toEqual([]);
    expect(diffNodes(t, { ...t, foreign: 1 })).toHaveLength(1);
    expect(diffNodes(t, { ...t, keyed: 1 })).toHaveLength(1);
    expect(diffNodes(t, { ...t, text: 'b' })).toHaveLength(1);
    expect(diffNodes(t, { ...t, id: '2:2' })).toHaveLength(1);
    expect(valueOf(a, 'x')).toBe(1);
    expect(valueOf({ t: 'map', id: '1', fields: { m: a }, listItems: 0 }, 'm')).toBeUndefined();
    expect(valueOf({ t: 'value', v: { x: 1 } }, 'x')).toBeUndefined();
    expect(stringOf(a, 's')).toBe('s');
    expect(stringOf(a, 'x')).toBe('');
    expect(isRecord({})).toBe(true);
    expect([null, [], new Uint8Array(1), 'x'].map(isRecord)).toEqual([false, false, false, false]);
    expect(locate('allergies', 'a 1', ['f/x', 'y'])).toBe('allergies/a?1/f?x/y');
    expect(locate('meta', null)).toBe('meta');
    expect(locate('r', 'k'.repeat(90))).toBe('r/' + 'k'.repeat(80));
    expect(plain({ t: 'other', what: 'xml' })).toBeUndefined();
    expect(plain(null)).toBeUndefined();
  });
});
