import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { newMrn } from '../../src/lib/domain/patient';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import { LIVEKIT, postJson } from '../telehealth/telehealth-test-support';
import { createLogProvider } from './log-provider';
import { maskRecipient, normaliseEmail, normalisePhone } from './message-provider';
import { messageProviderFromEnv } from './messaging-config';
import { createWebhookProvider } from './webhook-provider';

/**
 * Join links sent by SMS or e-mail, end to end: the whole app configured
 * with the webhook provider pointing at a real HTTP listener on loopback
 * (standing in for the clinic's SMS gateway or mail relay, which cannot run
 * here), which must receive each message. Refusals of bad input, of roles
 * that may not send and of other clinics, the rate limit, the audit, and
 * what the log-only provider writes.
 */
let app: TestApp;
let patient: string;
let desk: string;
let admin: string;
let otherDesk: string;
let deskId: string;
const received: { auth: string | undefined; body: Record<string, string> }[] = [];
let gateway: http.Server;
let gatewayStatus = 200;
const TOKEN = 'gateway-token-0123456789';

beforeAll(async () => {
  gateway = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString('utf8')));
    req.on('end', () => {
      received.push({ auth: req.headers.authorization, body: JSON.parse(data) as Record<string, string> });
      res.writeHead(gatewayStatus).end();
    });
  });
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/send`;
  app = await startTestApp({ telehealth: LIVEKIT, messages: createWebhookProvider({ url, token: TOKEN }) });
  const a = await addClinic(app, 'Lakeside', [
    { username: 'lake.desk', roles: ['frontdesk'] },
    { username: 'lake.admin', roles: ['admin'] }
  ]);
  await addClinic(app, 'Hillside', [{ username: 'hill.desk', roles: ['frontdesk'] }]);
  deskId = a.ids['lake.desk'];
  const id = randomUUID();
  const doc = new Y.Doc();
  initPatientDoc(doc, id, { family: 'Phiri', given: ['Mphatso'], birthDate: '1970-08-09', gender: 'female' }, { id: 'x', name: 'Outpost import' }, newMrn());
  await app.sync.applyServerUpdate(docName('patient', id), a.clinicId, Y.encodeStateAsUpdate(doc), deskId);
  patient = id;
  desk = await sessionCookieFor(app.url, 'lake.desk');
  admin = await sessionCookieFor(app.url, 'lake.admin');
  otherDesk = await sessionCookieFor(app.url, 'hill.desk');
});

afterAll(async () => {
  await app.stop();
  await new Promise((r) => gateway.close(r));
});

async function newLink(): Promise<{ linkId: string; path: string }> {
  const r = await postJson(`${app.url}/api/telehealth/links`, { scope: 'patient', visitId: randomUUID(), patientId: patient }, desk);
  return (await r.json()) as { linkId: string; path: string };
}
const send = async (body: unknown, cookie = desk) => {
  const r = await postJson(`${app.url}/api/telehealth/links/send`, body, cookie);
  return { status: r.status, body: (await r.json()) as { error?: { message: string; details?: { path: string; message: string }[] } } & Record<string, unknown> };
};
const sendAudit = () =>
  (app.db.prepare("SELECT outcome, user_id, detail FROM audit_log WHERE action = 'telehealth.link.send' ORDER BY seq").all() as { outcome: string; user_id: string; detail: string }[]).map((r) => ({
    ...r,
    detail: JSON.parse(r.detail) as Record<string, unknown>
  }));

describe('sending a join link', () => {
  it('by SMS and by e-mail: the gateway on loopback receives each message with the link; the send is audited with the recipient masked', async () => {
    const link = await newLink();
    received.length = 0;
    const sms = await send({ linkId: link.linkId, channel: 'sms', to: '+255 712-345 678' });
    expect(sms).toEqual({ status: 200, body: { sent: true, provider: 'webhook', to: '•••••••••••78' } });
    const mail = await send({ linkId: link.linkId, channel: 'email', to: 'Mphatso.Phiri@Example.org' });
    expect(mail.body).toEqual({ sent: true, provider: 'webhook', to: 'm•••@•••.org' });
    expect(received).toHaveLength(2);
    expect(received[0].auth).toBe(`Bearer ${TOKEN}`);
    expect(received[0].body).toMatchObject({ channel: 'sms', to: '+255712345678', linkId: link.linkId, subject: 'Your video visit link' });
    expect(received[0].body.body).toContain(`${app.url}${link.path}`);
    expect(received[1].body).toMatchObject({ channel: 'email', to: 'mphatso.phiri@example.org' });
    const audit = sendAudit().slice(-2);
    expect(audit).toEqual([
      { outcome: 'success', user_id: deskId, detail: { linkId: link.linkId, channel: 'sms', provider: 'webhook', to: '•••••••••••78' } },
      { outcome: 'success', user_id: deskId, detail: { linkId: link.linkId, channel: 'email', provider: 'webhook', to: 'm•••@•••.org' } }
    ]);
    expect(JSON.stringify(audit)).not.toContain(link.path.split('/').pop());
  });

  it.each([
    ['a number without country code', { channel: 'sms', to: '0712 345 678' }, 'Not a phone number'],
    ['letters for a number', { channel: 'sms', to: '+255 call me' }, 'Not a phone number'],
    ['a number too long for E.164', { channel: 'sms', to: '+1234567890123456' }, 'Not a phone number'],
    ['an address without a domain', { channel: 'email', to: 'mphatso@' }, 'Not an e-mail address'],
    ['a phone number sent as e-mail', { channel: 'email', to: '+255712345678' }, 'Not an e-mail address']
  ])('%s is refused with a readable error; nothing is sent', async (_, fields, message) => {
    const link = await newLink();
    received.length = 0;
    const r = await send({ linkId: link.linkId, ...fields });
    expect(r.status).toBe(400);
    expect(r.body.error?.message).toBe(message);
    expect(r.body.error?.details?.[0].path).toBe('to');
    expect(received).toHaveLength(0);
  });

  it('an unknown channel, an empty recipient or a link id that is not one are refused', async () => {
    const link = await newLink();
    expect((await send({ linkId: link.linkId, channel: 'fax', to: '+255712345678' })).status).toBe(400);
    expect((await send({ linkId: link.linkId, channel: 'sms', to: '  ' })).status).toBe(400);
    expect((await send({ linkId: 'x', channel: 'sms', to: '+255712345678' })).status).toBe(400);
    expect((await send({ linkId: randomUUID(), channel: 'sms', to: '+255712345678' })).status).toBe(404);
  });

  it("a role that makes no links, another clinic's staff and no session are refused; a revoked link is not sent", async () => {
    const link = await newLink();
    received.length = 0;
    const adm = await send({ linkId: link.linkId, channel: 'sms', to: '+255712345678' }, admin);
    expect(adm.status).toBe(403);
    const other = await send({ linkId: link.linkId, channel: 'sms', to: '+255712345678' }, otherDesk);
    expect(other.status).toBe(404);
    expect((await postJson(`${app.url}/api/telehealth/links/send`, { linkId: link.linkId, channel: 'sms', to: '+255712345678' })).status).toBe(401);
    await postJson(`${app.url}/api/telehealth/links/revoke`, { linkId: link.linkId }, desk);
    const revoked = await send({ linkId: link.linkId, channel: 'sms', to: '+255712345678' });
    expect(revoked.status).toBe(409);
    expect(received).toHaveLength(0);
  });

  it('a link is sent at most three times an hour; the fourth is refused and audited', async () => {
    const link = await newLink();
    for (let i = 0; i < 3; i++) expect((await send({ linkId: link.linkId, channel: 'sms', to: '+255712345678' })).status).toBe(200);
    const fourth = await send({ linkId: link.linkId, channel: 'sms', to: '+255712345678' });
    expect(fourth.status).toBe(429);
    expect(fourth.body.error?.message).toBe('This link was sent several times in the last hour. Wait, or call the patient.');
    expect(sendAudit().at(-1)).toMatchObject({ outcome: 'failure', detail: { linkId: link.linkId, reason: 'rate-limited' } });
  });

  it('a gateway that refuses the message: a readable error, audited as a failure', async () => {
    const link = await newLink();
    gatewayStatus = 500;
    try {
      const r = await send({ linkId: link.linkId, channel: 'sms', to: '+255712345678' });
      expect(r.status).toBe(503);
      expect(r.body.error?.message).toBe('The message service refused the message (status 500). Try again, or send the link another way.');
      expect(sendAudit().at(-1)).toMatchObject({ outcome: 'failure', detail: { linkId: link.linkId, reason: 'delivery' } });
    } finally {
      gatewayStatus = 200;
    }
  });
});

describe('providers', () => {
  it('the log-only provider writes channel, masked recipient and link id, never the text, number or address', async () => {
    const lines: string[] = [];
    const provider = createLogProvider({ info: (l) => lines.push(l), warn: () => {}, error: () => {} });
    await provider.send({ channel: 'sms', to: '+255712345678', linkId: 'L1', subject: 's', body: 'https://clinic/join/SECRET' });
    await provider.send({ channel: 'email', to: 'mphatso@example.org', linkId: 'L2', subject: 's', body: 'https://clinic/join/SECRET' });
    expect(lines).toEqual([
      'message logged, not sent (log-only provider): channel=sms to=•••••••••••78 link=L1',
      'message logged, not sent (log-only provider): channel=email to=m•••@•••.org link=L2'
    ]);
  });

  it('configuration from the environment: log by default, webhook only over https (http to loopback), a bad setting names the variable', () => {
    const logger = { info: () => {}, warn: () => {}, error: () => {} };
    expect(messageProviderFromEnv({}, logger).name).toBe('log');
    expect(messageProviderFromEnv({ OUTPOST_MESSAGE_PROVIDER: 'webhook', OUTPOST_MESSAGE_WEBHOOK_URL: 'https://sms.example.org/send', OUTPOST_MESSAGE_WEBHOOK_TOKEN: TOKEN }, logger).name).toBe('webhook');
    expect(() => messageProviderFromEnv({ OUTPOST_MESSAGE_PROVIDER: 'webhook', OUTPOST_MESSAGE_WEBHOOK_URL: 'http://sms.example.org/send', OUTPOST_MESSAGE_WEBHOOK_TOKEN: TOKEN }, logger)).toThrow(
      'OUTPOST_MESSAGE_WEBHOOK_URL must be https (plain http only to this machine)'
    );
    expect(() => messageProviderFromEnv({ OUTPOST_MESSAGE_PROVIDER: 'webhook', OUTPOST_MESSAGE_WEBHOOK_URL: 'https://sms.example.org/send', OUTPOST_MESSAGE_WEBHOOK_TOKEN: 'short' }, logger)).toThrow('OUTPOST_MESSAGE_WEBHOOK_TOKEN must be at least 16 characters');
    expect(() => messageProviderFromEnv({ OUTPOST_MESSAGE_PROVIDER: 'carrier-pigeon' }, logger)).toThrow('OUTPOST_MESSAGE_PROVIDER must be log or webhook');
  });

  it('recipients: E.164 numbers and e-mail addresses normalised, masks keep two digits or one letter', () => {
    expect(normalisePhone('+255 (712) 345-678')).toBe('+255712345678');
    expect(normalisePhone('+0255712345678')).toBeNull();
    expect(normaliseEmail(' A@B.CO ')).toBe('a@b.co');
    expect(normaliseEmail('a b@c.co')).toBeNull();
    expect(maskRecipient('sms', '+255712345678')).toBe('•••••••••••78');
  });
});
