import { base64url, compactDecrypt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addAllergy, initChartDoc } from '../../src/lib/chart/chart-doc';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';

/**
 * A printed transfer's QR code as a SMART Health Link, on the real server:
 * the clinician's print answers a `shlink:/` whose key decrypts the file
 * the link's URL serves once; a second fetch, an expired link, an unknown
 * id and a fetch without a recipient are refused, each audited. The server
 * keeps no key.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const PID = '0b7e1f3a-5c2d-4e8f-9a1b-2c3d4e5f6a70';
const ALLERGY = 'a1111111-1111-4111-8111-111111111111';
const DAY = 24 * 60 * 60 * 1000;

let app: TestApp;
let nowMs = Date.UTC(2026, 11, 6, 9, 0, 0);
let doc: string;
let nurse: string;

beforeAll(async () => {
  app = await startTestApp({ healthLinks: { now: () => nowMs } });
  const { clinicId } = await addClinic(app, 'North Clinic', [
    { username: 'doc', roles: ['clinician'] },
    { username: 'nurse', roles: ['nurse'] }
  ]);
  const actor = { id: 'seed', name: 'Dr Seed' };
  const patient = new Y.Doc();
  initPatientDoc(patient, PID, { family: 'Okafor', given: ['Ada'], birthDate: '1980-04-02', gender: 'female' }, actor, 'OP-1');
  const chart = new Y.Doc();
  initChartDoc(chart, PID);
  addAllergy(chart, { substance: 'Penicillin', category: 'medication', recordedDate: '2026-01-05' }, actor, ALLERGY);
  await app.sync.applyServerUpdate(`patient:${PID}`, clinicId, Y.encodeStateAsUpdate(patient), 'seed', 'seed');
  await app.sync.applyServerUpdate(`chart:${PID}`, clinicId, Y.encodeStateAsUpdate(chart), 'seed', 'seed');
  [doc, nurse] = await Promise.all([sessionCookieFor(app.url, 'doc'), sessionCookieFor(app.url, 'nurse')]);
});

afterAll(async () => {
  await app.stop();
});

async function print(cookie = doc): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${app.url}/api/patients/${PID}/transfer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ print: true, reason: 'Asthma follow-up near home', noteIds: [] })
  });
  return { status: res.status, body: (await res.json()) as Json };
}

/** The link's payload, as a reader decodes it from the QR code. */
function payloadOf(shlink: string): Json {
  expect(shlink).toMatch(/^shlink:\/[A-Za-z0-9_-]+$/);
  return JSON.parse(new TextDecoder().decode(base64url.decode(shlink.slice('shlink:/'.length)))) as Json;
}

const fetchLink = (url: string, recipient: string | null = 'Valley Clinic') => fetch(recipient === null ? url : `${url}?recipient=${encodeURIComponent(recipient)}`);

const linkAudit = () =>
  (app.db.prepare("SELECT outcome, target, detail FROM audit_log WHERE action = 'transfer.link' ORDER BY seq").all() as { outcome: string; target: string; detail: string }[]).map((r) => ({
    outcome: r.outcome,
    target: r.target,
    detail: JSON.parse(r.detail) as Json
  }));

