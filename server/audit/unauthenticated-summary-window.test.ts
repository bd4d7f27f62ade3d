import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditEvent } from '../types';
import { createUnauthenticatedSummary } from './unauthenticated-summary';

afterEach(() => {
  vi.useRealTimers();
});

function recorder() {
  const events: AuditEvent[] = [];
  return { events, audit: { record: (e: AuditEvent) => void events.push(e) } };
}

describe('unauthenticated request summary', () => {
  it('one entry per address per minute, with count, first and last time and routes', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(new Date('2026-01-01T10:00:00.000Z'));
    const { events, audit } = recorder();
    const summary = createUnauthenticatedSummary(audit);
    summary.note('10.0.0.1', '/api/patients');
    vi.advanceTimersByTime(10_000);
    summary.note('10.0.0.2', '/api/sync/batch');
    vi.advanceTimersByTime(20_000);
    summary.note('10.0.0.1', '/api/attachments/:id');
    summary.note('10.0.0.1', '/api/patients');
    vi.advanceTimersByTime(29_999);
    expect(events).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(events).toEqual([
      {
        action: 'api.unauthenticated',
        outcome: 'failure',
        ip: '10.0.0.1',
        detail: { count: 3, from: '2026-01-01T10:00:00.000Z', to: '2026-01-01T10:00:30.000Z', routes: ['/api/attachments/:id', '/api/patients'] }
      },
      {
        action: 'api.unauthenticated',
        outcome: 'failure',
        ip: '10.0.0.2',
        detail: { count: 1, from: '2026-01-01T10:00:10.000Z', to: '2026-01-01T10:00:10.000Z', routes: ['/api/sync/batch'] }
      }
    ]);
    // A quiet minute writes nothing; the next request starts a new entry.
    vi.advanceTimersByTime(60_000);
    expect(events).toHaveLength(2);
    summary.note('10.0.0.1', '/api/patients');
    summary.close();
    expect(events.slice(2)).toEqual([
      {
        action: 'api.unauthenticated',
        outcome: 'failure',
        ip: '10.0.0.1',
        detail: { count: 1, from: '2026-01-01T10:02:00.000Z', to: '2026-01-01T10:02:00.000Z', routes: ['/api/patients'] }
      }
    ]);
    // Stopped: nothing more after close.
    summary.note('10.0.0.3', '/api/patients');
    vi.advanceTimersByTime(120_000);
    expect(events).toHaveLength(3);
  });

  it('names at most ten routes per entry, and counts every request', () => {
    const { events, audit } = recorder();
    const summary = createUnauthenticatedSummary(audit, { now: () => new Date('2026-01-01T10:00:00.000Z') });
    for (let i = 0; i < 12; i++) summary.note('10.0.0.1', `/api/r${String(i).padStart(2, '0')}`);
    summary.close();
    expect(events).toHaveLength(1);
    expect(events[0].detail).toEqual({
      count: 12,
      from: '2026-01-01T10:00:00.000Z',
      to: '2026-01-01T10:00:00.000Z',
      routes: ['/api/r00', '/api/r01', '/api/r02', '/api/r03', '/api/r04', '/api/r05', '/api/r06', '/api/r07', '/api/r08', '/api/r09']
    });
  });

  it('addresses beyond the limit are counted together with no address', () => {
    const { events, audit } = recorder();
    const summary = createUnauthenticatedSummary(audit, { maxAddresses: 2, now: () => new Date('2026-01-01T10:00:00.000Z') });
    summary.note('10.0.0.1', '/api/a');
    summary.note('10.0.0.2', '/api/a');
    summary.note('10.0.0.3', '/api/b');
    summary.note('10.0.0.4', '/api/c');
    summary.note('10.0.0.1', '/api/d');
    summary.close();
    expect(events.map((e) => ({ ip: e.ip, detail: e.detail }))).toEqual([
      { ip: '10.0.0.1', detail: { count: 2, from: '2026-01-01T10:00:00.000Z', to: '2026-01-01T10:00:00.000Z', routes: ['/api/a', '/api/d'] } },
      { ip: '10.0.0.2', detail: { count: 1, from: '2026-01-01T10:00:00.000Z', to: '2026-01-01T10:00:00.000Z', routes: ['/api/a'] } },
      {
        ip: null,
        detail: { count: 2, from: '2026-01-01T10:00:00.000Z', to: '2026-01-01T10:00:00.000Z', routes: ['/api/b', '/api/c'], otherAddresses: true }
      }
    ]);
  });
});
