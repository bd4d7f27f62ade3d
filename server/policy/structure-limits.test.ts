import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { desk, doctor, entryMap, entryOf, liveDoc, nurse, seed, write, ymap, ytext } from './test-factories';

/**
 * The rules every entry obeys (structure.ts, node-values.ts): entry keys,
 * shapes, storable values and each size limit at its boundary (at the limit
 * admitted, one over refused), nothing deleted or replaced, immutable
 * fields, entered in error for good. `careTeam` is used where an entry type
 * with no rules of its own is wanted.
 */

const EARLIER = '2026-12-04T09:00:00.000Z';
const messages = (o: ReturnType<typeof write>) => o.verdict!.violations.map((v) => v.message);

/** A new careTeam entry `c1` holding `fields` (written by the given function so shared types can be nested). */
const newEntry = (fill: (e: Y.Map<unknown>) => void, key = 'c1') => (doc: Y.Doc) => {
  const e = new Y.Map<unknown>();
  doc.getMap('careTeam').set(key, e);
  e.set('id', key);
  fill(e);
};

function member(fields: Record<string, unknown> = {}) {
  const live = liveDoc();
  seed(live, (doc) => doc.getMap('careTeam').set('c1', ymap({ id: 'c1', resourceType: 'CareTeamMember', name: 'Dr Amani', role: 'clinician', since: EARLIER, ...fields })));
  return live;
}

const nest = (n: number): unknown => (n === 0 ? 1 : [nest(n - 1)]);

describe('entry keys', () => {
  it.each([
    ['one character', 'a'],
    ['128 characters', 'a' + 'b'.repeat(127)],
    ['an imported id', 'Obs-1.2:x_y']
  ])('admits %s', (_what, key) => {
    expect(write(liveDoc(), nurse, newEntry(() => {}, key)).violations).toEqual([]);
  });

  it.each([
    ['129 characters', 'a' + 'b'.repeat(128), 'careTeam/a' + 'b'.repeat(79)],
    ['a leading dash', '-a', 'careTeam/-a'],
    ['a leading dot', '.a', 'careTeam/.a'],
    ['a slash', 'a/b', 'careTeam/a?b'],
    ['a space', 'a b', 'careTeam/a?b'],
    ['nothing', '', 'careTeam/']
  ])('refuses %s, and judges nothing else of the entry', (_what, key, at) => {
    const o = write(liveDoc(), nurse, (doc) => doc.getMap('careTeam').set(key, 10n));
    expect(o.kind).toBe('refused');
    expect(o.violations).toEqual([`refuse:structure.entry-key@${at}`]);
    expect(messages(o)).toEqual(['An entry key is not an id']);
  });
});

describe('shapes of roots and entries', () => {
  it('a collection entry must be a map; a settings value must be a plain value', () => {
    const o = write(liveDoc(), nurse, (doc) => doc.getMap('careTeam').set('c1', 'x'));
    expect(o.violations).toEqual(['refuse:structure.shape@careTeam/c1']);
    expect(messages(o)).toEqual(['An entry must be a map of fields']);
    const s = write(liveDoc('schedule'), desk, (doc) => doc.getMap('providers').set('p1', ymap({ id: 'p1', name: 'Dr Amani', active: true })));
    expect(s.violations).toEqual(['refuse:structure.shape@providers/p1']);
    expect(messages(s)[0]).toBe('This list holds plain values only');
    // Positive control: the same provider as a plain value.
    expect(write(liveDoc('schedule'), desk, (doc) => doc.getMap('providers').set('p1', { id: 'p1', name: 'Dr Amani', active: true })).violations).toEqual([]);
  });

  it('a root the document does not hold is refused once, whatever its entries hold', () => {
    const o = write(liveDoc(), nurse, (doc) => {
      doc.getMap('evil').set('-', 10n);
      doc.getMap('evil').set('x', 'y');
    });
    expect(o.violations).toEqual(['refuse:structure.root@evil']);
    expect(messages(o)).toEqual(['This document holds no such list']);
    expect(write(liveDoc('patient'), desk, (doc) => doc.getMap('careTeam').set('c1', ymap({ id: 'c1' }))).violations).toEqual(['refuse:structure.root@careTeam']);
    expect(write(liveDoc('schedule'), desk, (doc) => doc.getMap('allergies').set('a1', ymap({ id: 'a1' }))).violations).toEqual(['refuse:structure.root@allergies']);
  });

  it('list items in a root map are refused', () => {
    const live = liveDoc();
    const o = write(live, nurse, (doc) => (doc.getArray('careTeam') as Y.Array<unknown>).push(['x']));
    expect(o.violations).toEqual(['refuse:structure.shape@careTeam']);
    expect(messages(o)).toEqual(['Entries are kept by id, not as a list']);
  });
});

