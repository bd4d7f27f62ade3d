import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addMessage, listThreads, markClinicRead, startStaffConversation, startThread } from '../../src/lib/chart/messages-doc';
import { listTasks, setTaskStatus } from '../../src/lib/chart/tasks-doc';
import { messagesName, tasksName } from '../../src/lib/domain/doc-names';
import { addClinic, sessionCookieFor, startTestApp, TEST_PASSWORD, type TestApp } from '../http/test-app';
import { seedPortalPatient } from './portal-test-support';

/**
 * Secure messages against the real server: the patient writes through the
 * portal routes (grant checked, idempotent by id, photo sniffed), the server
 * raises the inbox item, staff answer through the `messages:` document over
 * the batch endpoint, and every crafted staff update that would rewrite,
 * delete or forge a message is refused.
 */
let app: TestApp;
let clinicId: string;
let ids: Record<string, string>;
let neema: string;
let neemaId: string;
let baraka: string;
const PATIENT = 'c4d5e6f7-0000-4000-8000-000000000001';
const OTHER = 'c4d5e6f7-0000-4000-8000-000000000002';
const BIRTH = '1990-07-14';
const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
const uuid = (n: number) => `0b0e0c0d-0000-4000-8000-${String(n).padStart(12, '0')}`;
/** A 1×1 PNG (RFC 2083 signature, IHDR, IDAT, IEND). */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

async function post(path: string, body: unknown, cookie: string): Promise<Response> {
  return fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });
}
const base = (patientId = PATIENT) => `/api/portal/records/${patientId}/messages`;

async function serverDoc(name: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const state = await app.sync.readState(name, clinicId);
  if (state) Y.applyUpdate(doc, state);
  return doc;
}
const threads = async () => listThreads(await serverDoc(messagesName(PATIENT)));
const messageItems = async () => listTasks(await serverDoc(tasksName(clinicId))).filter((t) => t.focus.kind === 'message' && t.patientId === PATIENT);

/** A staff device's update to the messages document, sent to the batch endpoint as that user. */
async function staffSends(user: string, change: (doc: Y.Doc) => void): Promise<{ error?: { code: string; rules?: string[] } }> {
  const device = await serverDoc(messagesName(PATIENT));
  const sv = Y.encodeStateVector(device);
  change(device);
  const cookie = await sessionCookieFor(app.url, user);
  const res = await fetch(`${app.url}/api/sync/batch`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ docs: [], updates: [{ name: messagesName(PATIENT), update: b64(Y.encodeStateAsUpdate(device, sv)) }] }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { docs: { error?: { code: string; rules?: string[] } }[] }).docs[0];
}

