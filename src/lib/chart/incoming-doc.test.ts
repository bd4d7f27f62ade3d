import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addAllergy, listAllergies, listConditions } from './chart-doc';
import { acceptIncoming, listIncoming, pendingIncoming, rejectIncoming, stageIncoming, type IncomingInput } from './incoming-doc';

const actor = { id: 'u1', name: 'Dr. Test' };
const SOURCE = { sourceSystem: 'urn:outpost:clinic:a', sourceName: 'Hill Clinic', sourceDate: '2026-11-30T10:00:00Z', sourceAuthor: 'Dr. Far' };

const peanut = (extra: Record<string, unknown> = {}): IncomingInput => ({
  ...SOURCE,
  collection: 'allergies',
  targetId: 'a-1',
  fields: {
    resourceType: 'AllergyIntolerance',
    code: { text: 'Peanut', coding: [{ system: 'http://snomed.info/sct', code: '91935009' }] },
    category: 'food',
    criticality: 'high',
    reaction: 'Hives',
    severity: 'moderate',
    clinicalStatus: 'active',
    verificationStatus: 'confirmed',
    recordedDate: '2020-01-02',
    sourceId: 'a-1',
    ...extra
  }
});
const asthma: IncomingInput = {
  ...SOURCE,
  collection: 'conditions',
  targetId: 'c-1',
  fields: { resourceType: 'Condition', code: { text: 'Asthma', coding: [{ system: 'http://snomed.info/sct', code: '195967001' }] }, clinicalStatus: 'active', verificationStatus: 'confirmed', onsetDate: '2010-05-01', note: '', sourceId: 'c-1' }
};

describe('incoming records (reconciliation)', () => {
  it('stages a record outside the active lists, pending, with its source', () => {
    const doc = new Y.Doc();
    expect(stageIncoming(doc, 'i-1', peanut())).toBe('staged');
    expect(listAllergies(doc)).toEqual([]);
    const [r] = pendingIncoming(doc);
    expect(r).toMatchObject({ id: 'i-1', collection: 'allergies', targetId: 'a-1', display: 'Peanut', code: 'http://snomed.info/sct|91935009', status: 'pending', sourceName: 'Hill Clinic', sourceDate: '2026-11-30T10:00:00Z', sourceAuthor: 'Dr. Far' });
  });

  it('stages the same record once', () => {
    const doc = new Y.Doc();
    expect(stageIncoming(doc, 'i-1', peanut())).toBe('staged');
    expect(stageIncoming(doc, 'i-1', peanut())).toBe('unchanged');
    expect(listIncoming(doc)).toHaveLength(1);
  });

  it('accepting writes the entry into its list with provenance and who accepted it', () => {
    const doc = new Y.Doc();
    stageIncoming(doc, 'i-1', peanut());
    acceptIncoming(doc, 'i-1', actor);
    const [a] = listAllergies(doc);
    expect(a).toMatchObject({ id: 'a-1', code: { text: 'Peanut' }, criticality: 'high', verificationStatus: 'confirmed', createdBy: 'Dr. Test' });
    const stored = (doc.getMap('allergies').get('a-1') as Y.Map<unknown>).toJSON();
    expect(stored).toMatchObject({ sourceId: 'a-1', sourceSystem: 'urn:outpost:clinic:a', sourceName: 'Hill Clinic', sourceDate: '2026-11-30T10:00:00Z', sourceAuthor: 'Dr. Far', reconciledBy: 'Dr. Test', reconciledById: 'u1' });
    expect(listIncoming(doc)[0]).toMatchObject({ status: 'accepted', decidedBy: 'Dr. Test' });
    expect(pendingIncoming(doc)).toEqual([]);
  });

  it('an accepted record sent again unchanged is not offered again; a changed one is', () => {
    const doc = new Y.Doc();
    stageIncoming(doc, 'i-1', peanut());
    acceptIncoming(doc, 'i-1', actor);
    expect(stageIncoming(doc, 'i-2', peanut())).toBe('unchanged');
    expect(stageIncoming(doc, 'i-3', peanut({ clinicalStatus: 'inactive' }))).toBe('staged');
    expect(pendingIncoming(doc).map((r) => r.id)).toEqual(['i-3']);
  });

  it('rejecting keeps the record with who, when and why, and writes nothing to the lists', () => {
    const doc = new Y.Doc();
    stageIncoming(doc, 'i-1', asthma);
    rejectIncoming(doc, 'i-1', 'Not this patient: resolved in childhood', actor);
    expect(listConditions(doc)).toEqual([]);
    const [r] = listIncoming(doc);
    expect(r).toMatchObject({ status: 'rejected', decidedBy: 'Dr. Test', rejectReason: 'Not this patient: resolved in childhood' });
    expect(r.decidedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('a rejection needs a reason', () => {
    const doc = new Y.Doc();
    stageIncoming(doc, 'i-1', asthma);
    expect(() => rejectIncoming(doc, 'i-1', '  ', actor)).toThrow(/reason/);
    expect(listIncoming(doc)[0].status).toBe('pending');
  });

  it('a decision is final', () => {
    const doc = new Y.Doc();
    stageIncoming(doc, 'i-1', asthma);
    rejectIncoming(doc, 'i-1', 'Duplicate', actor);
    expect(() => acceptIncoming(doc, 'i-1', actor)).toThrow(/already rejected/);
    expect(listConditions(doc)).toEqual([]);
  });

  it('never replaces an entry recorded here under the same id', () => {
    const doc = new Y.Doc();
    addAllergy(doc, { substance: 'Latex', category: 'environment' } as never, actor, 'a-1');
    stageIncoming(doc, 'i-1', peanut());
    expect(() => acceptIncoming(doc, 'i-1', actor)).toThrow(/recorded here/);
    expect(listAllergies(doc).map((a) => a.code.text)).toEqual(['Latex']);
    expect(listIncoming(doc)[0].status).toBe('pending');
  });

  it('accepting the newest version settles older pending versions of the same record', () => {
    const doc = new Y.Doc();
    stageIncoming(doc, 'i-1', peanut());
    stageIncoming(doc, 'i-2', peanut({ reaction: 'Anaphylaxis' }));
    expect(pendingIncoming(doc).map((r) => r.id)).toEqual(['i-2']);
    acceptIncoming(doc, 'i-2', actor);
    expect(listAllergies(doc)[0].reaction).toBe('Anaphylaxis');
    expect(listIncoming(doc).map((r) => [r.id, r.status])).toEqual([
      ['i-1', 'rejected'],
      ['i-2', 'accepted']
    ]);
  });
});
