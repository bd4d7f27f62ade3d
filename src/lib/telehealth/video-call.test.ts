import { ConnectionQuality, ConnectionState, DisconnectReason, Room, RoomEvent, type RemoteParticipant } from 'livekit-client';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { callEndFor, clockDuration, decodeChat, encodeChat, POOR_QUALITY_SECONDS, shouldDropVideo } from './call-policy';
import { VideoCall } from './video-call.svelte';

/**
 * The call adapter driven by livekit-client's own Room and its own events.
 * What is simulated: there is no LiveKit server here, so the Room never
 * connects; the tests emit the events a real Room emits (connection state,
 * reconnecting, disconnect reasons, connection quality, data messages) and
 * stub only the calls that would need a network or a camera (connect,
 * setCameraEnabled, publishData).
 */

const CREDENTIALS = { serverUrl: 'ws://127.0.0.1:1', token: 'jwt', expiresAt: new Date(Date.now() + 600_000).toISOString() };

let room: Room;
let call: VideoCall;

beforeEach(() => {
  room = new Room();
  call = new VideoCall({ role: 'patient', room, audioSink: () => null });
});
afterEach(async () => {
  vi.useRealTimers();
  await call.destroy();
});

function connected() {
  room.emit(RoomEvent.ConnectionStateChanged, ConnectionState.Connected);
}