async function account(patientId: string, birthDate: string, username: string): Promise<string> {
  const desk = await sessionCookieFor(app.url, 'desk');
  const inv = await post('/api/portal/invitations', { relation: 'self', patientId }, desk);
  expect(inv.status).toBe(201);
  const secret = ((await inv.json()) as { link: string }).link.split('#')[1];
  const act = await fetch(`${app.url}/api/portal/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret, birthDate, username, password: TEST_PASSWORD }) });
  expect(act.status).toBe(201);
  return sessionCookieFor(app.url, username);
}

let firstThread: string;

beforeAll(async () => {
  app = await startTestApp();
  const made = await addClinic(app, 'Lakeside Clinic', [
    { username: 'desk', roles: ['frontdesk'] },
    { username: 'doc', roles: ['clinician'] },
    { username: 'nurse', roles: ['nurse'] },
    { username: 'boss', roles: ['admin'] }
  ]);
  clinicId = made.clinicId;
  ids = made.ids;
  await seedPortalPatient(app, clinicId, PATIENT, { family: 'Mwangi', given: 'Neema', birthDate: BIRTH });
  await seedPortalPatient(app, clinicId, OTHER, { family: 'Otieno', given: 'Baraka', birthDate: '1985-01-01' });
  neema = await account(PATIENT, BIRTH, 'neema');
  neemaId = (app.db.prepare("SELECT id FROM users WHERE username = 'neema'").get() as { id: string }).id;
  baraka = await account(OTHER, '1985-01-01', 'baraka');
});

afterAll(async () => {
  await app.stop();
});

describe('the patient writes', () => {
  it('starts a conversation: kept in the record as the patient’s, and a new inbox item for the clinic', async () => {
    const res = await post(base(), { id: uuid(1), topic: 'Rash on my arm', text: 'The rash is spreading since Monday.' }, neema);
    expect(res.status).toBe(201);
    const answer = (await res.json()) as { id: string; threadId: string; sentAt: string };
    expect(answer.id).toBe(uuid(1));
    firstThread = answer.threadId;
    const [t] = await threads();
    expect(t).toMatchObject({ id: firstThread, topic: 'Rash on my arm', startedByKind: 'patient' });
    expect(t.messages).toHaveLength(1);
    expect(t.messages[0]).toMatchObject({ id: uuid(1), text: 'The rash is spreading since Monday.', authorKind: 'patient', sentById: neemaId, sentBy: 'Patient', sentByRelation: 'self', photo: null, clinicReadAt: '' });
    const items = await messageItems();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ patientId: PATIENT, status: 'requested', focus: { kind: 'message', ref: firstThread, label: 'Patient message' }, description: 'New message from the patient', createdBy: 'Patient' });
    // The audit names ids, never what was written.
    const audit = JSON.stringify(app.db.prepare("SELECT * FROM audit_log WHERE action = 'portal.message'").all());
    expect(audit).toContain(uuid(1));
    expect(audit).not.toContain('rash');
    expect(audit).not.toContain('Rash');
  });

  it('the same id sent again answers 200 with what was kept, and nothing is kept twice (two at once too)', async () => {
    const again = await post(base(), { id: uuid(1), topic: 'Rash on my arm', text: 'The rash is spreading since Monday.' }, neema);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { threadId: string }).threadId).toBe(firstThread);
    const [a, b] = await Promise.all([1, 2].map(() => post(base(), { id: uuid(2), threadId: firstThread, text: 'It itches too.' }, neema)));
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    const [t] = await threads();
    expect(t.messages.map((m) => m.id)).toEqual([uuid(1), uuid(2)]);
    // The item is still new: a reply adds no second one.
    expect(await messageItems()).toHaveLength(1);
  });

  it('refuses a message without a topic or a thread, a too-long text and an unknown field, with the reason', async () => {
    const noTopic = await post(base(), { id: uuid(3), text: 'Hello' }, neema);
    expect(noTopic.status).toBe(400);
    expect(((await noTopic.json()) as { error: { message: string } }).error.message).toContain('Start a new conversation with a topic, or reply in one');
    const long = await post(base(), { id: uuid(3), topic: 'x', text: 'a'.repeat(4001) }, neema);
    expect(long.status).toBe(400);
    const extra = await post(base(), { id: uuid(3), topic: 'x', text: 'Hi', authorKind: 'staff' }, neema);
    expect(extra.status).toBe(400);
    const unknownThread = await post(base(), { id: uuid(3), threadId: uuid(999), text: 'Hi' }, neema);
    expect(unknownThread.status).toBe(404);
    expect((await threads()).flatMap((t) => t.messages)).toHaveLength(2);
  });

  it('a patient without a grant to the record gets 403 (audited) on every route, and nothing is written', async () => {
    const before = (await threads()).flatMap((t) => t.messages).length;
    const deniedBefore = (app.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'authz.denied' AND target = 'portal:messages'").get() as { n: number }).n;
    // Positive control: Baraka may write to his own record.
    expect((await post(base(OTHER), { id: uuid(10), topic: 'Repeat prescription', text: 'Hello' }, baraka)).status).toBe(201);
    expect((await post(base(), { id: uuid(11), topic: 'Not mine', text: 'Hello' }, baraka)).status).toBe(403);
    expect((await post(base(), { id: uuid(11), threadId: firstThread, text: 'Hello' }, baraka)).status).toBe(403);
    expect((await post(`${base()}/read`, { id: uuid(12), threadId: firstThread }, baraka)).status).toBe(403);
    expect((await fetch(`${app.url}${base()}`, { headers: { cookie: baraka } })).status).toBe(403);
    expect((await fetch(`${app.url}${base()}/photos/${uuid(13)}`, { headers: { cookie: baraka } })).status).toBe(403);
    // Staff are no patient: the portal routes refuse them too.
    expect((await post(base(), { id: uuid(14), topic: 'x', text: 'Hi' }, await sessionCookieFor(app.url, 'doc'))).status).toBe(403);
    expect((await threads()).flatMap((t) => t.messages)).toHaveLength(before);
    const deniedAfter = (app.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'authz.denied' AND target = 'portal:messages'").get() as { n: number }).n;
    expect(deniedAfter - deniedBefore).toBe(6);
  });

  it('a message kept whose inbox item was never raised (the server stopped in between) raises it when sent again', async () => {
    // The message reaches the record the way the route writes it, but no item follows.
    const device = await serverDoc(messagesName(OTHER));
    const sv = Y.encodeStateVector(device);
    const barakaId = (app.db.prepare("SELECT id FROM users WHERE username = 'baraka'").get() as { id: string }).id;
    const t = startThread(device, { topic: 'Lost answer', startedByKind: 'patient' }, { id: barakaId, name: 'Patient' }, uuid(80));
    addMessage(device, { threadId: t, text: 'Hello', authorKind: 'patient', relation: 'self' }, { id: barakaId, name: 'Patient' }, uuid(81));
    await app.sync.applyServerUpdate(messagesName(OTHER), clinicId, Y.encodeStateAsUpdate(device, sv), barakaId, 'system');
    const itemsOf = async () => listTasks(await serverDoc(tasksName(clinicId))).filter((x) => x.focus.ref === uuid(80));
    expect(await itemsOf()).toHaveLength(0);
    const again = await post(base(OTHER), { id: uuid(81), threadId: uuid(80), text: 'Hello' }, baraka);
    expect(again.status).toBe(200);
    expect((await itemsOf()).map((x) => [x.status, x.description])).toEqual([['requested', 'New message from the patient']]);
    // Once raised, sending it yet again adds nothing.
    expect((await post(base(OTHER), { id: uuid(81), threadId: uuid(80), text: 'Hello' }, baraka)).status).toBe(200);
    expect(await itemsOf()).toHaveLength(1);
  });

  it('a message id another account already used is a conflict, not a copy', async () => {
    const res = await post(base(OTHER), { id: uuid(1), topic: 'Taking over', text: 'Hello' }, baraka);
    // uuid(1) lives in another record: in Baraka's own record it is new.
    expect(res.status).toBe(201);
    const again = await post(base(OTHER), { id: uuid(10), topic: 'Repeat prescription', text: 'Hello' }, baraka);
    expect(again.status).toBe(200);
  });
});

describe('someone acting for the patient', () => {
  it('writes in the same record, marked as acting for the patient; the patient sees it is not theirs', async () => {
    const desk = await sessionCookieFor(app.url, 'desk');
    const inv = await post('/api/portal/invitations', { relation: 'proxy', patientId: PATIENT, proxyKind: 'parent', proxyName: 'Mama Neema' }, desk);
    const secret = ((await inv.json()) as { link: string }).link.split('#')[1];
    expect((await fetch(`${app.url}/api/portal/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret, birthDate: BIRTH, username: 'mama.neema', password: TEST_PASSWORD }) })).status).toBe(201);
    const mama = await sessionCookieFor(app.url, 'mama.neema');
    expect((await post(base(), { id: uuid(70), threadId: firstThread, text: 'She slept badly.' }, mama)).status).toBe(201);
    const kept = (await threads()).flatMap((t) => t.messages).find((m) => m.id === uuid(70))!;
    expect(kept).toMatchObject({ authorKind: 'patient', sentBy: 'Mama Neema', sentByRelation: 'proxy' });
    const view = (await (await fetch(`${app.url}${base()}`, { headers: { cookie: neema } })).json()) as { threads: { messages: { id: string; mine: boolean; sentBy: string }[] }[] };
    const seen = view.threads.flatMap((t) => t.messages);
    expect(seen.find((m) => m.id === uuid(70))).toMatchObject({ mine: false, sentBy: 'Mama Neema' });
    expect(seen.find((m) => m.id === uuid(1))).toMatchObject({ mine: true });
  });
});

