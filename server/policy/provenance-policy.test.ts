import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { doctor, entryMap, entryOf, importer, liveDoc, NOW, nurse, seed, write, ymap } from './test-factories';

/**
 * Provenance through the write policy alone: ids must be the author's
 * (refused), names and times are corrected to the author and a real past
 * time, and a changed entry names its last editor. Each correction is read
 * back from the stored entry.
 */

const EARLIER = '2026-12-04T09:00:00.000Z';
const messages = (o: ReturnType<typeof write>) => o.verdict!.violations.map((v) => v.message);

function member(fields: Record<string, unknown> = {}) {
  const live = liveDoc();
  seed(live, (doc) => doc.getMap('careTeam').set('c1', ymap({ id: 'c1', name: 'Dr Amani', role: 'clinician', since: EARLIER, ...fields })));
  return live;
}
const set = (fields: Record<string, unknown>) => (doc: Y.Doc) => {
  const e = entryMap(doc, 'careTeam', 'c1');
  for (const [k, v] of Object.entries(fields)) e.set(k, v);
};
const stored = (live: ReturnType<typeof liveDoc>) => entryOf(live, 'careTeam', 'c1') as Record<string, unknown>;

describe('user ids', () => {
  it.each([['byId'], ['addedById'], ['endedById']])('%s naming another user is refused; the author’s own is kept', (field) => {
    const o = write(member(), nurse, set({ [field]: 'u-doc' }));
    expect(o.kind).toBe('refused');
    expect(o.violations).toEqual([`refuse:provenance.forged-id@careTeam/c1/${field}`]);
    expect(messages(o)).toEqual(['A user id in the record must be the signed-in user']);
    const live = member();
    expect(write(live, nurse, set({ [field]: 'u-nurse' })).violations).toEqual([]);
    expect(stored(live)[field]).toBe('u-nurse');
  });

  it.each([['ById'], ['By'], ['At'], ['byid'], ['BYID']])('a field named only %s is not provenance', (field) => {
    const live = member();
    expect(write(live, nurse, set({ [field]: 'whatever' })).violations).toEqual([]);
    expect(stored(live)[field]).toBe('whatever');
  });

  it('an id that is not text is left to the shape rules', () => {
    expect(write(member(), nurse, set({ addedById: 7 })).violations).toEqual([]);
  });

  it('an id inside a new value: refused at its place; inside an older object: left alone', () => {
    const o = write(member(), nurse, set({ history: [{ byId: 'u-nurse' }, { byId: 'u-doc' }] }));
    expect(o.violations).toEqual(['refuse:provenance.forged-id@careTeam/c1/history/1/byId']);
    const live = member({ history: [{ byId: 'u-doc', by: 'Dr Amani', at: EARLIER }] });
    const ok = write(live, nurse, set({ history: [{ byId: 'u-doc', by: 'Dr Amani', at: EARLIER }, { byId: 'u-nurse', by: 'Nurse Njeri', at: EARLIER }] }));
    expect(ok.violations).toEqual([]);
    expect(stored(live).history).toEqual([{ byId: 'u-doc', by: 'Dr Amani', at: EARLIER }, { byId: 'u-nurse', by: 'Nurse Njeri', at: EARLIER }]);
  });

  it('a new value with lists inside objects and nothing to fix is kept as written, uncorrected', () => {
    const live = member();
    const value = { a: { tags: ['x', 'y'], rows: [[1], [{ by: 'Nurse Njeri' }]] } };
    const o = write(live, nurse, set({ history: value }));
    expect(o.violations).toEqual([]);
    expect(o.verdict!.corrections).toEqual([]);
    expect(stored(live).history).toEqual(value);
  });

  it('objects nested inside an older object are older too, and left alone', () => {
    const old = { log: { first: { by: 'Dr Amani', at: '2030-01-01' } } };
    const live = member({ history: old });
    const o = write(live, nurse, set({ history: { ...old, extra: 1 } }));
    expect(o.violations).toEqual([]);
    expect(stored(live).history).toEqual({ log: { first: { by: 'Dr Amani', at: '2030-01-01' } }, extra: 1 });
  });

  it('ids, names and times inside a new value that are not text, and a requester without a display, are left alone', () => {
    const live = member();
    const value = [{ byId: 7, by: 7, at: 7, requester: { reference: 'Practitioner/u-nurse' } }];
    expect(write(live, nurse, set({ history: value })).violations).toEqual([]);
    expect(stored(live).history).toEqual(value);
  });

  it('a forged id wins over a name to correct in the same field', () => {
    const o = write(member(), nurse, set({ history: [{ byId: 'u-doc', by: 'Dr Amani' }] }));
    expect(o.violations).toEqual(['refuse:provenance.forged-id@careTeam/c1/history/0/byId']);
  });
});

