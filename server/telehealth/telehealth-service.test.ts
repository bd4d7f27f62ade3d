import { randomUUID } from 'node:crypto';
import { TokenVerifier } from 'livekit-server-sdk';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createTelehealthService, type TelehealthService } from './telehealth-service';
import { auditRows, KEYS, openTestStore, staffUser, type TestStore } from './telehealth-test-support';
import { WAITING_STALE_MS } from './waiting-room';

const verifier = new TokenVerifier(KEYS.apiKey, KEYS.apiSecret);
const IP = '10.0.0.9';
const DOB = '1961-04-02';
const clinician = staffUser(['clinician']);
const nurse = staffUser(['nurse']);
const desk = staffUser(['frontdesk']);

let store: TestStore;
let service: TelehealthService;
let offset: number;
let closedRooms: string[];
let visitId: string;
let patientId: string;

beforeEach(() => {
  store = openTestStore();
  offset = 0;
  closedRooms = [];
  visitId = randomUUID();
  patientId = randomUUID();
  service = createTelehealthService({
    db: store.db,
    audit: store.audit,
    livekit: { url: 'wss://video.example.test', ...KEYS },
    birthDateOf: async (clinicId, id) => (clinicId === 'clinic-1' && id === patientId ? DOB : null),
    patientInClinic: (clinicId) => clinicId === 'clinic-1',
    closeRoom: async (room) => void closedRooms.push(room),
    // Real time (tokens are checked by the real verifier) plus a shift the tests control.
    now: () => Date.now() + offset
  });
});
afterEach(() => store.cleanup());

function patientLink() {
  return service.createLink(desk, { scope: 'patient', visitId, patientId }, IP);
}

async function patientWaiting() {
  const link = patientLink();
  const { ticket } = await service.enter(link.token, DOB, IP);
  return { link, ticket };
}

describe('join links', () => {
  test('the link is an unguessable secret; only its hash is stored; the path carries nothing else', () => {
    const link = patientLink();
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(link.path).toBe(`/join/${link.token}`);
    const stored = JSON.stringify(store.db.prepare('SELECT * FROM telehealth_join_links').all());
    expect(stored).not.toContain(link.token);
    expect(stored).not.toContain(patientId);
  });

  test('a patient link asks for the date of birth; a guest link does not', () => {
    const link = patientLink();
    expect(service.check(link.token, IP)).toEqual({ scope: 'patient', needsBirthDate: true, guestLabel: null, language: null });
    const guest = service.createLink(desk, { scope: 'guest', visitId, guestKind: 'interpreter' }, IP);
    expect(service.check(guest.token, IP)).toEqual({ scope: 'guest', needsBirthDate: false, guestLabel: 'Interpreter', language: null });
  });

  test('the language the clinic chose for a link comes back with the link check', () => {
    const link = service.createLink(desk, { scope: 'patient', visitId, patientId, language: 'sw' }, IP);
    expect(link.language).toBe('sw');
    expect(service.check(link.token, IP)).toEqual({ scope: 'patient', needsBirthDate: true, guestLabel: null, language: 'sw' });
    const guest = service.createLink(desk, { scope: 'guest', visitId, guestKind: 'family', language: 'pt' }, IP);
    expect(service.check(guest.token, IP)).toMatchObject({ scope: 'guest', language: 'pt' });
  });

  test('a guest link needs the visit to exist first', () => {
    expect(() => service.createLink(desk, { scope: 'guest', visitId, guestKind: 'family' }, IP)).toThrow(/guests join an existing/);
  });

  test('a visit stays bound to its patient', () => {
    patientLink();
    expect(() => service.createLink(desk, { scope: 'patient', visitId, patientId: randomUUID() }, IP)).toThrow(/another patient/);
  });

  test('five wrong dates of birth: counts down 4, 3, 2, 1, then locks the link; even the right date then gets nothing', async () => {
    const link = patientLink();
    const wrong = () => service.enter(link.token, '1961-04-03', IP);
    for (const message of [
      'That date of birth does not match our records. 4 tries left.',
      'That date of birth does not match our records. 3 tries left.',
      'That date of birth does not match our records. 2 tries left.',
      'That date of birth does not match our records. 1 try left.'
    ]) {
      await expect(wrong()).rejects.toMatchObject({ code: 'forbidden', message });
    }
    await expect(wrong()).rejects.toMatchObject({ code: 'forbidden', message: 'This link is locked after too many tries. Contact the clinic for a new one.' });
    expect(store.db.prepare('SELECT failed_attempts, revoked_reason FROM telehealth_join_links WHERE id = ?').get(link.linkId)).toEqual({
      failed_attempts: 5,
      revoked_reason: 'too-many-attempts'
    });
    await expect(service.enter(link.token, DOB, IP)).rejects.toMatchObject({ code: 'not-found', message: 'This link is not valid or has expired. Contact the clinic for a new one.' });
    expect(() => service.check(link.token, IP)).toThrow('This link is not valid or has expired. Contact the clinic for a new one.');
    const verify = auditRows(store.db, 'telehealth.verify');
    // Five wrong dates, then the two tries on the locked link (enter, then check).
    expect(verify.map((r) => JSON.parse(r.detail) as { reason: string; triesLeft?: number }).map((d) => [d.reason, d.triesLeft])).toEqual([
      ['birth-date', 4],
      ['birth-date', 3],
      ['birth-date', 2],
      ['birth-date', 1],
      ['birth-date', 0],
      ['link-revoked', undefined],
      ['link-revoked', undefined]
    ]);
    expect(verify.every((r) => r.outcome === 'failure' && !r.detail.includes(DOB) && !r.detail.includes('1961'))).toBe(true);
  });

  test('four wrong dates of birth, then the right one: the patient is in the waiting room', async () => {
    const link = patientLink();
    for (let i = 0; i < 4; i++) await expect(service.enter(link.token, '1961-04-03', IP)).rejects.toMatchObject({ code: 'forbidden' });
    expect(store.db.prepare('SELECT failed_attempts, revoked_at FROM telehealth_join_links WHERE id = ?').get(link.linkId)).toEqual({ failed_attempts: 4, revoked_at: null });
    const entered = await service.enter(link.token, DOB, IP);
    expect(entered.status).toBe('waiting');
    expect(service.poll(entered.ticket)).toEqual({ status: 'waiting' });
    expect(auditRows(store.db, 'telehealth.verify').map((r) => r.outcome)).toEqual(['failure', 'failure', 'failure', 'failure', 'success']);
  });

  test('a revoked link gets nothing', async () => {
    const link = patientLink();
    service.revokeLink(desk, link.linkId, IP);
    expect(() => service.check(link.token, IP)).toThrow(/not valid or has expired/);
    await expect(service.enter(link.token, DOB, IP)).rejects.toMatchObject({ code: 'not-found' });
  });

  test('an expired link gets nothing, with the same message as an unknown one', async () => {
    const link = service.createLink(desk, { scope: 'patient', visitId, patientId, expiresInMinutes: 30 }, IP);
    offset = 31 * 60_000;
    await expect(service.enter(link.token, DOB, IP)).rejects.toThrow(/not valid or has expired/);
    expect(() => service.check('A'.repeat(43), IP)).toThrow(/not valid or has expired/);
  });

  test('unknown patient record: the page says to call, no attempt is counted', async () => {
    const link = service.createLink(desk, { scope: 'patient', visitId, patientId: randomUUID() }, IP);
    await expect(service.enter(link.token, DOB, IP)).rejects.toMatchObject({ code: 'unavailable' });
  });
});