describe('photos', () => {
  it('a PNG is kept, typed from its bytes; staff and the patient read it back, another patient cannot', async () => {
    const res = await post(base(), { id: uuid(20), threadId: firstThread, text: 'Photo of the rash', photo: { data: PNG.toString('base64') } }, neema);
    expect(res.status).toBe(201);
    const msg = (await threads()).flatMap((t) => t.messages).find((m) => m.id === uuid(20))!;
    expect(msg.photo).toMatchObject({ contentType: 'image/png', size: PNG.length });
    const staff = await fetch(`${app.url}/api/messages/${PATIENT}/photos/${msg.photo!.id}`, { headers: { cookie: await sessionCookieFor(app.url, 'desk') } });
    expect(staff.status).toBe(200);
    expect(staff.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await staff.arrayBuffer()).equals(PNG)).toBe(true);
    const mine = await fetch(`${app.url}${base()}/photos/${msg.photo!.id}`, { headers: { cookie: neema } });
    expect(mine.status).toBe(200);
    expect((await fetch(`${app.url}${base(OTHER)}/photos/${msg.photo!.id}`, { headers: { cookie: baraka } })).status).toBe(404);
    expect((await fetch(`${app.url}/api/messages/${PATIENT}/photos/${msg.photo!.id}`, { headers: { cookie: await sessionCookieFor(app.url, 'boss') } })).status).toBe(403);
    expect((await fetch(`${app.url}/api/messages/${PATIENT}/photos/${msg.photo!.id}`, { headers: { cookie: neema } })).status).toBe(403);
  });

  it('refuses a file that is not a JPEG or PNG (whatever it claims) and one over 3 MB; nothing is written', async () => {
    const before = (await threads()).flatMap((t) => t.messages).length;
    const rows = (app.db.prepare('SELECT count(*) AS n FROM attachments').get() as { n: number }).n;
    const html = Buffer.from('<html><script>alert(1)</script></html>');
    const notPhoto = await post(base(), { id: uuid(21), threadId: firstThread, text: 'See file', photo: { data: html.toString('base64') } }, neema);
    expect(notPhoto.status).toBe(400);
    expect(((await notPhoto.json()) as { error: { message: string } }).error.message).toBe('Only JPEG or PNG photos can be sent.');
    const gif = await post(base(), { id: uuid(21), threadId: firstThread, text: 'See file', photo: { data: Buffer.from('GIF89a......').toString('base64') } }, neema);
    expect(gif.status).toBe(400);
    const big = Buffer.alloc(3 * 1024 * 1024 + 1, 0x41);
    big.set([0xff, 0xd8, 0xff, 0xe0]);
    const tooBig = await post(base(), { id: uuid(21), threadId: firstThread, text: 'Big', photo: { data: big.toString('base64') } }, neema);
    expect(tooBig.status).toBe(400);
    expect(((await tooBig.json()) as { error: { message: string } }).error.message).toContain('Photos up to 3 MB can be sent.');
    expect((await threads()).flatMap((t) => t.messages)).toHaveLength(before);
    expect((app.db.prepare('SELECT count(*) AS n FROM attachments').get() as { n: number }).n).toBe(rows);
  });
});

