import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { listObservations } from './clinical-doc';
import { markObservationsEnteredInError, recordVitals } from './vitals-doc';
import { vitalSeries } from '../domain/vitals';

const actor = { id: 'u1', name: 'Dr. Test' };
const at = '2024-05-01T09:00:00.000Z';

describe('recording vitals in a chart document', () => {
  it('writes final vital-signs Observations with the performer and provenance', () => {
    const doc = new Y.Doc();
    const ids = recordVitals(doc, { systolic: 162, diastolic: 101, heartRate: 88 }, actor, at);
    expect(ids).toHaveLength(2);
    const obs = listObservations(doc);
    expect(obs).toHaveLength(2);
    expect(obs.every((o) => o.status === 'final' && o.category === 'vital-signs' && o.effectiveDateTime === at && o.createdBy === 'Dr. Test')).toBe(true);
    expect((doc.getMap('observations').get(ids[0]) as Y.Map<unknown>).get('performer')).toEqual([{ display: 'Dr. Test' }]);
    expect(vitalSeries(obs).bloodPressure[0]).toMatchObject({ value: 162, diastolic: 101 });
  });

  it('writes the whole set in one update, so another device never sees half of it', () => {
    const doc = new Y.Doc();
    let updates = 0;
    doc.on('update', () => updates++);
    recordVitals(doc, { systolic: 120, diastolic: 70, heartRate: 70, weight: 80, height: 180 }, actor, at);
    expect(updates).toBe(2); // the schema-version stamp, then the set
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
    expect(listObservations(other)).toHaveLength(5);
  });

  it('refuses an invalid set and writes nothing', () => {
    const doc = new Y.Doc();
    expect(() => recordVitals(doc, { systolic: 120 }, actor)).toThrow(/not valid/);
    expect(() => recordVitals(doc, {}, actor)).toThrow(/at least one/);
    expect(listObservations(doc)).toEqual([]);
  });

  it('marks a set entered-in-error with the reason; it leaves the trends and is never revived', () => {
    const doc = new Y.Doc();
    const ids = recordVitals(doc, { systolic: 162, diastolic: 101, heartRate: 88 }, actor, at);
    expect(() => markObservationsEnteredInError(doc, ids, '  ', actor)).toThrow(/Say why/);
    markObservationsEnteredInError(doc, ids, 'Wrong patient', actor);
    const obs = listObservations(doc);
    expect(obs.map((o) => [o.status, o.enteredInErrorReason, o.enteredInErrorBy])).toEqual([
      ['entered-in-error', 'Wrong patient', 'Dr. Test'],
      ['entered-in-error', 'Wrong patient', 'Dr. Test']
    ]);
    expect(vitalSeries(obs).bloodPressure).toEqual([]);
    expect(() => markObservationsEnteredInError(doc, ['nope'], 'x', actor)).toThrow(/not in this chart/);
  });
});