describe('storable values and their limits', () => {
  it.each([
    ['a string of 20 000 characters', (e: Y.Map<unknown>) => e.set('x', 's'.repeat(20_000))],
    ['a list of 2 000 items', (e: Y.Map<unknown>) => e.set('x', Array.from({ length: 2000 }, () => 1))],
    ['an object of 2 000 fields', (e: Y.Map<unknown>) => e.set('x', Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, true])))],
    ['a field name of 200 characters in a value', (e: Y.Map<unknown>) => e.set('x', { ['k'.repeat(200)]: null })],
    ['a value nested 12 deep', (e: Y.Map<unknown>) => e.set('x', nest(12))],
    ['a text of 200 000 characters', (e: Y.Map<unknown>) => e.set('x', ytext('t'.repeat(200_000)))],
    ['a nested map of 2 000 fields', (e: Y.Map<unknown>) => e.set('x', ymap(Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, 1]))))],
    ['a field name of 200 characters in the entry', (e: Y.Map<unknown>) => e.set('k'.repeat(200), 1)],
    ['maps nested 7 deep', (e: Y.Map<unknown>) => {
      let m = e;
      for (let i = 0; i < 7; i++) m.set('x', (m = new Y.Map()));
    }]
  ])('admits %s', (_what, fill) => {
    const o = write(liveDoc(), nurse, newEntry(fill));
    expect(o.violations).toEqual([]);
    expect(o.kind).toBe('accepted');
  });

  it.each([
    ['a string of 20 001 characters', (e: Y.Map<unknown>) => e.set('x', 's'.repeat(20_001)), 'a text value is too long'],
    ['a list of 2 001 items', (e: Y.Map<unknown>) => e.set('x', Array.from({ length: 2001 }, () => 1)), 'a list is too long'],
    ['an object of 2 001 fields', (e: Y.Map<unknown>) => e.set('x', Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`k${i}`, true]))), 'an object has too many fields'],
    ['a field name of 201 characters in a value', (e: Y.Map<unknown>) => e.set('x', { ['k'.repeat(201)]: null }), 'a field name is too long'],
    ['a value nested 13 deep', (e: Y.Map<unknown>) => e.set('x', nest(13)), 'nested too deeply'],
    ['an infinite number', (e: Y.Map<unknown>) => e.set('x', Infinity), 'a number is not finite'],
    ['not a number', (e: Y.Map<unknown>) => e.set('x', [NaN]), 'a number is not finite'],
    ['an undefined value', (e: Y.Map<unknown>) => e.set('x', { a: undefined }), 'an undefined value'],
    ['a bigint in a list', (e: Y.Map<unknown>) => e.set('x', [1, 2n]), 'a bigint value'],
    ['binary data in a value', (e: Y.Map<unknown>) => e.set('x', { b: new Uint8Array([1]) }), 'binary data'],
    ['binary data as a field', (e: Y.Map<unknown>) => e.set('x', new Uint8Array([1])), 'unsupported content (binary)'],
    ['a text of 200 001 characters', (e: Y.Map<unknown>) => e.set('x', ytext('t'.repeat(200_001))), 'a text is too long'],
    ['an embed in a text', (e: Y.Map<unknown>) => {
      const t = new Y.Text();
      e.set('x', t);
      t.insertEmbed(0, { image: 'x' });
    }, 'a text holds embedded objects or formatting'],
    ['formatting in a text', (e: Y.Map<unknown>) => {
      const t = new Y.Text();
      e.set('x', t);
      t.insert(0, 'bold', { bold: true });
    }, 'a text holds embedded objects or formatting'],
    ['a keyed attribute on a text', (e: Y.Map<unknown>) => {
      const t = new Y.Text();
      e.set('x', t);
      t.insert(0, 'x');
      t.setAttribute('a', 1);
    }, 'a text holds keyed attributes'],
    ['a nested map of 2 001 fields', (e: Y.Map<unknown>) => e.set('x', ymap(Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`k${i}`, 1])))), 'a map has too many fields'],
    ['a field name of 201 characters in the entry', (e: Y.Map<unknown>) => e.set('k'.repeat(201), 1), 'a field name is too long'],
    ['a shared list', (e: Y.Map<unknown>) => e.set('x', new Y.Array()), 'a shared list (the record holds none)'],
    ['an XML fragment', (e: Y.Map<unknown>) => e.set('x', new Y.XmlFragment()), 'unsupported content (xml)'],
    ['an XML element', (e: Y.Map<unknown>) => e.set('x', new Y.XmlElement('p')), 'unsupported content (xml)'],
    ['a subdocument', (e: Y.Map<unknown>) => e.set('x', new Y.Doc()), 'unsupported content (subdocument)'],
    ['maps nested 8 deep', (e: Y.Map<unknown>) => {
      let m = e;
      for (let i = 0; i < 8; i++) m.set('x', (m = new Y.Map()));
    }, 'unsupported content (too-deep)']
  ])('refuses %s', (_what, fill, problem) => {
    const o = write(liveDoc(), nurse, newEntry(fill));
    expect(o.kind).toBe('refused');
    expect(o.verdict!.violations.filter((v) => v.rule.startsWith('structure.'))).toEqual([{ rule: 'structure.value', action: 'refuse', at: 'careTeam/c1', message: `Not storable: ${problem}` }]);
  });

  it('a change to an existing entry is located at the changed field, and only the first problem is reported', () => {
    const live = member();
    const o = write(live, nurse, (doc) => {
      const e = entryMap(doc, 'careTeam', 'c1');
      e.set('a', 1n);
      e.set('b', 2n);
    });
    expect(o.violations).toEqual(['refuse:structure.value@careTeam/c1/a']);
    // A value that was there is not judged again: an older, oversized value does not block a new edit.
    const old = member({ legacy: 's'.repeat(20_001) });
    expect(write(old, nurse, (doc) => entryMap(doc, 'careTeam', 'c1').set('role', 'nurse')).violations).toEqual([]);
  });

  it('an entry of exactly 1 000 000 characters is admitted; one more is refused', () => {
    // id 'c1' (2) + 4 texts of 200 000 + a text of 199 998.
    const fill = (last: number) => (e: Y.Map<unknown>) => {
      for (let i = 0; i < 4; i++) e.set(`t${i}`, ytext('t'.repeat(200_000)));
      e.set('t4', ytext('t'.repeat(last)));
    };
    expect(write(liveDoc(), nurse, newEntry(fill(199_998))).violations).toEqual([]);
    const o = write(liveDoc(), nurse, newEntry(fill(199_999)));
    expect(o.violations).toEqual(['refuse:structure.entry-size@careTeam/c1']);
    expect(messages(o)).toEqual(['The entry is too large']);
  });

  it('an entry both too large and holding a value it may not: reported once, as the value', () => {
    const o = write(liveDoc(), nurse, newEntry((e) => {
      for (let i = 0; i < 6; i++) e.set(`t${i}`, ytext('t'.repeat(200_000)));
      e.set('b', 1n);
    }));
    expect(o.violations).toEqual(['refuse:structure.value@careTeam/c1']);
  });

  it('the entry size counts numbers as 8, booleans as 4, and field names of values', () => {
    // 2 (id) + 199 999 × 5 = 999 997; + 'n' key (1) ... values count their keys, entries do not.
    const base = (e: Y.Map<unknown>) => {
      for (let i = 0; i < 5; i++) e.set(`t${i}`, ytext('t'.repeat(199_999)));
    };
    const cases: [string, (e: Y.Map<unknown>) => void, boolean][] = [
      ['a number (999 997 + 8 > 1 000 000)', (e) => e.set('n', 1), true],
      ['a boolean (999 997 + 4 > 1 000 000)', (e) => e.set('b', true), true],
      ['null (counts nothing)', (e) => e.set('z', null), false],
      ['a string of 3', (e) => e.set('s', 'abc'), false],
      ['a string of 4', (e) => e.set('s', 'abcd'), true],
      ['an object {ab: ""} (its key counts 2)', (e) => e.set('o', { ab: '' }), false],
      ['an object {abcd: ""} (its key counts 4)', (e) => e.set('o', { abcd: '' }), true]
    ];
    const got = cases.map(([what, fill]) => [what, write(liveDoc(), nurse, newEntry((e) => (base(e), fill(e)))).violations.includes('refuse:structure.entry-size@careTeam/c1')]);
    expect(got).toEqual(cases.map(([what, , big]) => [what, big]));
  });
});

