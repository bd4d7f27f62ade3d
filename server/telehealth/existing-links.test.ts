import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { newMrn } from '../../src/lib/domain/patient';
import { addClinic, getJson, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import { createLinkSealer } from './link-seal';
import { LIVEKIT, postJson } from './telehealth-test-support';

/**
 * The desk makes a patient's join link when booking; the clinician's video
 * console asks the server for the visit's working links and shows that same
 * link instead of offering to make another. Against the whole app: real
 * HTTP, the real key file, the real audit log.
 */
let app: TestApp;
let patient: string;
let desk: string;
let doctor: string;
let admin: string;
let otherDesk: string;

type Shown = { links: { linkId: string; scope: string; path: string | null; token: string | null; expiresAt: string; createdAt: string; language: string | null }[] };

beforeAll(async () => {
  app = await startTestApp({ telehealth: LIVEKIT });
  const a = await addClinic(app, 'Lakeside', [
    { username: 'lake.desk', roles: ['frontdesk'] },
    { username: 'lake.doc', roles: ['clinician'] },
    { username: 'lake.admin', roles: ['admin'] }
  ]);
  await addClinic(app, 'Hillside', [{ username: 'hill.desk', roles: ['frontdesk'] }]);
  const id = randomUUID();
  const doc = new Y.Doc();
  initPatientDoc(doc, id, { family: 'Phiri', given: ['Mphatso'], birthDate: '1970-08-09', gender: 'female' }, { id: 'x', name: 'Outpost import' }, newMrn());
  await app.sync.applyServerUpdate(docName('patient', id), a.clinicId, Y.encodeStateAsUpdate(doc), a.ids['lake.desk']);
  patient = id;
  desk = await sessionCookieFor(app.url, 'lake.desk');
  doctor = await sessionCookieFor(app.url, 'lake.doc');
  admin = await sessionCookieFor(app.url, 'lake.admin');
  otherDesk = await sessionCookieFor(app.url, 'hill.desk');
});

afterAll(async () => {
  await app.stop();
});

const shown = async (visitId: string, cookie: string) => {
  const r = await getJson(app.url, `/api/telehealth/links?visitId=${visitId}`, cookie);
  return { status: r.status, body: (await r.json()) as Shown & { error?: { message: string } } };
};

describe('existing join links', () => {
  it("the clinician sees the link the desk made (the same URL), audited; a revoked link is no longer shown", async () => {
    const visitId = randomUUID();
    expect(await shown(visitId, doctor)).toEqual({ status: 200, body: { links: [] } });
    const made = (await (await postJson(`${app.url}/api/telehealth/links`, { scope: 'patient', visitId, patientId: patient, language: 'sw' }, desk)).json()) as { linkId: string; path: string; expiresAt: string };
    const first = await shown(visitId, doctor);
    expect(first.status).toBe(200);
    expect(first.body.links).toHaveLength(1);
    expect(first.body.links[0]).toMatchObject({ linkId: made.linkId, scope: 'patient', path: made.path, expiresAt: made.expiresAt, language: 'sw' });
    const audit = app.db.prepare("SELECT target, detail FROM audit_log WHERE action = 'telehealth.link.show'").all() as { target: string; detail: string }[];
    expect(audit.map((a) => ({ target: a.target, detail: JSON.parse(a.detail) as unknown }))).toEqual([{ target: `visit:${visitId}`, detail: { linkIds: [made.linkId], shown: 1 } }]);

    await postJson(`${app.url}/api/telehealth/links/revoke`, { linkId: made.linkId }, desk);
    expect((await shown(visitId, doctor)).body).toEqual({ links: [] });
  });

  it('the database keeps the secret sealed, never in the clear; the key lives in its own file', async () => {
    const visitId = randomUUID();
    const made = (await (await postJson(`${app.url}/api/telehealth/links`, { scope: 'patient', visitId, patientId: patient }, desk)).json()) as { linkId: string; token: string };
    const row = app.db.prepare('SELECT token_sealed FROM telehealth_join_links WHERE id = ?').get(made.linkId) as { token_sealed: string };
    expect(row.token_sealed.startsWith('v1.')).toBe(true);
    expect(row.token_sealed).not.toContain(made.token);
    const keyFile = path.join(app.dataDir, 'join-link-key');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    // Positive control: the file's key opens it; another key does not.
    const key = Buffer.from(fs.readFileSync(keyFile, 'utf8').trim(), 'base64');
    expect(createLinkSealer(key).open(row.token_sealed)).toBe(made.token);
    expect(createLinkSealer(Buffer.alloc(32, 7)).open(row.token_sealed)).toBeNull();
    const tampered = row.token_sealed.slice(0, -2) + (row.token_sealed.endsWith('A') ? 'BB' : 'AA');
    expect(createLinkSealer(key).open(tampered)).toBeNull();
  });

  it("another clinic's staff are answered not found, a role that makes no links is refused, and a bad visit id is a readable error", async () => {
    const visitId = randomUUID();
    await postJson(`${app.url}/api/telehealth/links`, { scope: 'patient', visitId, patientId: patient }, desk);
    const other = await shown(visitId, otherDesk);
    expect(other.status).toBe(404);
    expect(other.body.error?.message).toBe('There is no such video visit.');
    const adm = await shown(visitId, admin);
    expect(adm.status).toBe(403);
    expect(adm.body.error?.message).toBe('Your role does not allow this for video visits.');
    const bad = await shown('not-a-uuid', doctor);
    expect(bad.status).toBe(400);
    expect((await getJson(app.url, `/api/telehealth/links?visitId=${visitId}`)).status).toBe(401);
  });
});
