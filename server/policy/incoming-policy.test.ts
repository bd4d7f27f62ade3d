import { describe, expect, it } from 'vitest';
import { doctor, entryMap, entryOf, importer, liveDoc, nurse, seed, write, ymap } from './test-factories';

/**
 * The `incoming` root (records from a transfer awaiting reconciliation):
 * staged by the server only, decided once by a clinician, a rejection with
 * its reason, never deleted.
 */

const staged = () => ({
  id: 'i-1',
  collection: 'allergies',
  targetId: 'a-1',
  fields: { resourceType: 'AllergyIntolerance', code: { text: 'Peanut' }, sourceId: 'a-1' },
  display: 'Peanut',
  sourceSystem: 'urn:outpost:clinic:a',
  status: 'pending',
  receivedAt: '2026-12-04T09:00:00.000Z'
});

function withPending() {
  const live = liveDoc('chart');
  seed(live, (doc) => doc.getMap('incoming').set('i-1', ymap(staged())));
  return live;
}

describe('incoming records', () => {
  it('the import stages a pending record', () => {
    const live = liveDoc('chart');
    const o = write(live, importer, (doc) => doc.getMap('incoming').set('i-1', ymap(staged())));
    expect(o.violations).toEqual([]);
    expect(o.kind).toBe('accepted');
  });

  it('a device may not stage one', () => {
    const live = liveDoc('chart');
    const o = write(live, doctor, (doc) => doc.getMap('incoming').set('i-1', ymap(staged())));
    expect(o.violations).toContain('refuse:incoming.server-only@incoming/i-1');
    expect(o.kind).toBe('refused');
  });

  it('a clinician accepts', () => {
    const live = withPending();
    const o = write(live, doctor, (doc) => {
      const e = entryMap(doc, 'incoming', 'i-1');
      e.set('status', 'accepted');
      e.set('decidedAt', '2026-12-04T09:30:00.000Z');
      e.set('decidedBy', 'Dr Amani');
      e.set('decidedById', 'u-doc');
    });
    expect(o.violations).toEqual([]);
    expect(entryOf(live, 'incoming', 'i-1')).toMatchObject({ status: 'accepted', decidedBy: 'Dr Amani' });
  });

  it('a nurse may not decide', () => {
    const live = withPending();
    const o = write(live, nurse, (doc) => {
      const e = entryMap(doc, 'incoming', 'i-1');
      e.set('status', 'accepted');
      e.set('decidedBy', 'Nurse Njeri');
      e.set('decidedById', 'u-nurse');
    });
    expect(o.violations).toContain('refuse:incoming.decide-role@incoming/i-1/status');
    expect(entryOf(live, 'incoming', 'i-1')).toMatchObject({ status: 'pending' });
  });

  it('a rejection needs its reason', () => {
    const live = withPending();
    const bare = write(live, doctor, (doc) => entryMap(doc, 'incoming', 'i-1').set('status', 'rejected'));
    expect(bare.violations).toContain('refuse:incoming.reason@incoming/i-1/rejectReason');
    const reasoned = write(live, doctor, (doc) => {
      const e = entryMap(doc, 'incoming', 'i-1');
      e.set('status', 'rejected');
      e.set('rejectReason', 'Duplicate');
    });
    expect(reasoned.violations).toEqual([]);
    expect(entryOf(live, 'incoming', 'i-1')).toMatchObject({ status: 'rejected', rejectReason: 'Duplicate' });
  });

  it('a decision is final', () => {
    const live = withPending();
    write(live, doctor, (doc) => {
      const e = entryMap(doc, 'incoming', 'i-1');
      e.set('status', 'rejected');
      e.set('rejectReason', 'Duplicate');
    });
    const o = write(live, doctor, (doc) => entryMap(doc, 'incoming', 'i-1').set('status', 'accepted'));
    expect(o.violations).toContain('refuse:incoming.transition@incoming/i-1/status');
    expect(entryOf(live, 'incoming', 'i-1')).toMatchObject({ status: 'rejected' });
  });

  it('what arrived never changes, and nothing is deleted', () => {
    const live = withPending();
    const edited = write(live, doctor, (doc) => entryMap(doc, 'incoming', 'i-1').set('fields', { code: { text: 'Walnut' } }));
    expect(edited.kind).toBe('refused');
    const deleted = write(live, doctor, (doc) => doc.getMap('incoming').delete('i-1'));
    expect(deleted.kind).toBe('refused');
    expect(entryOf(live, 'incoming', 'i-1')).toMatchObject({ display: 'Peanut', status: 'pending' });
  });
});