describe('nothing recorded disappears', () => {
  it('an entry replaced by a plain value: the wrong shape and a replacement', () => {
    const o = write(member(), nurse, (doc) => doc.getMap('careTeam').set('c1', 'x'));
    expect(o.violations).toEqual(['refuse:structure.shape@careTeam/c1', 'refuse:record.no-replace@careTeam/c1']);
    const del = write(member(), nurse, (doc) => doc.getMap('careTeam').delete('c1'));
    expect(del.violations).toEqual(['refuse:record.no-delete@careTeam/c1']);
    expect(messages(del)).toEqual(['Recorded entries are never deleted; mark them entered in error']);
  });

  it('an entry replaced by another map', () => {
    const o = write(member(), nurse, (doc) => doc.getMap('careTeam').set('c1', ymap({ id: 'c1', resourceType: 'CareTeamMember', name: 'Dr Amani', role: 'clinician', since: EARLIER })));
    expect(o.violations).toEqual(['refuse:record.no-replace@careTeam/c1']);
    expect(messages(o)).toEqual(['A recorded entry cannot be replaced by another']);
  });

  it.each([
    ['a nested map removed', (e: Y.Map<unknown>) => e.delete('nested')],
    ['a nested map replaced by another', (e: Y.Map<unknown>) => e.set('nested', ymap({ k: 1 }))],
    ['a nested map replaced by a value', (e: Y.Map<unknown>) => e.set('nested', { k: 1 })],
    ['a text replaced by another', (e: Y.Map<unknown>) => e.set('text', ytext('x'))],
    ['a text replaced by a map', (e: Y.Map<unknown>) => e.set('text', new Y.Map())],
    ['a text removed', (e: Y.Map<unknown>) => e.delete('text')],
    ['a shared list (written by the server) replaced by a value', (e: Y.Map<unknown>) => e.set('list', ['x'])]
  ])('%s: refused', (what, change) => {
    const live = member({ nested: ymap({ k: 1 }), text: ytext('x'), list: Y.Array.from(['x']) });
    const o = write(live, nurse, (doc) => change(entryMap(doc, 'careTeam', 'c1')));
    const field = what.includes('list') ? 'list' : what.includes('text') ? 'text' : 'nested';
    expect(o.verdict!.violations.filter((v) => v.rule.startsWith('record.'))).toEqual([{ rule: 'record.no-replace', action: 'refuse', at: `careTeam/c1/${field}`, message: 'A recorded part of an entry cannot be removed or replaced' }]);
  });

  it('a field removed is refused; a nested value removed too; a value changed is not', () => {
    const live = member({ nested: ymap({ k: 1 }) });
    const del = write(live, nurse, (doc) => entryMap(doc, 'careTeam', 'c1').delete('role'));
    expect(del.violations).toEqual(['refuse:record.no-field-delete@careTeam/c1/role']);
    expect(messages(del)).toEqual(['A recorded field is never removed']);
    expect(write(live, nurse, (doc) => (entryMap(doc, 'careTeam', 'c1').get('nested') as Y.Map<unknown>).delete('k')).violations).toEqual(['refuse:record.no-field-delete@careTeam/c1/nested/k']);
    expect(write(live, nurse, (doc) => (entryMap(doc, 'careTeam', 'c1').get('nested') as Y.Map<unknown>).set('k', 2)).violations).toEqual([]);
    expect(entryOf(live, 'careTeam', 'c1')).toMatchObject({ role: 'clinician', nested: { k: 2 } });
  });

  it('a pharmacy send’s transient fields may be cleared, at the top level only', () => {
    const live = liveDoc();
    seed(live, (doc) => doc.getMap('pharmacySends').set('s1', ymap({ id: 's1', state: 'failed', lastError: 'timeout', nextAttemptAt: EARLIER, permanent: false, pharmacyReference: 'r', deliveredAt: EARLIER, cancelReason: 'x', pharmacyId: 'riverside', extra: ymap({ lastError: 'x' }) })));
    const clear = write(live, nurse, (doc) => {
      const e = entryMap(doc, 'pharmacySends', 's1');
      for (const f of ['lastError', 'nextAttemptAt', 'permanent', 'pharmacyReference', 'deliveredAt', 'cancelReason']) e.delete(f);
    });
    expect(clear.violations).toEqual([]);
    const o = write(live, nurse, (doc) => (entryMap(doc, 'pharmacySends', 's1').get('extra') as Y.Map<unknown>).delete('lastError'));
    expect(o.violations).toEqual(['refuse:record.no-field-delete@pharmacySends/s1/extra/lastError']);
    expect(write(live, nurse, (doc) => entryMap(doc, 'pharmacySends', 's1').delete('state')).violations).toEqual(['refuse:record.no-field-delete@pharmacySends/s1/state']);
    // A field inside a map kept under a transient name is not transient itself.
    const nested = liveDoc();
    seed(nested, (doc) => doc.getMap('pharmacySends').set('s1', ymap({ id: 's1', lastError: ymap({ code: 'x' }) })));
    expect(write(nested, nurse, (doc) => (entryMap(doc, 'pharmacySends', 's1').get('lastError') as Y.Map<unknown>).delete('code')).violations).toEqual(['refuse:record.no-field-delete@pharmacySends/s1/lastError/code']);
  });
});

