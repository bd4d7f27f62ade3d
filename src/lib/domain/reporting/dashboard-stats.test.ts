import { describe, expect, it, test } from 'vitest';
import { appointment } from '../scheduling/scheduling-factories';
import { dashboardStats, waitBucket, weekOf } from './dashboard-stats';
import type { ReportingDiagnosis, ReportingVisit } from './reporting-record';

const WINDOW = { from: '2026-11-02', to: '2026-11-08', timeZone: 'Africa/Nairobi' }; // Monday to Sunday, UTC+3

let n = 0;
const visit = (start: string, extra: Partial<ReportingVisit> = {}): ReportingVisit => ({ id: `v${++n}`, start, class: 'ambulatory', status: 'finished', diagnosisCodes: [], createdBy: 'Dr A', ...extra });
const dx = (text: string, recordedDate: string, extra: Partial<ReportingDiagnosis> = {}): ReportingDiagnosis => ({ id: `d${++n}`, codes: [], text, onsetDate: '', recordedDate, verificationStatus: 'confirmed', recordedBy: 'Dr A', ...extra });
const at = (status: 'no-show' | 'finished' | 'cancelled' | 'checked-in') => ({ status, at: '2026-11-01T00:00:00.000Z', by: 'Desk', ...(status === 'cancelled' ? { reason: 'ill' } : {}) }) as never;

describe('visits per day by kind', () => {
  it('puts each visit on its local day and kind; leaves out errors, cancelled visits and days outside the window', () => {
    const s = dashboardStats(
      {
        visits: [
          visit('2026-11-01T21:00:00.000Z'), // 00:00 Monday 2 Nov local
          visit('2026-11-02T08:00:00.000Z', { class: 'virtual' }),
          visit('2026-11-02T09:00:00.000Z', { class: 'emergency' }),
          visit('2026-11-04T09:00:00.000Z', { class: 'home' }),
          visit('2026-11-08T20:59:00.000Z'), // 23:59 Sunday local
          visit('2026-11-08T21:00:00.000Z'), // Monday 9 Nov: out
          visit('2026-11-03T09:00:00.000Z', { status: 'entered-in-error' }),
          visit('2026-11-03T09:00:00.000Z', { status: 'cancelled' })
        ],
        diagnoses: [],
        appointments: []
      },
      WINDOW
    );
    expect(s.days).toEqual(['2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06', '2026-11-07', '2026-11-08']);
    expect(s.visitsPerDay).toEqual({ 'in-person': [2, 0, 0, 0, 0, 0, 1], video: [1, 0, 0, 0, 0, 0, 0], home: [0, 0, 1, 0, 0, 0, 0] });
    expect(s.totalVisits).toBe(5);
  });
});

describe('no-show rate and waiting time', () => {
  const appts = [
    appointment('2026-11-02T06:00:00.000Z', 15, { state: at('no-show'), createdAt: '2026-10-30T06:00:00.000Z' }), // booked 3 days before
    appointment('2026-11-03T06:00:00.000Z', 15, { state: at('finished'), createdAt: '2026-11-03T05:00:00.000Z' }), // same day
    appointment('2026-11-04T06:00:00.000Z', 15, { state: at('checked-in'), createdAt: '2026-10-04T06:00:00.000Z' }), // 31 days
    appointment('2026-11-05T06:00:00.000Z', 15, { state: at('cancelled'), createdAt: '2026-11-01T06:00:00.000Z' }), // neither
    appointment('2026-11-06T06:00:00.000Z', 15, { createdAt: '2026-11-05T06:00:00.000Z' }), // still booked: 1 day
    appointment('2026-11-06T07:00:00.000Z', 15, { state: at('no-show'), providerId: 'dr-b', createdAt: '2026-11-06T06:00:00.000Z' })
  ];
  it('no-shows ÷ (no-shows + attended); cancelled and booked are neither', () => {
    const s = dashboardStats({ visits: [], diagnoses: [], appointments: appts }, WINDOW);
    expect([s.noShows, s.attended, s.noShowRate]).toEqual([2, 2, 0.5]);
    expect(s.weeks).toEqual(['2026-11-02']);
    expect(s.waiting).toEqual({ 'same-day': 2, '1-2': 1, '3-7': 1, '8-14': 0, '15-30': 0, 'over-30': 1 });
    expect(s.medianWaitDays).toBe(1); // 0, 0, 1, 3, 31
  });
  it('the provider filter keeps one provider’s appointments, visits and problems', () => {
    const s = dashboardStats(
      { visits: [visit('2026-11-03T08:00:00.000Z'), visit('2026-11-03T09:00:00.000Z', { createdBy: 'Dr B' })], diagnoses: [dx('Malaria', '2026-11-03'), dx('Asthma', '2026-11-03', { recordedBy: 'Dr B' })], appointments: appts },
      WINDOW,
      { id: 'dr-b', name: 'Dr B' }
    );
    expect([s.noShows, s.attended, s.noShowRate, s.totalVisits]).toEqual([1, 0, 1, 1]);
    expect(s.topDiagnoses).toEqual([{ label: 'Asthma', count: 1 }]);
  });
  it('no appointments: no rate (not 0 %)', () => {
    const s = dashboardStats({ visits: [], diagnoses: [], appointments: [] }, WINDOW);
    expect([s.noShowRate, s.medianWaitDays]).toEqual([null, null]);
  });
  test.each([
    [0, 'same-day'],
    [1, '1-2'],
    [2, '1-2'],
    [3, '3-7'],
    [7, '3-7'],
    [8, '8-14'],
    [14, '8-14'],
    [15, '15-30'],
    [30, '15-30'],
    [31, 'over-30']
  ])('%i days waits in %s', (days, bucket) => {
    expect(waitBucket(days)).toBe(bucket);
  });
  it('weeks start on Monday', () => {
    expect([weekOf('2026-11-02'), weekOf('2026-11-08'), weekOf('2026-11-09')]).toEqual(['2026-11-02', '2026-11-02', '2026-11-09']);
  });
});

describe('top diagnoses', () => {
  it('most frequent first, ties by name, in-error and refuted left out, at most eight', () => {
    const diagnoses = [
      dx('Malaria', '2026-11-02'),
      dx('Malaria', '2026-11-03'),
      dx('Asthma', '2026-11-03'),
      dx('Pneumonia', '2026-11-04'),
      dx('Malaria', '2026-11-04', { verificationStatus: 'entered-in-error' }),
      dx('Pneumonia', '2026-11-04', { verificationStatus: 'refuted' }),
      dx('Malaria', '2026-10-30'), // before the window
      ...'ABCDEFGH'.split('').map((l) => dx(`Other ${l}`, '2026-11-05'))
    ];
    const s = dashboardStats({ visits: [], diagnoses, appointments: [] }, WINDOW);
    expect(s.topDiagnoses).toEqual([
      { label: 'Malaria', count: 2 },
      { label: 'Asthma', count: 1 },
      { label: 'Other A', count: 1 },
      { label: 'Other B', count: 1 },
      { label: 'Other C', count: 1 },
      { label: 'Other D', count: 1 },
      { label: 'Other E', count: 1 },
      { label: 'Other F', count: 1 }
    ]);
  });
});