describe('staff answer through the record', () => {
  it('an honest reply and the clinic’s read receipt are accepted; the patient sees both', async () => {
    const reply = await staffSends('doc', (d) => addMessage(d, { threadId: firstThread, text: 'Please send a photo and come on Friday.', authorKind: 'staff' }, { id: ids.doc, name: 'doc' }, uuid(30)));
    expect(reply.error).toBeUndefined();
    const read = await staffSends('desk', (d) => markClinicRead(d, firstThread, { id: ids.desk, name: 'desk' }));
    expect(read.error).toBeUndefined();
    const res = await fetch(`${app.url}${base()}`, { headers: { cookie: neema } });
    const view = (await res.json()) as { threads: { id: string; messages: { id: string; fromClinic: boolean; readByClinic: boolean | null; readByPatient: boolean | null; text: string; sentBy: string }[] }[] };
    const t = view.threads.find((x) => x.id === firstThread)!;
    expect(t.messages.find((m) => m.id === uuid(1))).toMatchObject({ fromClinic: false, readByClinic: true });
    expect(t.messages.find((m) => m.id === uuid(30))).toMatchObject({ fromClinic: true, text: 'Please send a photo and come on Friday.', sentBy: 'doc', readByPatient: false });
  });

  it('the patient opening the thread marks the clinic’s reply read, once', async () => {
    const first = await post(`${base()}/read`, { id: uuid(31), threadId: firstThread }, neema);
    expect(await first.json()).toEqual({ threadId: firstThread, marked: 1 });
    const stamped = (await threads()).flatMap((t) => t.messages).find((m) => m.id === uuid(30))!.patientReadAt;
    expect(stamped).not.toBe('');
    const again = await post(`${base()}/read`, { id: uuid(31), threadId: firstThread }, neema);
    expect(await again.json()).toEqual({ threadId: firstThread, marked: 0 });
    expect((await threads()).flatMap((t) => t.messages).find((m) => m.id === uuid(30))!.patientReadAt).toBe(stamped);
  });

  const msgOf = (d: Y.Doc, id: string) => d.getMap('messages').get(id) as Y.Map<unknown>;
  const refusals: [string, string, (d: Y.Doc) => void, string][] = [
    ['editing the patient’s message', 'doc', (d) => msgOf(d, uuid(1)).set('text', 'I feel fine.'), 'record.immutable'],
    ['editing another staff member’s reply', 'nurse', (d) => msgOf(d, uuid(30)).set('text', 'Come on Monday.'), 'record.immutable'],
    ['deleting a message', 'doc', (d) => d.getMap('messages').delete(uuid(1)), 'record.no-delete'],
    ['removing a read receipt', 'doc', (d) => msgOf(d, uuid(1)).delete('clinicReadAt'), 'record.no-field-delete'],
    ['a reply signed with another user’s id', 'nurse', (d) => addMessage(d, { threadId: firstThread, text: 'Forged', authorKind: 'staff' }, { id: ids.doc, name: 'doc' }, uuid(40)), 'provenance.forged-id'],
    ['a reply posing as the patient', 'nurse', (d) => addMessage(d, { threadId: firstThread, text: 'All better now', authorKind: 'patient' }, { id: ids.nurse, name: 'nurse' }, uuid(41)), 'messages.reply'],
    ['a reply in a conversation the record does not hold', 'nurse', (d) => {
      const e = new Y.Map<unknown>();
      d.getMap('messages').set(uuid(42), e);
      for (const [k, v] of Object.entries({ id: uuid(42), threadId: uuid(999), text: 'Hello', authorKind: 'staff', sentAt: new Date().toISOString(), sentBy: 'nurse', sentById: ids.nurse })) e.set(k, v);
    }, 'messages.reply'],
    ['a conversation that says neither who started it nor that it is the staff’s', 'nurse', (d) => {
      const e = new Y.Map<unknown>();
      d.getMap('threads').set(uuid(43), e);
      e.set('id', uuid(43));
      e.set('topic', 'Made up');
    }, 'messages.thread'],
    ['marking the clinic’s reply read by the patient', 'doc', (d) => msgOf(d, uuid(30)).set('patientReadAt', new Date().toISOString()), 'record.immutable'],
    ['a reply claiming to come from the patient’s side', 'nurse', (d) => {
      const e = new Y.Map<unknown>();
      d.getMap('messages').set(uuid(44), e);
      for (const [k, v] of Object.entries({ id: uuid(44), threadId: firstThread, text: 'Hello', authorKind: 'staff', sentAt: new Date().toISOString(), sentBy: 'nurse', sentById: ids.nurse, sentByRelation: 'self' })) e.set(k, v);
    }, 'messages.reply'],
    ['an extra field on a message', 'doc', (d) => msgOf(d, uuid(2)).set('note', 'hidden'), 'messages.fields']
  ];
  for (const [what, user, change, rule] of refusals) {
    it(`refuses ${what} (${rule})`, async () => {
      const before = JSON.stringify(await threads());
      const res = await staffSends(user, change);
      expect(res.error?.code).toBe('refused');
      expect(res.error?.rules).toContain(rule);
      expect(JSON.stringify(await threads())).toBe(before);
    });
  }

  it('refuses staff setting the patient’s receipt on a reply not yet read', async () => {
    const ok = await staffSends('nurse', (d) => addMessage(d, { threadId: firstThread, text: 'Any better?', authorKind: 'staff' }, { id: ids.nurse, name: 'nurse' }, uuid(50)));
    expect(ok.error).toBeUndefined();
    const res = await staffSends('doc', (d) => msgOf(d, uuid(50)).set('patientReadAt', new Date().toISOString()));
    expect(res.error?.rules).toContain('messages.receipt');
  });

  it('an administrator may not write (nor read) the messages', async () => {
    const res = await staffSends('boss', (d) => addMessage(d, { threadId: firstThread, text: 'Admin here', authorKind: 'staff' }, { id: ids.boss, name: 'boss' }, uuid(51)));
    expect(res.error?.code).toBe('forbidden');
  });

  it('a second receipt on a message already read is put back to the first', async () => {
    const first = (await threads()).flatMap((t) => t.messages).find((m) => m.id === uuid(1))!;
    const res = await staffSends('nurse', (d) => {
      const e = msgOf(d, uuid(1));
      e.set('clinicReadAt', new Date().toISOString());
      e.set('clinicReadBy', 'nurse');
      e.set('clinicReadById', ids.nurse);
    });
    expect(res.error).toBeUndefined();
    const after = (await threads()).flatMap((t) => t.messages).find((m) => m.id === uuid(1))!;
    expect([after.clinicReadAt, after.clinicReadBy]).toEqual([first.clinicReadAt, 'desk']);
  });
});