describe('immutable fields', () => {
  it.each([
    ['id', 'c2'],
    ['resourceType', 'Practitioner']
  ])('%s never changes', (field, value) => {
    const o = write(member(), nurse, (doc) => entryMap(doc, 'careTeam', 'c1').set(field, value));
    expect(o.violations).toEqual([`refuse:record.immutable@careTeam/c1/${field}`]);
    expect(messages(o)).toEqual([`The field ${field} never changes once recorded`]);
  });

  it('a table’s own immutable fields never change; others do', () => {
    const live = liveDoc();
    seed(live, (doc) => doc.getMap('allergyStatements').set('s1', ymap({ id: 's1', recordedAt: EARLIER, recordedBy: 'Nurse Njeri', recordedById: 'u-nurse' })));
    expect(write(live, nurse, (doc) => entryMap(doc, 'allergyStatements', 's1').set('recordedAt', '2026-12-04T09:30:00.000Z')).violations).toEqual(['refuse:record.immutable@allergyStatements/s1/recordedAt']);
    expect(write(live, nurse, (doc) => entryMap(doc, 'allergyStatements', 's1').set('endedReason', 'x')).violations).toEqual([]);
  });

  it('an immutable field removed is refused as both', () => {
    expect(write(member(), nurse, (doc) => entryMap(doc, 'careTeam', 'c1').delete('resourceType')).violations).toEqual(['refuse:record.no-field-delete@careTeam/c1/resourceType', 'refuse:record.immutable@careTeam/c1/resourceType']);
  });

  it('a new entry’s id is its key; an entry without an id may gain its own', () => {
    const o = write(liveDoc(), nurse, (doc) => doc.getMap('careTeam').set('c1', ymap({ id: 'c2' })));
    expect(o.violations).toEqual(['refuse:record.immutable@careTeam/c1/id']);
    expect(messages(o)).toEqual(['An entry id must be its key']);
    expect(write(liveDoc(), nurse, (doc) => doc.getMap('careTeam').set('c1', ymap({ name: 'x' }))).violations).toEqual([]);
    const live = liveDoc();
    seed(live, (doc) => doc.getMap('careTeam').set('c1', ymap({ name: 'x' })));
    expect(write(live, nurse, (doc) => entryMap(doc, 'careTeam', 'c1').set('id', 'c9')).violations).toEqual(['refuse:record.immutable@careTeam/c1/id']);
    expect(write(live, nurse, (doc) => entryMap(doc, 'careTeam', 'c1').set('id', 'c1')).violations).toEqual([]);
  });

  it('a record root may carry any id (it has no key)', () => {
    const live = liveDoc('patient');
    expect(write(live, desk, (doc) => doc.getMap('meta').set('id', 'x')).violations).toEqual([]);
  });
});

