import { describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import type { DocKind } from '../../src/lib/domain/doc-names';
import { doctor, entryMap, importer, liveDoc, nurse, seed, write, ymap } from './test-factories';

/**
 * The table of invariants (policy-table.ts) row by row: which roots each
 * document kind holds, which fields of each entry type never change, and
 * which rules each entry type gets, each shown by one write that only that
 * row decides. Also the cases where a rule gives up on a crafted value
 * (the checker error) and where rules meet on one entry.
 */

const EARLIER = '2026-12-04T09:00:00.000Z';

describe('roots each document holds', () => {
  const ROOTS: Record<DocKind, string[]> = {
    chart: ['meta', 'conditions', 'allergies', 'medications', 'observations', 'immunizations', 'encounters', 'attachments', 'procedures', 'reports', 'carePlans', 'orders', 'pharmacySends', 'allergyStatements', 'careTeam', 'reminderDismissals', 'transfers', 'incoming'],
    patient: ['meta', 'patient', 'demographicsReview', 'refillRequests', 'superbills', 'ledger'],
    schedule: ['meta', 'appointments', 'availability', 'appointmentTypes', 'providers'],
    templates: ['meta', 'templates'],
    fees: ['meta', 'settings', 'services'],
    registries: ['meta', 'registries'],
    tasks: ['meta', 'tasks'],
    messages: ['meta', 'threads', 'messages'],
    restricted: ['meta', 'conditions', 'allergies', 'medications', 'observations', 'immunizations', 'encounters', 'attachments', 'procedures', 'reports', 'carePlans', 'orders', 'pharmacySends', 'allergyStatements', 'careTeam', 'reminderDismissals', 'transfers', 'incoming']
  };
  const ALL = [...new Set(Object.values(ROOTS).flat())];

  it.each(Object.keys(ROOTS) as DocKind[])('a %s holds exactly its own roots', (kind) => {
    const unknown = ALL.filter((root) => {
      const o = write(liveDoc(kind), importer, (doc) => doc.getMap(root).set('zz', 1));
      return o.violations.includes(`refuse:structure.root@${root}`);
    });
    expect(unknown).toEqual(ALL.filter((r) => !ROOTS[kind].includes(r)));
  });
});

describe('fields that never change', () => {
  const TABLE: [DocKind, string, string][] = [
    ['chart', 'allergies', 'sourceSystem'],
    ['chart', 'conditions', 'sourceId'],
    ['chart', 'reports', 'sourceSystem'],
    ['chart', 'encounters', 'sourceId'],
    ['chart', 'encounters', 'sourceSystem'],
    ['chart', 'medications', 'sourceId'],
    ['chart', 'medications', 'sourceSystem'],
    ['chart', 'pharmacySends', 'medicationId'],
    ['chart', 'pharmacySends', 'pharmacyId'],
    ['chart', 'pharmacySends', 'queuedAt'],
    ['chart', 'pharmacySends', 'queuedBy'],
    ['chart', 'pharmacySends', 'queuedById'],
    ['chart', 'allergyStatements', 'recordedAt'],
    ['chart', 'allergyStatements', 'recordedBy'],
    ['chart', 'allergyStatements', 'recordedById'],
    ['chart', 'reminderDismissals', 'reminderId'],
    ['chart', 'reminderDismissals', 'dismissedAt'],
    ['chart', 'reminderDismissals', 'dismissedBy'],
    ['chart', 'reminderDismissals', 'dismissedById'],
    ['schedule', 'appointments', 'patientId'],
    ['schedule', 'appointments', 'createdAt'],
    ['schedule', 'appointments', 'createdBy']
  ];

  it.each(TABLE)('%s %s.%s never changes (an import writes it: no provenance in the way)', (kind, root, field) => {
    const live = liveDoc(kind);
    seed(live, (doc) => doc.getMap(root).set('x1', ymap({ id: 'x1', sourceId: 's-1', [field]: 'one' })));
    const o = write(live, importer, (doc) => entryMap(doc, root, 'x1').set(field, 'two'));
    expect(o.violations.filter((v) => v.includes('record.immutable'))).toEqual([`refuse:record.immutable@${root}/x1/${field}`]);
  });

  it('an immutable field rewritten with an equal value (a new object, same content) is no change', () => {
    const live = liveDoc();
    seed(live, (doc) => doc.getMap('allergies').set('x1', ymap({ id: 'x1', sourceId: 's-1', sourceSystem: { system: 'ehr', version: 2 } })));
    expect(write(live, importer, (doc) => entryMap(doc, 'allergies', 'x1').set('sourceSystem', { version: 2, system: 'ehr' })).violations).toEqual([]);
    expect(write(live, importer, (doc) => entryMap(doc, 'allergies', 'x1').set('sourceSystem', { version: 3, system: 'ehr' })).violations).toEqual(['refuse:record.immutable@allergies/x1/sourceSystem']);
  });

  it('other fields of those entries change (positive control)', () => {
    const live = liveDoc('schedule');
    seed(live, (doc) => doc.getMap('appointments').set('x1', ymap({ id: 'x1', patientId: 'p-1', mode: 'in-person' })));
    expect(write(live, nurse, (doc) => entryMap(doc, 'appointments', 'x1').set('mode', 'video')).violations).toEqual([]);
    const care = liveDoc();
    seed(care, (doc) => doc.getMap('careTeam').set('x1', ymap({ id: 'x1', sourceId: 'a' })));
    expect(write(care, importer, (doc) => entryMap(doc, 'careTeam', 'x1').set('sourceId', 'b')).violations).toEqual([]);
  });
});

describe('rules each entry type gets', () => {
  it.each(['allergies', 'encounters', 'medications', 'observations', 'procedures', 'carePlans'])('%s: an entry made here never becomes an imported one', (root) => {
    const live = liveDoc();
    seed(live, (doc) => doc.getMap(root).set('x1', ymap({ id: 'x1' })));
    expect(write(live, doctor, (doc) => entryMap(doc, root, 'x1').set('sourceId', 's')).violations).toEqual([`refuse:record.source-fixed@${root}/x1/sourceId`]);
  });

  it.each(['orders', 'pharmacySends', 'careTeam', 'allergyStatements', 'reminderDismissals'])('%s: not an import target, so gaining a source id is not judged', (root) => {
    const live = liveDoc();
    seed(live, (doc) => doc.getMap(root).set('x1', ymap({ id: 'x1' })));
    expect(write(live, doctor, (doc) => entryMap(doc, root, 'x1').set('sourceId', 's')).violations).toEqual([]);
  });

  it('the demographics review is a plain collection', () => {
    const live = liveDoc('patient');
    expect(write(live, nurse, (doc) => doc.getMap('demographicsReview').set('r1', ymap({ id: 'r1', field: 'family' }))).violations).toEqual([]);
    expect(write(live, nurse, (doc) => doc.getMap('demographicsReview').delete('r1')).violations).toEqual(['refuse:record.no-delete@demographicsReview/r1']);
  });

  it('a deleted order, send or visit is refused as a deletion only', () => {
    const live = liveDoc();
    seed(live, (doc) => {
      doc.getMap('orders').set('o1', ymap({ id: 'o1', status: 'active' }));
      doc.getMap('pharmacySends').set('s1', ymap({ id: 's1', state: 'held' }));
      doc.getMap('encounters').set('e1', ymap({ id: 'e1', note: ymap({ status: 'signed' }) }));
      doc.getMap('medications').set('m1', ymap({ id: 'm1', resourceType: 'MedicationRequest', intent: 'order', status: 'active', requester: { reference: 'Practitioner/u-doc', display: 'Dr Amani' } }));
    });
    for (const [root, key] of [['orders', 'o1'], ['pharmacySends', 's1'], ['encounters', 'e1'], ['medications', 'm1']]) {
      const o = write(live, nurse, (doc) => doc.getMap(root).delete(key));
      expect([root, o.violations, o.verdict!.notes]).toEqual([root, [`refuse:record.no-delete@${root}/${key}`], []]);
    }
  });

  it('a value the prescription rule cannot read refuses the write as a checker error', () => {
    const live = liveDoc();
    const o = write(live, doctor, (doc) =>
      doc.getMap('medications').set(
        'm1',
        ymap({
          id: 'm1',
          resourceType: 'MedicationRequest',
          intent: 'order',
          status: 'active',
          requester: { reference: 'Practitioner/u-doc', display: 'Dr Amani' },
          detectedIssues: [{ ruleId: { toString: 1, valueOf: 1 }, override: { byId: 'u-doc', by: 'Dr Amani', at: EARLIER, reason: 'x' } }]
        })
      )
    );
    expect(o.kind).toBe('refused');
    expect(o.verdict!.violations).toEqual([
      { rule: 'policy.checker-error', action: 'refuse', at: 'medications/m1', message: 'The prescriptionsRule check failed (TypeError); the change is refused' },
      { rule: 'prescription.unanswered-alert', action: 'correct', at: 'medications/m1', message: 'A signed prescription the drug checks cannot read is not taken: it is marked entered in error' }
    ]);
  });

  it('a change to an entry and to a map inside it is judged once', () => {
    const live = liveDoc();
    seed(live, (doc) => doc.getMap('careTeam').set('c1', ymap({ id: 'c1', extra: ymap({ k: 1 }) })));
    const o = write(live, nurse, (doc) => {
      entryMap(doc, 'careTeam', 'c1').set('addedBy', 'Dr Amani');
      (entryMap(doc, 'careTeam', 'c1').get('extra') as Y.Map<unknown>).set('endedBy', 'Dr Amani');
    });
    // Each once (the entry is read once though two of its maps changed), in the entry's field order.
    expect(o.violations).toEqual(['correct:provenance.forged-name@careTeam/c1/extra/endedBy', 'correct:provenance.forged-name@careTeam/c1/addedBy']);
  });

  it('a value that is not a map in a collection is not judged by its entry rules', () => {
    expect(write(liveDoc(), nurse, (doc) => doc.getMap('careTeam').set('c1', 10n)).violations).toEqual(['refuse:structure.shape@careTeam/c1']);
  });
});

describe('more boundaries', () => {
  it('writing the layout version it already has changes nothing', () => {
    const live = liveDoc();
    seed(live, (doc) => doc.getMap('meta').set('schemaVersion', 3));
    const o = write(live, nurse, (doc) => doc.getMap('meta').set('schemaVersion', 3));
    expect(o.violations).toEqual([]);
    expect(o.verdict!.corrections).toEqual([]);
  });

  it('an import changing a signed note is not held to the signature rule; a user is', () => {
    const note = () => ymap({ status: 'signed', signature: { byId: 'u-doc', by: 'Dr Amani', at: EARLIER }, signedBy: 'Dr Amani' });
    const live = liveDoc();
    seed(live, (doc) => doc.getMap('encounters').set('e1', ymap({ id: 'e1', sourceId: 's', note: note() })));
    const noteOf = (doc: Y.Doc) => entryMap(doc, 'encounters', 'e1').get('note') as Y.Map<unknown>;
    expect(write(live, importer, (doc) => noteOf(doc).set('signedBy', 'Importer')).violations).toEqual([]);
    expect(write(live, doctor, (doc) => noteOf(doc).set('signedBy', 'Dr Amani')).violations).toEqual(['correct:note.signature-frozen@encounters/e1/note/signedBy']);
  });

  it('a held send released by a clinician with only an override already recorded is held again', () => {
    const over = { ruleId: 'r', title: 't', override: { byId: 'u-doc', by: 'Dr Amani', at: EARLIER, reason: 'x' } };
    const live = liveDoc();
    seed(live, (doc) => doc.getMap('pharmacySends').set('s1', ymap({ id: 's1', state: 'held', sendOverrides: [over] })));
    const o = write(live, doctor, (doc) => entryMap(doc, 'pharmacySends', 's1').set('state', 'queued'));
    expect(o.violations).toEqual(['correct:send.held@pharmacySends/s1']);
    expect(entryMap(live.doc, 'pharmacySends', 's1').get('state')).toBe('held');
    // The same override under another alert title is a new one.
    const again = write(live, doctor, (doc) => entryMap(doc, 'pharmacySends', 's1').set('sendOverrides', [over, { ...over, title: 't2' }]));
    expect(again.verdict!.notes).toHaveLength(1);
  });

  it.each([
    ['authoredOn', '2026-12-01T08:00:00.000Z'],
    ['dosage', { text: '2 daily' }],
    ['detectedIssues', [{ ruleId: 'r', severity: 'minor' }]],
    ['priorPrescription', 'm0'],
    ['requester', { reference: 'Practitioner/u-doc', display: 'Dr Amani', extra: 1 }]
  ])('a signed prescription’s %s is covered by its signature', (field, value) => {
    const live = liveDoc();
    seed(live, (doc) => doc.getMap('medications').set('m1', ymap({ id: 'm1', resourceType: 'MedicationRequest', intent: 'order', status: 'active', requester: { reference: 'Practitioner/u-doc', display: 'Dr Amani' } })));
    const o = write(live, doctor, (doc) => entryMap(doc, 'medications', 'm1').set(field, value));
    expect(o.violations).toEqual(['correct:prescription.frozen@medications/m1']);
    expect(o.verdict!.notes[0].detail).toEqual({ medicationId: 'm1', fields: [field], from: 'active', to: 'active', refused: 'signed-fields-changed' });
  });
});