describe('the inbox item', () => {
  it('a reply on a thread whose item is done raises a new one; a reply while it is open does not', async () => {
    const [item] = await messageItems();
    const device = await serverDoc(tasksName(clinicId));
    const sv = Y.encodeStateVector(device);
    setTaskStatus(device, item.id, 'completed', { id: ids.doc, name: 'doc' });
    const cookie = await sessionCookieFor(app.url, 'doc');
    const done = await fetch(`${app.url}/api/sync/batch`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ docs: [], updates: [{ name: tasksName(clinicId), update: b64(Y.encodeStateAsUpdate(device, sv)) }] }) });
    expect(done.status).toBe(200);
    expect((await messageItems()).map((t) => t.status)).toEqual(['completed']);
    expect((await post(base(), { id: uuid(60), threadId: firstThread, text: 'It is worse today.' }, neema)).status).toBe(201);
    const items = await messageItems();
    expect(items.map((t) => [t.status, t.focus.ref, t.description]).sort()).toEqual([
      ['completed', firstThread, 'New message from the patient'],
      ['requested', firstThread, 'New reply from the patient']
    ]);
    expect((await post(base(), { id: uuid(61), threadId: firstThread, text: 'And swollen.' }, neema)).status).toBe(201);
    expect(await messageItems()).toHaveLength(2);
  });
});

