import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { PASSWORD, postJson, startTelehealthServer, type TelehealthTestServer } from '../../../server/telehealth/telehealth-test-support';
import { setApiBase, setApiFetch } from '../services/api-client';
import { cookieJar } from '../sync/test-client';
import { VisitConsole } from './visit-console.svelte';

/**
 * The clinician's console against the real telehealth routes (real HTTP,
 * SQLite, sign-in): links for the patient and guests, revoking, and the
 * running-late notice the patient's waiting room then receives.
 */

const DOB = '1958-02-14';
let app: TelehealthTestServer;
let visitId: string;
let patientId: string;
let console_: VisitConsole;

beforeEach(async () => {
  visitId = randomUUID();
  patientId = randomUUID();
  app = await startTelehealthServer([{ username: 'drvega', roles: ['clinician'] }], { birthDateOf: async (_c, id) => (id === patientId ? DOB : null) });
  const jar = cookieJar();
  setApiBase(app.url);
  setApiFetch(jar.fetch);
  await jar.fetch(`${app.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'drvega', password: PASSWORD }) });
  console_ = new VisitConsole(visitId, patientId, true);
});
afterEach(async () => {
  await console_.destroy();
  await app.stop();
});

const check = (token: string) => postJson(`${app.url}/api/telehealth/join/check`, { token }).then((r) => r.status);

test('an interpreter link is separate from the patient’s; revoking one leaves the other working', async () => {
  await console_.inviteGuest('interpreter');
  expect(console_.error).toMatch(/patient their link first/);

  await console_.createLink();
  await console_.inviteGuest('interpreter');
  await console_.inviteGuest('family');
  expect(console_.error).toBeNull();
  const [interpreter, family] = console_.guestLinks;
  expect([interpreter.label, family.label]).toEqual(['Interpreter', 'Family member']);
  expect(interpreter.token).not.toBe(console_.link!.token);

  await console_.revoke(interpreter.linkId);
  expect(console_.guestLinks.map((l) => l.revoked)).toEqual([true, false]);
  expect(console_.link!.revoked).toBe(false);
  expect(await check(interpreter.token)).toBe(404);
  expect(await check(family.token)).toBe(200);
  expect(await check(console_.link!.token)).toBe(200);

  await console_.revoke(console_.link!.linkId);
  expect(console_.link!.revoked).toBe(true);
  expect(await check(console_.link!.token)).toBe(404);
});

test('running late reaches the waiting patient, and is withdrawn', async () => {
  await console_.createLink();
  const entered = await postJson(`${app.url}/api/telehealth/join/enter`, { token: console_.link!.token, birthDate: DOB });
  const { ticket } = (await entered.json()) as { ticket: string };
  const poll = async () => (await postJson(`${app.url}/api/telehealth/join/poll`, { ticket })).json();

  await console_.sendRunningLate(15);
  expect(console_.runningLate?.minutes).toBe(15);
  expect(await poll()).toMatchObject({ status: 'waiting', runningLate: { minutes: 15 } });

  await console_.refresh();
  expect(console_.runningLate?.minutes).toBe(15);
  expect(console_.waiting).toHaveLength(1);

  await console_.sendRunningLate(null);
  expect(console_.runningLate).toBeNull();
  expect(await poll()).toEqual({ status: 'waiting' });
});
