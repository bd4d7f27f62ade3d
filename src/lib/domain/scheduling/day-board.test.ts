import { describe, expect, test } from 'vitest';
import { dayBoard } from './day-board';
import { appointment } from './scheduling-factories';

const DR_A = { id: 'dr-a', name: 'Dr. A', active: true };
const DR_B = { id: 'dr-b', name: 'Dr. B', active: true };
const RETIRED = { id: 'dr-r', name: 'Dr. Retired', active: false };

describe('dayBoard', () => {
  test('a column per active provider, empty days included; double bookings named by both appointments', () => {
    const x = appointment('2026-07-13T07:00:00Z', 30, { providerId: 'dr-a' });
    const y = appointment('2026-07-13T07:15:00Z', 30, { providerId: 'dr-a' });
    const z = appointment('2026-07-14T07:00:00Z', 30, { providerId: 'dr-a' });
    const board = dayBoard([x, y, z], [DR_A, DR_B, RETIRED], '2026-07-13', 'Europe/Berlin');
    expect(board.columns.map((c) => [c.provider.id, c.appointments.map((a) => [a.id, a.conflict])])).toEqual([
      ['dr-a', [[x.id, true], [y.id, true]]],
      ['dr-b', []]
    ]);
    expect(board.conflicts).toHaveLength(1);
    expect([board.conflicts[0].first.id, board.conflicts[0].second.id].sort()).toEqual([x.id, y.id].sort());
  });

  test('keeps appointments of inactive and unknown providers visible, and filters to one provider', () => {
    const r = appointment('2026-07-13T08:00:00Z', 30, { providerId: 'dr-r' });
    const u = appointment('2026-07-13T09:00:00Z', 30, { providerId: 'dr-gone' });
    const a = appointment('2026-07-13T09:00:00Z', 30, { providerId: 'dr-a' });
    const all = dayBoard([r, u, a], [DR_A, RETIRED], '2026-07-13', 'UTC');
    expect(all.columns.map((c) => c.provider.name)).toEqual(['Dr. A', 'Dr. Retired', 'Unknown provider']);
    const one = dayBoard([r, u, a], [DR_A, RETIRED], '2026-07-13', 'UTC', 'dr-a');
    expect(one.columns.map((c) => c.appointments.map((x) => x.id))).toEqual([[a.id]]);
    expect(one.conflicts).toEqual([]);
  });

  test('a cancelled appointment in the same slot is listed but is not a double booking', () => {
    const kept = appointment('2026-07-13T07:00:00Z', 30);
    const gone = appointment('2026-07-13T07:00:00Z', 30, { state: { status: 'cancelled', reason: 'Unwell', at: '', by: '' } });
    const board = dayBoard([kept, gone], [DR_A], '2026-07-13', 'UTC');
    expect(board.columns[0].appointments.map((a) => a.conflict)).toEqual([false, false]);
    expect(board.conflicts).toEqual([]);
  });
});