describe('staff start a conversation with the patient', () => {
  it('a nurse and the front desk each start one (a topic and a first message); the patient sees both, from the clinic', async () => {
    const byNurse = await staffSends('nurse', (d) => startStaffConversation(d, { topic: 'Your lab results', text: 'Your blood count is back to normal.' }, { id: ids.nurse, name: 'nurse' }, { threadId: uuid(80), messageId: uuid(81) }));
    expect(byNurse.error).toBeUndefined();
    const byDesk = await staffSends('desk', (d) => startStaffConversation(d, { topic: 'Appointment reminder', text: 'Please bring your clinic card on Friday.' }, { id: ids.desk, name: 'desk' }, { threadId: uuid(82), messageId: uuid(83) }));
    expect(byDesk.error).toBeUndefined();
    const view = (await (await fetch(`${app.url}${base()}`, { headers: { cookie: neema } })).json()) as { threads: { id: string; topic: string; messages: { id: string; fromClinic: boolean; text: string; sentBy: string }[] }[] };
    expect(view.threads.find((t) => t.id === uuid(80))).toMatchObject({ topic: 'Your lab results', messages: [{ id: uuid(81), fromClinic: true, text: 'Your blood count is back to normal.', sentBy: 'nurse' }] });
    expect(view.threads.find((t) => t.id === uuid(82))).toMatchObject({ topic: 'Appointment reminder', messages: [{ id: uuid(83), fromClinic: true, sentBy: 'desk' }] });
    expect((await threads()).find((t) => t.id === uuid(80))!.startedByKind).toBe('staff');
    expect(((await serverDoc(messagesName(PATIENT))).getMap('threads').get(uuid(80)) as Y.Map<unknown>).get('startedById')).toBe(ids.nurse);
    // The patient answers in it like in any conversation.
    expect((await post(base(), { id: uuid(84), threadId: uuid(80), text: 'Thank you!' }, neema)).status).toBe(201);
  });

  const rawThread = (d: Y.Doc, id: string, fields: Record<string, unknown>) => {
    const e = new Y.Map<unknown>();
    d.getMap('threads').set(id, e);
    for (const [k, v] of Object.entries(fields)) e.set(k, v);
  };
  const staffThread = (id: string, by: string) => ({ id, topic: 'Check-up', startedByKind: 'staff', startedAt: new Date().toISOString(), startedBy: by, startedById: ids[by] });
  const refusals: [string, string, (d: Y.Doc) => void, string][] = [
    ['a conversation posing as the patient’s', 'nurse', (d) => startThread(d, { topic: 'I feel fine', startedByKind: 'patient' }, { id: ids.nurse, name: 'nurse' }, uuid(90)), 'messages.thread'],
    ['a conversation started in another user’s name', 'nurse', (d) => startStaffConversation(d, { topic: 'Forged', text: 'In the doctor’s name' }, { id: ids.doc, name: 'doc' }, { threadId: uuid(91) }), 'provenance.forged-id'],
    ['a conversation with no topic', 'nurse', (d) => rawThread(d, uuid(92), { ...staffThread(uuid(92), 'nurse'), topic: '  ' }), 'messages.thread'],
    ['a conversation that names no one', 'desk', (d) => rawThread(d, uuid(93), { id: uuid(93), topic: 'Anonymous', startedByKind: 'staff', startedAt: new Date().toISOString() }), 'messages.thread'],
    ['a conversation with an extra field', 'doc', (d) => rawThread(d, uuid(94), { ...staffThread(uuid(94), 'doc'), hidden: 'x' }), 'messages.thread'],
    ['a conversation kept under another id', 'doc', (d) => rawThread(d, uuid(95), staffThread(uuid(96), 'doc')), 'messages.thread']
  ];
  for (const [what, user, change, rule] of refusals) {
    it(`refuses ${what} (${rule})`, async () => {
      const before = JSON.stringify(await threads());
      const res = await staffSends(user, change);
      expect(res.error?.code).toBe('refused');
      expect(res.error?.rules).toContain(rule);
      expect(JSON.stringify(await threads())).toBe(before);
    });
  }

  it('an administrator may not start one', async () => {
    const res = await staffSends('boss', (d) => startStaffConversation(d, { topic: 'Admin', text: 'Hello' }, { id: ids.boss, name: 'boss' }, { threadId: uuid(97) }));
    expect(res.error?.code).toBe('forbidden');
  });
});