describe('printed transfer: SMART Health Link', () => {
  it('the link decrypts to the transfer document, once; the second fetch is 404, both audited', async () => {
    const r = await print();
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const p = payloadOf(r.body.shlink);
    expect(Object.keys(p).sort()).toEqual(['exp', 'flag', 'key', 'label', 'url']);
    expect(p.url).toMatch(new RegExp(`^${app.url}/api/shl/[A-Za-z0-9_-]{43}$`));
    expect(p.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p).toMatchObject({ flag: 'U', label: 'Referral from North Clinic', exp: Math.floor((nowMs + 7 * DAY) / 1000) });
    expect(r.body.expiresAt).toBe(new Date(nowMs + 7 * DAY).toISOString());
    expect(r.body.bundle).toMatchObject({ resourceType: 'Bundle', type: 'document' });
    // The QR code must fit: the whole link stays short.
    expect(r.body.shlink.length).toBeLessThan(400);

    const res = await fetchLink(p.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/jose');
    const jwe = await res.text();
    const { plaintext, protectedHeader } = await compactDecrypt(jwe, base64url.decode(p.key));
    expect(protectedHeader).toMatchObject({ alg: 'dir', enc: 'A256GCM' });
    const bundle = JSON.parse(new TextDecoder().decode(plaintext)) as Json;
    expect(bundle).toEqual(r.body.bundle);
    expect(bundle.entry.map((e: Json) => e.resource.id)).toContain(ALLERGY);

    const again = await fetchLink(p.url);
    expect(again.status).toBe(404);
    const id = p.url.split('/').at(-1);
    expect(linkAudit().slice(-2)).toEqual([
      { outcome: 'success', target: `transfer-link:${id}`, detail: { recipient: 'Valley Clinic' } },
      { outcome: 'failure', target: `transfer-link:${id}`, detail: { recipient: 'Valley Clinic', reason: 'used' } }
    ]);
    const printed = app.db.prepare("SELECT user_id, detail FROM audit_log WHERE action = 'transfer.print' ORDER BY seq DESC LIMIT 1").get() as { user_id: string; detail: string };
    expect(JSON.parse(printed.detail)).toMatchObject({ link: id, notes: 0 });
  });

  it('the server keeps no key: its copy is ciphertext only, and gone once used', async () => {
    const r = await print();
    const p = payloadOf(r.body.shlink);
    const id = p.url.split('/').at(-1);
    const row = app.db.prepare('SELECT * FROM transfer_links WHERE id = ?').get(id) as Record<string, unknown>;
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(p.key);
    expect(stored).not.toContain('Okafor');
    expect(String(row.jwe).split('.')).toHaveLength(5);
    expect((await fetchLink(p.url)).status).toBe(200);
    expect((app.db.prepare('SELECT jwe FROM transfer_links WHERE id = ?').get(id) as { jwe: string }).jwe).toBe('');
  });

  it('an expired link is 404 (audited as expired); a fresh one still answers', async () => {
    const old = payloadOf((await print()).body.shlink);
    nowMs += 7 * DAY;
    const fresh = payloadOf((await print()).body.shlink);
    expect((await fetchLink(old.url)).status).toBe(404);
    expect(linkAudit().at(-1)).toMatchObject({ outcome: 'failure', detail: { reason: 'expired' } });
    expect((await fetchLink(fresh.url)).status).toBe(200);
  });

  it('an unknown or malformed id is 404; without a recipient 400, and the link is not used up', async () => {
    const unknown = await fetchLink(`${app.url}/api/shl/${'A'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as Json).error.message).toBe('This link is not active (unknown, already used or expired); ask the sending clinic for a new one.');
    expect(linkAudit().at(-1)).toMatchObject({ outcome: 'failure', target: `transfer-link:${'A'.repeat(43)}`, detail: { reason: 'unknown' } });
    expect((await fetchLink(`${app.url}/api/shl/short`)).status).toBe(404);
    expect(linkAudit().at(-1)).toMatchObject({ target: 'transfer-link:unknown' });

    const p = payloadOf((await print()).body.shlink);
    const none = await fetchLink(p.url, null);
    expect(none.status).toBe(400);
    expect(linkAudit().at(-1)).toMatchObject({ outcome: 'failure', detail: { reason: 'no-recipient' } });
    expect((await fetchLink(p.url)).status).toBe(200);
  });

  it('a wrong key does not open the file', async () => {
    const p = payloadOf((await print()).body.shlink);
    const jwe = await (await fetchLink(p.url)).text();
    const wrong = new Uint8Array(32).fill(7);
    await expect(compactDecrypt(jwe, wrong)).rejects.toThrow();
  });

  it('only a clinician prints (a nurse is refused, no link made)', async () => {
    const before = (app.db.prepare('SELECT COUNT(*) AS n FROM transfer_links').get() as { n: number }).n;
    const r = await print(nurse);
    expect(r.status).toBe(403);
    expect((app.db.prepare('SELECT COUNT(*) AS n FROM transfer_links').get() as { n: number }).n).toBe(before);
  });
});
