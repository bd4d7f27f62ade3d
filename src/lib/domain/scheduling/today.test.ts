import { describe, expect, test } from 'vitest';
import { appointment } from './scheduling-factories';
import { todayList, todayScope } from './today';

// Saturday 18 July 2026, 10:00 in New York (14:00 UTC); the clinic is in New York.
const NOW = Date.parse('2026-07-18T14:00:00Z');
const NY = 'America/New_York';

describe('todayList', () => {
  const a = (start: string, overrides: Parameters<typeof appointment>[2] = {}) => appointment(start, 30, overrides);
  const late = a('2026-07-19T01:00:00Z', { id: 'late-evening' }); // 21:00 Saturday in New York, Sunday in UTC
  const early = a('2026-07-18T13:00:00Z', { id: 'early', state: { status: 'finished', at: '2026-07-18T13:30:00Z', by: 'Dr' } });
  const waitingLong = a('2026-07-18T15:00:00Z', { id: 'waiting-long', state: { status: 'checked-in', at: '2026-07-18T13:40:00Z', by: 'Desk' } });
  const waitingShort = a('2026-07-18T14:30:00Z', { id: 'waiting-short', state: { status: 'checked-in', at: '2026-07-18T13:55:00Z', by: 'Desk' } });
  const cancelled = a('2026-07-18T16:00:00Z', { id: 'cancelled', state: { status: 'cancelled', reason: 'Ill', at: '', by: '' } });
  const noShow = a('2026-07-18T12:00:00Z', { id: 'no-show', state: { status: 'no-show', at: '', by: '' } });
  const otherProvider = a('2026-07-18T17:00:00Z', { id: 'other', providerId: 'dr-b' });
  const yesterday = a('2026-07-17T14:00:00Z', { id: 'yesterday' });
  const monday = a('2026-07-20T13:00:00Z', { id: 'monday' });
  const mondayLater = a('2026-07-20T15:00:00Z', { id: 'monday-later' });
  const all = [monday, late, cancelled, waitingLong, otherProvider, yesterday, early, noShow, waitingShort, mondayLater];
  const ids = (list: { id: string }[]) => list.map((x) => x.id);

  test("one provider's day in the clinic zone, in start order, without cancelled or no-show", () => {
    const t = todayList(all, { now: NOW, timeZone: NY, providerId: 'dr-a' });
    expect(t.day).toBe('2026-07-18');
    expect(ids(t.appointments)).toEqual(['early', 'waiting-short', 'waiting-long', 'late-evening']);
  });

  test('the whole clinic when no provider is given', () => {
    expect(ids(todayList(all, { now: NOW, timeZone: NY }).appointments)).toEqual(['early', 'waiting-short', 'waiting-long', 'other', 'late-evening']);
  });

  test('patients waiting: checked in, longest wait first', () => {
    expect(ids(todayList(all, { now: NOW, timeZone: NY, providerId: 'dr-a' }).waiting)).toEqual(['waiting-long', 'waiting-short']);
  });

  test('the next day with appointments skips a day without any (Sunday)', () => {
    const t = todayList(all, { now: NOW, timeZone: NY, providerId: 'dr-a' });
    expect(t.next?.day).toBe('2026-07-20');
    expect(ids(t.next!.appointments)).toEqual(['monday', 'monday-later']);
  });

  test('a closed day: nothing today, nobody waiting, the next day still named', () => {
    const sunday = Date.parse('2026-07-19T14:00:00Z');
    const t = todayList(all, { now: sunday, timeZone: NY, providerId: 'dr-a' });
    expect(t).toMatchObject({ day: '2026-07-19', appointments: [], waiting: [] });
    expect(t.next?.day).toBe('2026-07-20');
  });

  test('no next day beyond the look-ahead', () => {
    expect(todayList([monday], { now: NOW, timeZone: NY, lookAheadDays: 1 }).next).toBeNull();
    expect(todayList([monday], { now: NOW, timeZone: NY, lookAheadDays: 2 }).next?.day).toBe('2026-07-20');
  });

  test('the day is the clinic zone day, not the UTC day', () => {
    // 02:00 UTC on Sunday is still Saturday evening in New York.
    const t = todayList(all, { now: Date.parse('2026-07-19T02:00:00Z'), timeZone: NY, providerId: 'dr-a' });
    expect(t.day).toBe('2026-07-18');
    expect(ids(t.appointments)).toContain('late-evening');
  });
});

describe('todayScope', () => {
  const providers = [
    { id: 'u-dr', name: 'Dr. Okafor', active: true },
    { id: 'u-nurse', name: 'Nurse Reyes', active: true }
  ];
  test('a provider on the roster sees their own day', () => {
    expect(todayScope(providers, 'u-dr')).toBe('u-dr');
  });
  test('the desk (not a provider) sees the whole clinic', () => {
    expect(todayScope(providers, 'u-desk')).toBeUndefined();
  });
});