describe('entered in error is final', () => {
  it.each([
    ['status', { status: 'entered-in-error' }],
    ['verificationStatus', { verificationStatus: 'entered-in-error' }]
  ])('%s revived is put back', (field, fields) => {
    const live = member(fields);
    const o = write(live, doctor, (doc) => entryMap(doc, 'careTeam', 'c1').set(field, 'active'));
    expect(o.violations).toEqual([`correct:record.entered-in-error-final@careTeam/c1/${field}`]);
    expect(messages(o)).toEqual(['An entry marked entered in error stays so']);
    expect(o.verdict!.corrections).toEqual([{ root: 'careTeam', key: 'c1', path: [field], value: 'entered-in-error' }]);
    expect((entryOf(live, 'careTeam', 'c1') as Record<string, unknown>)[field]).toBe('entered-in-error');
  });

  it('both revived at once: both put back; left alone: nothing', () => {
    const live = member({ status: 'entered-in-error', verificationStatus: 'entered-in-error' });
    const o = write(live, doctor, (doc) => {
      entryMap(doc, 'careTeam', 'c1').set('status', 'active');
      entryMap(doc, 'careTeam', 'c1').set('verificationStatus', 'confirmed');
    });
    expect(o.violations).toEqual(['correct:record.entered-in-error-final@careTeam/c1/status', 'correct:record.entered-in-error-final@careTeam/c1/verificationStatus']);
    expect(entryOf(live, 'careTeam', 'c1')).toMatchObject({ status: 'entered-in-error', verificationStatus: 'entered-in-error' });
    expect(write(live, doctor, (doc) => entryMap(doc, 'careTeam', 'c1').set('role', 'nurse')).violations).toEqual([]);
    expect(write(liveDoc(), doctor, (doc) => doc.getMap('careTeam').set('c1', ymap({ id: 'c1', status: 'active' }))).violations).toEqual([]);
  });
});