describe('waiting room and admit', () => {
  test('no token before admit: the patient waits and nothing is minted', async () => {
    const { ticket } = await patientWaiting();
    expect(service.poll(ticket)).toEqual({ status: 'waiting' });
    expect(store.db.prepare('SELECT count(*) AS n FROM telehealth_participants').get()).toEqual({ n: 0 });
    expect(service.waiting(clinician, visitId, IP).waiting).toMatchObject([{ role: 'patient', label: 'Patient', admitted: false }]);
  });

  test('the clinician’s view names the visit’s patient by opaque id, so the console can open the chart beside the call', async () => {
    await patientWaiting();
    expect(service.waiting(clinician, visitId, IP).patientId).toBe(patientId);
    expect(() => service.waiting(desk, visitId, IP)).toThrow(/role does not allow/);
  });

  test('admit mints both tokens at that moment, for the same opaque room; the patient picks theirs up once', async () => {
    const { ticket } = await patientWaiting();
    const own = await service.admit(visitId, clinician, IP);
    expect(own.admitted).toBe(1);
    const c = await verifier.verify(own.token);
    expect(c.sub).toMatch(/^clinician-[A-Za-z0-9_-]{22}$/);
    expect(c.name).toBe(clinician.name);

    const answer = service.poll(ticket);
    if (answer.status !== 'admitted') throw new Error(`expected admitted, got ${answer.status}`);
    expect(answer.serverUrl).toBe('wss://video.example.test');
    const p = await verifier.verify(answer.token);
    expect(p.sub).toMatch(/^patient-[A-Za-z0-9_-]{22}$/);
    expect(p.name).toBeUndefined();
    expect(p.video?.room).toBe(c.video?.room);
    expect(p.video?.room).toMatch(/^room-/);
    for (const secret of [visitId, patientId, DOB]) expect(JSON.stringify(p)).not.toContain(secret);
    expect(p.video?.canPublishSources).toEqual(['camera', 'microphone']);
    expect(p.video?.roomAdmin).toBeUndefined();

    expect(service.poll(ticket)).toEqual({ status: 'closed' });
  });

  test('only a clinician admits; a nurse is refused and it is audited', async () => {
    await patientWaiting();
    await expect(service.admit(visitId, nurse, IP)).rejects.toMatchObject({ code: 'forbidden' });
    expect(auditRows(store.db, 'authz.denied')).toHaveLength(1);
  });

  test('another clinic cannot see or admit the visit', async () => {
    await patientWaiting();
    const stranger = staffUser(['clinician'], 'clinic-2');
    await expect(service.admit(visitId, stranger, IP)).rejects.toMatchObject({ code: 'not-found' });
    expect(() => service.waiting(stranger, visitId, IP)).toThrow(/no such video visit/);
  });

  test('nobody waiting: admit refuses and mints nothing', async () => {
    patientLink();
    await expect(service.admit(visitId, clinician, IP)).rejects.toThrow(/No one is waiting/);
    expect(store.db.prepare('SELECT count(*) AS n FROM telehealth_participants').get()).toEqual({ n: 0 });
  });

  test('a page that stopped polling is not admitted', async () => {
    await patientWaiting();
    offset = WAITING_STALE_MS + 1000;
    await expect(service.admit(visitId, clinician, IP)).rejects.toThrow(/No one is waiting/);
  });

  test('revoked while waiting: not admitted; revoked after admit: the token is never handed over', async () => {
    const first = await patientWaiting();
    service.revokeLink(desk, first.link.linkId, IP);
    await expect(service.admit(visitId, clinician, IP)).rejects.toThrow(/No one is waiting/);

    const second = await patientWaiting();
    await service.admit(visitId, clinician, IP);
    service.revokeLink(desk, second.link.linkId, IP);
    expect(service.poll(second.ticket)).toEqual({ status: 'closed' });
  });

  test('expired after admit: nothing handed over', async () => {
    const link = service.createLink(desk, { scope: 'patient', visitId, patientId, expiresInMinutes: 5 }, IP);
    const { ticket } = await service.enter(link.token, DOB, IP);
    await service.admit(visitId, clinician, IP);
    offset = 6 * 60_000;
    expect(service.poll(ticket)).toEqual({ status: 'closed' });
  });

  test('an interpreter joins with their own link, a fixed label and patient-level rights', async () => {
    await patientWaiting();
    await service.admit(visitId, clinician, IP);
    const guest = service.createLink(desk, { scope: 'guest', visitId, guestKind: 'interpreter' }, IP);
    const { ticket } = await service.enter(guest.token, undefined, IP);
    expect(service.poll(ticket)).toEqual({ status: 'waiting' });
    expect(service.waiting(clinician, visitId, IP).waiting.map((w) => w.label)).toContain('Interpreter');
    await service.admit(visitId, clinician, IP);
    const answer = service.poll(ticket);
    if (answer.status !== 'admitted') throw new Error('expected admitted');
    const g = await verifier.verify(answer.token);
    expect(g.sub).toMatch(/^guest-/);
    expect(g.name).toBe('Interpreter');
    expect(g.video?.canPublishSources).toEqual(['camera', 'microphone']);
  });

  test('admit is audited with roles and opaque identities only', async () => {
    await patientWaiting();
    await service.admit(visitId, clinician, IP);
    const [row] = auditRows(store.db, 'telehealth.admit');
    expect(row).toMatchObject({ outcome: 'success', user_id: clinician.id, target: `visit:${visitId}` });
    expect(row.detail).toMatch(/"role":"patient"/);
    expect(row.detail).not.toContain(patientId);
  });
});

