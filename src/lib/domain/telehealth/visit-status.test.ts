import { describe, expect, test } from 'vitest';
import { mediaPolicy, roleOfIdentity } from './participants';
import { deriveVisitState, type RoomEvent } from './visit-status';

const T = Date.parse('2026-07-13T07:00:00Z');
const s = (n: number) => T + n * 1000;
const ev = (id: string, kind: RoomEvent['kind'], at: number, identity?: string): RoomEvent => ({ id, kind, at, identity });

const call: RoomEvent[] = [
  ev('e1', 'room_started', s(0)),
  ev('e2', 'participant_joined', s(0), 'clinician-x'),
  ev('e3', 'participant_joined', s(10), 'patient-y'),
  ev('e4', 'participant_left', s(300), 'patient-y'),
  ev('e5', 'participant_left', s(310), 'clinician-x'),
  ev('e6', 'room_finished', s(330))
];

describe('deriveVisitState', () => {
  test('no events: waiting', () => {
    expect(deriveVisitState([], s(0))).toEqual({ status: 'waiting', connected: [], startedAt: null, endedAt: null, durationSeconds: 0 });
  });

  test('in call while anyone is connected; duration runs to now', () => {
    expect(deriveVisitState(call.slice(0, 3), s(60))).toMatchObject({ status: 'in-call', connected: ['clinician-x', 'patient-y'], durationSeconds: 60 });
  });

  test('ended: duration counts connected time only', () => {
    expect(deriveVisitState(call, s(9999))).toEqual({ status: 'ended', connected: [], startedAt: s(0), endedAt: s(330), durationSeconds: 310 });
  });

  test('everyone left but the room is open: waiting again (a dropped connection), duration kept', () => {
    expect(deriveVisitState(call.slice(0, 5), s(9999))).toMatchObject({ status: 'waiting', durationSeconds: 310 });
  });

  test('arrival order does not matter', () => {
    const shuffled = [call[5], call[3], call[1], call[4], call[0], call[2]];
    expect(deriveVisitState(shuffled, s(9999))).toEqual(deriveVisitState(call, s(9999)));
  });

  test('a join and a leave in the same second are ordered join first', () => {
    const same = [ev('b', 'participant_left', s(5), 'patient-y'), ev('a', 'participant_joined', s(5), 'patient-y')];
    expect(deriveVisitState(same, s(100)).status).toBe('waiting');
  });
});

test('only the clinician may share a screen; nobody is room admin', () => {
  expect(mediaPolicy('clinician').canPublishSources).toEqual(['camera', 'microphone', 'screen_share']);
  expect(mediaPolicy('patient').canPublishSources).toEqual(['camera', 'microphone']);
  expect(mediaPolicy('guest').canPublishSources).toEqual(['camera', 'microphone']);
  expect(Object.keys(mediaPolicy('clinician'))).not.toContain('roomAdmin');
});

test('roles are read from identity prefixes', () => {
  expect(roleOfIdentity('patient-abc')).toBe('patient');
  expect(roleOfIdentity('admin-abc')).toBeNull();
});
