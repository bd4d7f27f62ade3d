import { describe, expect, test } from 'vitest';
import { availabilitySchema } from './availability';
import { appointment, berlinMornings } from './scheduling-factories';
import { freeSlots } from './slots';

const MONDAY = '2026-07-13'; // CEST, UTC+2
const starts = (slots: { start: string }[]) => slots.map((s) => s.start.slice(11, 16));

describe('freeSlots', () => {
  test('cuts working hours into slots of the type length, in UTC', () => {
    const slots = freeSlots(berlinMornings(), [], MONDAY, { minutes: 30 });
    expect(starts(slots)).toEqual(['07:00', '07:30', '08:00', '08:30', '09:00', '09:30']);
    expect(slots[0]).toEqual({ start: '2026-07-13T07:00:00.000Z', end: '2026-07-13T07:30:00.000Z' });
  });

  test('a slot must fit the window entirely', () => {
    expect(starts(freeSlots(berlinMornings(), [], MONDAY, { minutes: 50 }))).toEqual(['07:00', '07:50', '08:40']);
  });

  test('a finer grid offers overlapping candidate starts', () => {
    expect(freeSlots(berlinMornings(), [], MONDAY, { minutes: 60 }, { stepMinutes: 30 })).toHaveLength(5);
  });

  test('no working hours that weekday, no slots', () => {
    expect(freeSlots(berlinMornings(), [], '2026-07-18', { minutes: 30 })).toEqual([]);
  });

  test('booked appointments take their slots; cancelled and no-show give them back', () => {
    const booked = appointment('2026-07-13T07:30:00Z', 30);
    const cancelled = appointment('2026-07-13T08:00:00Z', 30, { state: { status: 'cancelled', reason: 'Ill', at: '', by: '' } });
    const noShow = appointment('2026-07-13T08:30:00Z', 30, { state: { status: 'no-show', at: '', by: '' } });
    const otherProvider = appointment('2026-07-13T09:00:00Z', 30, { providerId: 'dr-b' });
    const slots = freeSlots(berlinMornings(), [booked, cancelled, noShow, otherProvider], MONDAY, { minutes: 30 });
    expect(starts(slots)).toEqual(['07:00', '08:00', '08:30', '09:00', '09:30']);
  });

  test('an appointment that straddles two slots takes both', () => {
    const odd = appointment('2026-07-13T07:20:00Z', 20);
    expect(starts(freeSlots(berlinMornings(), [odd], MONDAY, { minutes: 30 }))).toEqual(['08:00', '08:30', '09:00', '09:30']);
  });

  test('blocked time removes the slots it touches', () => {
    const av = berlinMornings({ blocked: [{ id: 'b1', start: '2026-07-13T08:15:00Z', end: '2026-07-13T09:00:00Z', reason: 'Team meeting' }] });
    expect(starts(freeSlots(av, [], MONDAY, { minutes: 30 }))).toEqual(['07:00', '07:30', '09:00', '09:30']);
  });

  test('slots before notBefore are not offered', () => {
    const slots = freeSlots(berlinMornings(), [], MONDAY, { minutes: 30 }, { notBefore: Date.parse('2026-07-13T08:10:00Z') });
    expect(starts(slots)).toEqual(['08:30', '09:00', '09:30']);
  });

  test('working hours follow the provider zone across a DST change', () => {
    // Friday 27 March 2026 is CET (UTC+1); Monday 30 March is CEST (UTC+2).
    expect(freeSlots(berlinMornings(), [], '2026-03-27', { minutes: 180 })[0].start).toBe('2026-03-27T08:00:00.000Z');
    expect(freeSlots(berlinMornings(), [], '2026-03-30', { minutes: 180 })[0].start).toBe('2026-03-30T07:00:00.000Z');
  });

  test('split working hours on one day, and touching windows, give each slot once', () => {
    const av = berlinMornings({
      weekly: [
        { weekday: 1, start: '09:00', end: '10:00' },
        { weekday: 1, start: '10:00', end: '11:00' },
        { weekday: 1, start: '14:00', end: '15:00' }
      ]
    });
    expect(starts(freeSlots(av, [], MONDAY, { minutes: 60 }))).toEqual(['07:00', '08:00', '12:00']);
  });
});

describe('availabilitySchema', () => {
  test('rejects hours that end before they start and unknown zones', () => {
    const bad = availabilitySchema.safeParse({ providerId: 'p', timeZone: 'Nowhere/City', weekly: [{ weekday: 1, start: '12:00', end: '09:00' }] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['timeZone', 'weekly.0.end']);
  });
});