describe('names', () => {
  it.each([['by'], ['addedBy'], ['endedBy']])('%s naming someone else is corrected to the author', (field) => {
    const live = member();
    const o = write(live, nurse, set({ [field]: 'Dr Amani' }));
    expect(o.kind).toBe('accepted');
    expect(o.violations).toEqual([`correct:provenance.forged-name@careTeam/c1/${field}`]);
    expect(messages(o)).toEqual(['Provenance names the signed-in user']);
    expect(o.verdict!.corrections).toEqual([{ root: 'careTeam', key: 'c1', path: [field], value: 'Nurse Njeri' }]);
    expect(stored(live)[field]).toBe('Nurse Njeri');
  });

  it('a name that is the author’s, or not text, is left alone', () => {
    const live = member();
    expect(write(live, nurse, set({ addedBy: 'Nurse Njeri', reviewedBy: 3 })).violations).toEqual([]);
    expect(stored(live)).toMatchObject({ addedBy: 'Nurse Njeri', reviewedBy: 3 });
  });

  it('completedByResult names a result, not a person', () => {
    const live = liveDoc();
    seed(live, (doc) => doc.getMap('orders').set('o1', ymap({ id: 'o1', status: 'active', code: { text: 'CBC' } })));
    const o = write(live, doctor, (doc) => entryMap(doc, 'orders', 'o1').set('completedByResult', 'r-1'));
    expect(o.violations).toEqual([]);
  });

  it('names and times inside a new value are corrected, the rest of the value kept', () => {
    const live = member();
    const o = write(live, nurse, set({ history: [{ by: 'Dr Amani', at: 'soon', note: 'x', nested: { endedBy: 'Dr Amani' } }, 'plain', [1]] }));
    expect(o.violations).toEqual(['correct:provenance.forged-name@careTeam/c1/history']);
    expect(stored(live).history).toEqual([{ by: 'Nurse Njeri', at: NOW, note: 'x', nested: { endedBy: 'Nurse Njeri' } }, 'plain', [1]]);
  });

  it('a requester naming the author under another name is corrected; another requester is refused', () => {
    const live = liveDoc();
    const order = (requester: unknown) => (doc: Y.Doc) => doc.getMap('orders').set('o1', ymap({ id: 'o1', status: 'draft', code: { text: 'CBC' }, requester }));
    const o = write(live, nurse, order({ reference: 'Practitioner/u-nurse', display: 'Dr Amani' }));
    expect(o.violations).toEqual(['correct:provenance.forged-name@orders/o1/requester']);
    expect((entryOf(live, 'orders', 'o1') as Record<string, unknown>).requester).toEqual({ reference: 'Practitioner/u-nurse', display: 'Nurse Njeri' });
    expect(write(liveDoc(), nurse, order({ reference: 'Practitioner/u-doc', display: 'Nurse Njeri' })).violations).toEqual(['refuse:provenance.forged-id@orders/o1/requester']);
    expect(write(liveDoc(), nurse, order({ reference: 'Practitioner/u-nurse', display: 'Nurse Njeri' })).violations).toEqual([]);
    // A requester nested in a value is checked the same way.
    const nested = write(member(), nurse, set({ history: [{ requester: { reference: 'Practitioner/u-doc', display: 'x' } }] }));
    expect(nested.violations).toEqual(['refuse:provenance.forged-id@careTeam/c1/history/0/requester']);
    const nestedName = write(member(), nurse, set({ history: [{ requester: { display: 'x' } }] }));
    expect(nestedName.violations).toEqual(['correct:provenance.forged-name@careTeam/c1/history']);
  });
});

describe('times', () => {
  it.each([
    ['a date', '2026-12-04'],
    ['minutes only', '2026-12-04T09:00'],
    ['an offset', '2026-12-04T11:00:00+02:00'],
    ['nanoseconds', '2026-12-04T09:00:00.123456789Z'],
    ['exactly ten minutes ahead', '2026-12-04T10:10:00.000Z'],
    ['long ago', '1999-01-01T00:00:00Z']
  ])('admits %s', (_what, at) => {
    const live = member();
    expect(write(live, nurse, set({ endedAt: at })).violations).toEqual([]);
    expect(stored(live).endedAt).toBe(at);
  });

  it.each([
    ['ten minutes and a millisecond ahead', '2026-12-04T10:10:00.001Z'],
    ['next year', '2027-12-04T10:00:00.000Z'],
    ['words', 'yesterday'],
    ['a month 13', '2026-13-04'],
    ['a trailing space', '2026-12-04 '],
    ['a leading space', ' 2026-12-04'],
    ['ten fractional digits', '2026-12-04T09:00:00.1234567890Z'],
    ['empty', '']
  ])('corrects %s to the server’s time', (_what, at) => {
    const live = member();
    const o = write(live, nurse, set({ endedAt: at }));
    expect(o.violations).toEqual(['correct:provenance.time@careTeam/c1/endedAt']);
    expect(messages(o)).toEqual(['A recorded time is a real time, not in the future']);
    expect(stored(live).endedAt).toBe(NOW);
  });

  it('the field named `at` is a time too; a time that is not text is left alone', () => {
    const live = member();
    expect(write(live, nurse, set({ at: 'later' })).violations).toEqual(['correct:provenance.time@careTeam/c1/at']);
    expect(write(live, nurse, set({ checkedAt: 5 })).violations).toEqual([]);
  });
});