describe('ending a visit', () => {
  test('revokes every link, empties the waiting room, closes the room, and is audited', async () => {
    const { link, ticket } = await patientWaiting();
    const guest = service.createLink(desk, { scope: 'guest', visitId, guestKind: 'family' }, IP);
    const ended = await service.end(visitId, clinician, IP);
    expect(ended).toMatchObject({ roomClosed: true, visit: { status: 'ended' } });
    expect(closedRooms).toHaveLength(1);
    expect(closedRooms[0]).toMatch(/^room-/);
    expect(service.poll(ticket)).toEqual({ status: 'closed' });
    expect(() => service.check(link.token, IP)).toThrow();
    expect(() => service.check(guest.token, IP)).toThrow();
    await expect(service.admit(visitId, clinician, IP)).rejects.toThrow(/has ended/);
    expect(auditRows(store.db, 'telehealth.end')).toMatchObject([{ user_id: clinician.id, target: `visit:${visitId}` }]);
  });

  test('a failure to close the room on the video service is reported, not hidden', async () => {
    await patientWaiting();
    const failing = createTelehealthService({
      db: store.db,
      audit: store.audit,
      livekit: { url: 'wss://x', ...KEYS },
      birthDateOf: async () => DOB,
      patientInClinic: () => true,
      closeRoom: async () => {
        throw new Error('connect ECONNREFUSED');
      }
    });
    expect((await failing.end(visitId, clinician, IP)).roomClosed).toBe(false);
    expect(auditRows(store.db, 'telehealth.end')[0].detail).toContain('"roomClosed":false');
  });
});
