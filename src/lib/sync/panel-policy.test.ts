import { describe, expect, test } from 'vitest';
import { catchUpFilter, panelOf, panelReason, toEvict } from './panel-policy';

const NOW = new Date('2026-12-06T10:00:00.000Z');
const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const C = '33333333-3333-4333-8333-333333333333';
const D = '44444444-4444-4444-8444-444444444444';
const E = '55555555-5555-4555-8555-555555555555';
const CLINIC = '99999999-9999-4999-8999-999999999999';

describe('panel policy (18 months seen, 14 days scheduled, 30 days opened)', () => {
  test('keeps patients seen, scheduled, on a list or opened recently, and no one else', () => {
    expect(panelReason({ patientId: A, nextAppointmentAt: '2026-12-20T09:00:00.000Z' }, NOW)).toBe('scheduled');
    expect(panelReason({ patientId: A, nextAppointmentAt: '2026-12-21T09:00:00.000Z' }, NOW)).toBeNull();
    expect(panelReason({ patientId: B, lastSeenAt: '2025-06-07T00:00:00.000Z' }, NOW)).toBe('seen');
    expect(panelReason({ patientId: B, lastSeenAt: '2025-06-05T00:00:00.000Z' }, NOW)).toBeNull();
    expect(panelReason({ patientId: C, onMyList: true }, NOW)).toBe('list');
    expect(panelReason({ patientId: D, openedAt: '2026-11-07T10:00:00.000Z' }, NOW)).toBe('opened');
    expect(panelReason({ patientId: D, openedAt: '2026-11-05T10:00:00.000Z' }, NOW)).toBeNull();
    expect(panelReason({ patientId: E }, NOW)).toBeNull();
    expect(
      [
        ...panelOf(
          [
            { patientId: A, nextAppointmentAt: '2026-12-07T08:30:00.000Z' },
            { patientId: B, lastSeenAt: '2019-01-01T00:00:00.000Z' },
            { patientId: C, onMyList: true },
            { patientId: D, openedAt: '2026-12-01T10:00:00.000Z' },
            { patientId: E, lastSeenAt: '2026-01-10T00:00:00.000Z' }
          ],
          NOW
        )
      ].sort()
    ).toEqual([A, C, D, E]);
    // A narrower policy drops the older visit.
    expect(panelReason({ patientId: E, lastSeenAt: '2026-01-10T00:00:00.000Z' }, NOW, { seenMonths: 6, scheduledDays: 14, openedDays: 30 })).toBeNull();
  });

  test('catch-up takes clinic-wide documents, the panel, and what the device already holds', () => {
    const include = catchUpFilter(new Set([A]), new Set([`chart:${B}`]));
    expect([`schedule:${CLINIC}`, `patient:${A}`, `chart:${A}`, `patient:${B}`, `chart:${B}`, `chart:${C}`, 'not-a-name'].filter(include)).toEqual([
      `schedule:${CLINIC}`,
      `patient:${A}`,
      `chart:${A}`,
      `chart:${B}`,
      'not-a-name'
    ]);
  });

  test('evicts held patient documents outside the panel, never one with unconfirmed edits or open, never a clinic document', () => {
    const held = [`schedule:${CLINIC}`, `patient:${A}`, `chart:${A}`, `patient:${B}`, `chart:${B}`, `chart:${C}`, `chart:${D}`];
    expect(toEvict(held, new Set([A]), { pending: new Set([`chart:${C}`]), open: new Set([`chart:${D}`]) })).toEqual([`chart:${B}`, `patient:${B}`]);
    expect(toEvict(held, new Set([A, B, C, D]), { pending: new Set(), open: new Set() })).toEqual([]);
  });
});