describe('new entries and nested maps', () => {
  it('a new entry’s fields are each checked, nested maps too', () => {
    const live = liveDoc();
    const o = write(live, nurse, (doc) => doc.getMap('careTeam').set('c1', ymap({ id: 'c1', addedBy: 'Dr Amani', addedAt: 'soon', extra: ymap({ endedBy: 'x' }) })));
    expect(o.violations).toEqual(['correct:provenance.forged-name@careTeam/c1/addedBy', 'correct:provenance.time@careTeam/c1/addedAt', 'correct:provenance.forged-name@careTeam/c1/extra/endedBy']);
    expect(stored(live)).toEqual({ id: 'c1', addedBy: 'Nurse Njeri', addedAt: NOW, extra: { endedBy: 'Nurse Njeri' } });
  });

  it('writes by the server (an import) are not held to provenance', () => {
    const o = write(liveDoc(), importer, (doc) => doc.getMap('careTeam').set('c1', ymap({ id: 'c1', addedBy: 'Dr Amani', addedById: 'u-doc', addedAt: 'soon' })));
    expect(o.violations).toEqual([]);
  });
});

describe('the last editor', () => {
  it('a change to an entry that names another last editor is stamped with the author', () => {
    const live = member({ updatedBy: 'Dr Amani', updatedAt: EARLIER });
    const o = write(live, nurse, set({ role: 'nurse' }));
    expect(o.violations).toEqual(['correct:provenance.stamp@careTeam/c1/updatedBy']);
    expect(messages(o)).toEqual(['An entry names who changed it last']);
    expect(o.verdict!.corrections).toEqual([
      { root: 'careTeam', key: 'c1', path: ['updatedBy'], value: 'Nurse Njeri' },
      { root: 'careTeam', key: 'c1', path: ['updatedAt'], value: NOW }
    ]);
    expect(stored(live)).toMatchObject({ role: 'nurse', updatedBy: 'Nurse Njeri', updatedAt: NOW });
  });

  it.each([
    ['the author already named', { updatedBy: 'Nurse Njeri' }, { role: 'nurse' }],
    ['no last editor recorded', {}, { role: 'nurse' }],
    ['a last editor that is not text', { updatedBy: 4 }, { role: 'nurse' }],
    ['only provenance fields changed', { updatedBy: 'Dr Amani' }, { endedAt: EARLIER }],
    ['only delivery changed', { updatedBy: 'Dr Amani' }, { uploaded: true }]
  ])('no stamp: %s', (_what, fields, change) => {
    const live = member(fields);
    expect(write(live, nurse, set(change)).violations).toEqual([]);
  });

  it('no stamp for a nested change or a new shared text', () => {
    const live = member({ updatedBy: 'Dr Amani', extra: ymap({ k: 1 }) });
    expect(write(live, nurse, (doc) => (entryMap(doc, 'careTeam', 'c1').get('extra') as Y.Map<unknown>).set('k', 2)).violations).toEqual([]);
    const t = write(live, nurse, (doc) => entryMap(doc, 'careTeam', 'c1').set('memo', new Y.Text('x')));
    expect(t.violations).toEqual([]);
    expect(stored(live).updatedBy).toBe('Dr Amani');
  });

  it('a forged last editor written with the change is corrected once, as a forged name', () => {
    const live = member({ updatedBy: 'Nurse Njeri' });
    const o = write(live, nurse, set({ role: 'nurse', updatedBy: 'Dr Amani' }));
    expect(o.violations).toEqual(['correct:provenance.forged-name@careTeam/c1/updatedBy']);
    expect(stored(live)).toMatchObject({ role: 'nurse', updatedBy: 'Nurse Njeri' });
  });

  it('a new entry is not stamped', () => {
    const o = write(liveDoc(), nurse, (doc) => doc.getMap('careTeam').set('c1', ymap({ id: 'c1', role: 'x', updatedBy: 'Nurse Njeri' })));
    expect(o.violations).toEqual([]);
  });
});