describe('connection state', () => {
  test('connecting → connected → reconnecting → connected', () => {
    expect(call.phase).toEqual({ status: 'idle' });
    room.emit(RoomEvent.ConnectionStateChanged, ConnectionState.Connecting);
    expect(call.phase.status).toBe('connecting');
    connected();
    expect(call.phase.status).toBe('connected');
    room.emit(RoomEvent.Reconnecting);
    expect(call.phase.status).toBe('reconnecting');
    room.emit(RoomEvent.Reconnected);
    expect(call.phase.status).toBe('connected');
    room.emit(RoomEvent.SignalReconnecting);
    expect(call.phase.status).toBe('reconnecting');
  });

  test.each([
    [DisconnectReason.UNKNOWN_REASON, 'lost'],
    [DisconnectReason.SIGNAL_CLOSE, 'lost'],
    [DisconnectReason.JOIN_FAILURE, 'lost'],
    [DisconnectReason.CONNECTION_TIMEOUT, 'lost'],
    [DisconnectReason.ROOM_DELETED, 'ended'],
    [DisconnectReason.PARTICIPANT_REMOVED, 'ended'],
    [DisconnectReason.CLIENT_INITIATED, 'left']
  ] as const)('disconnect reason %s means %s', (reason, end) => {
    connected();
    room.emit(RoomEvent.Reconnecting);
    room.emit(RoomEvent.Disconnected, reason);
    expect(call.phase).toEqual({ status: 'disconnected', end });
  });

  test('reconnection giving up (no reason) offers Rejoin with the same credentials', async () => {
    const connect = vi.spyOn(room, 'connect').mockRejectedValue(new Error('could not establish signal connection'));
    await call.join(CREDENTIALS);
    expect(call.phase).toEqual({ status: 'disconnected', end: 'lost' });
    expect(call.canRejoin).toBe(true);
    await call.rejoin();
    expect(connect).toHaveBeenCalledTimes(2);
    expect(connect).toHaveBeenLastCalledWith(CREDENTIALS.serverUrl, CREDENTIALS.token, { autoSubscribe: true });
  });

  test('an expired join token cannot rejoin; the person is told what to do', async () => {
    vi.spyOn(room, 'connect').mockRejectedValue(new Error('no server'));
    await call.join({ ...CREDENTIALS, expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect(call.canRejoin).toBe(false);
    await call.rejoin();
    expect(call.problem).toMatch(/expired/);
  });

  test('the reason of the first disconnect is kept', () => {
    connected();
    room.emit(RoomEvent.Disconnected, DisconnectReason.ROOM_DELETED);
    room.emit(RoomEvent.Disconnected, DisconnectReason.UNKNOWN_REASON);
    expect(call.phase).toEqual({ status: 'disconnected', end: 'ended' });
  });
});

describe('connection quality and automatic audio only', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  test('quality is reported per participant', () => {
    connected();
    room.emit(RoomEvent.ConnectionQualityChanged, ConnectionQuality.Excellent, room.localParticipant);
    expect(call.local?.quality).toBe('excellent');
  });

  test('poor quality that lasts switches to audio only; the camera is turned off', () => {
    const camera = vi.spyOn(room.localParticipant, 'setCameraEnabled').mockResolvedValue(undefined);
    connected();
    room.emit(RoomEvent.ConnectionQualityChanged, ConnectionQuality.Poor, room.localParticipant);
    vi.advanceTimersByTime((POOR_QUALITY_SECONDS - 1) * 1000);
    expect(call.audioOnly).toBe(false);
    vi.advanceTimersByTime(2000);
    expect(call.audioOnly).toBe(true);
    expect(call.audioOnlyAutomatic).toBe(true);
    expect(camera).toHaveBeenCalledWith(false);
  });

  test('a short dip does not cost the picture', () => {
    connected();
    room.emit(RoomEvent.ConnectionQualityChanged, ConnectionQuality.Lost, room.localParticipant);
    vi.advanceTimersByTime(5000);
    room.emit(RoomEvent.ConnectionQualityChanged, ConnectionQuality.Good, room.localParticipant);
    vi.advanceTimersByTime(30_000);
    expect(call.audioOnly).toBe(false);
  });

  test('turning video back on clears the automatic flag', async () => {
    vi.spyOn(room.localParticipant, 'setCameraEnabled').mockResolvedValue(undefined);
    connected();
    room.emit(RoomEvent.ConnectionQualityChanged, ConnectionQuality.Poor, room.localParticipant);
    vi.advanceTimersByTime(POOR_QUALITY_SECONDS * 1000 + 1000);
    await call.setAudioOnly(false);
    expect(call.audioOnly).toBe(false);
    expect(call.audioOnlyAutomatic).toBe(false);
  });
});

describe('chat over the data channel', () => {
  const clinician = { identity: 'clinician-7f3a', name: 'Dr. Okafor' } as RemoteParticipant;

  test('messages on the chat topic arrive labelled by role; anything else is ignored', () => {
    room.emit(RoomEvent.DataReceived, encodeChat('Can you hear me?', 1000), clinician, undefined, 'outpost-chat');
    room.emit(RoomEvent.DataReceived, encodeChat('other', 1000), clinician, undefined, 'another-topic');
    room.emit(RoomEvent.DataReceived, new Uint8Array(new TextEncoder().encode('{not json')), clinician, undefined, 'outpost-chat');
    room.emit(RoomEvent.DataReceived, encodeChat('hello', 1), { identity: 'patient-1' } as RemoteParticipant, undefined, 'outpost-chat');
    expect(call.chat.map((c) => [c.from, c.text])).toEqual([
      ['Dr. Okafor', 'Can you hear me?'],
      ['Patient', 'hello']
    ]);
  });

  test('sending publishes reliably on the chat topic', async () => {
    const publish = vi.spyOn(room.localParticipant, 'publishData').mockResolvedValue(undefined);
    await call.sendChat('  I am here ');
    expect(publish).toHaveBeenCalledWith(expect.any(Uint8Array), { reliable: true, topic: 'outpost-chat' });
    expect(decodeChat(publish.mock.calls[0][0])?.text).toBe('I am here');
    expect(call.chat.at(-1)).toMatchObject({ from: 'You', mine: true, text: 'I am here' });
  });
});

test('only a clinician may share a screen', () => {
  expect(call.canShareScreen).toBe(false);
  expect(new VideoCall({ role: 'clinician', room: new Room() }).canShareScreen).toBe(true);
});

test('policy helpers', () => {
  expect(callEndFor(undefined)).toBe('lost');
  expect(shouldDropVideo(null, 99_999)).toBe(false);
  expect(shouldDropVideo(0, POOR_QUALITY_SECONDS * 1000)).toBe(true);
  expect(clockDuration(65)).toBe('1:05');
  expect(clockDuration(3725)).toBe('1:02:05');
});
