import { describe, expect, test } from 'vitest';
import { findConflicts } from './conflicts';
import { dayView } from './day-view';
import { appointment } from './scheduling-factories';

describe('findConflicts', () => {
  test('two bookings of the same slot for one provider conflict', () => {
    const a = appointment('2026-07-13T07:00:00Z', 30);
    const b = appointment('2026-07-13T07:00:00Z', 30);
    expect(findConflicts([a, b])).toEqual([
      { kind: 'provider', subjectId: 'dr-a', first: a.id, second: b.id, start: a.start, end: a.end }
    ]);
  });

  test('back-to-back appointments do not conflict', () => {
    expect(findConflicts([appointment('2026-07-13T07:00:00Z', 30), appointment('2026-07-13T07:30:00Z', 30)])).toEqual([]);
  });

  test('partial overlap reports the overlapping interval', () => {
    const [c] = findConflicts([appointment('2026-07-13T07:00:00Z', 30), appointment('2026-07-13T07:20:00Z', 30)]);
    expect([c.start, c.end]).toEqual(['2026-07-13T07:20:00.000Z', '2026-07-13T07:30:00.000Z']);
  });

  test('different providers at the same time do not conflict', () => {
    expect(findConflicts([appointment('2026-07-13T07:00:00Z', 30), appointment('2026-07-13T07:00:00Z', 30, { providerId: 'dr-b' })])).toEqual([]);
  });

  test.each(['cancelled', 'no-show'] as const)('a %s appointment frees its time', (status) => {
    const gone = appointment('2026-07-13T07:00:00Z', 30, {
      state: status === 'cancelled' ? { status, reason: 'Ill', at: '', by: '' } : { status, at: '', by: '' }
    });
    expect(findConflicts([gone, appointment('2026-07-13T07:00:00Z', 30)])).toEqual([]);
  });

  test('the same patient booked with two providers at once conflicts as a patient double booking', () => {
    const a = appointment('2026-07-13T07:00:00Z', 30, { patientId: 'p1' });
    const b = appointment('2026-07-13T07:15:00Z', 30, { patientId: 'p1', providerId: 'dr-b' });
    expect(findConflicts([a, b]).map((c) => [c.kind, c.subjectId])).toEqual([['patient', 'p1']]);
  });

  test('a long appointment conflicts with each short one inside it, not only the first', () => {
    const long = appointment('2026-07-13T07:00:00Z', 120);
    const one = appointment('2026-07-13T07:30:00Z', 15);
    const two = appointment('2026-07-13T08:30:00Z', 15);
    expect(findConflicts([long, one, two])).toHaveLength(2);
  });

  test('symmetric and deterministic: the same set in any order gives the same answer', () => {
    const list = [
      appointment('2026-07-13T07:00:00Z', 30),
      appointment('2026-07-13T07:00:00Z', 30),
      appointment('2026-07-13T07:10:00Z', 60),
      appointment('2026-07-13T09:00:00Z', 30, { providerId: 'dr-b' }),
      appointment('2026-07-13T09:00:00Z', 30, { providerId: 'dr-b' })
    ];
    const expected = findConflicts(list);
    expect(expected).toHaveLength(4);
    expect(findConflicts([...list].reverse())).toEqual(expected);
    expect(findConflicts([list[3], list[1], list[4], list[0], list[2]])).toEqual(expected);
    for (const c of expected) expect(c.first < c.second).toBe(true);
  });
});

describe('dayView', () => {
  test('one column per provider in start order, conflicts flagged, the local day decides', () => {
    const a = appointment('2026-07-13T08:00:00Z', 30);
    const b = appointment('2026-07-13T07:00:00Z', 30);
    const clash = appointment('2026-07-13T08:00:00Z', 30);
    const other = appointment('2026-07-13T07:00:00Z', 30, { providerId: 'dr-b' });
    const lateSunday = appointment('2026-07-12T22:30:00Z', 30); // Monday 00:30 in Berlin
    const view = dayView([a, b, clash, other, lateSunday], '2026-07-13', 'Europe/Berlin');
    expect(view.map((c) => c.providerId)).toEqual(['dr-a', 'dr-b']);
    expect(view[0].appointments.map((x) => [x.id, x.conflict])).toEqual([
      [lateSunday.id, false],
      [b.id, false],
      [a.id, true],
      [clash.id, true]
    ]);
    expect(dayView([a, other], '2026-07-13', 'Europe/Berlin', 'dr-b').map((c) => c.providerId)).toEqual(['dr-b']);
  });
});
