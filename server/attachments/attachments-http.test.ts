import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addAttachment } from '../../src/lib/chart/attachment-doc';
import { initChartDoc } from '../../src/lib/chart/chart-doc';
import { isAttachmentContentType, MAX_ATTACHMENT_BYTES } from '../../src/lib/domain/attachments';
import { docName } from '../../src/lib/domain/doc-names';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';

/** The attachment endpoints against the real server: real HTTP, real SQLite, real audit log. */
let app: TestApp;
let patientA: string;
let patientB: string;
let clinicA: string;
const cookies: Record<string, string> = {};
const lines: string[] = [];

/** A tiny but well-formed PNG (1×1, the 8-byte signature first). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64'
);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function chartOnServer(clinicId: string, userId: string): Promise<string> {
  const id = crypto.randomUUID();
  const doc = new Y.Doc();
  initChartDoc(doc, id);
  await app.sync.applyServerUpdate(docName('chart', id), clinicId, Y.encodeStateAsUpdate(doc), userId);
  return id;
}

/** Records the file in the server's copy of the chart, as the device's sync does before it uploads. */
async function chartEntry(patientId: string, id: string, body: Buffer, type: string, clinicId = clinicA): Promise<void> {
  if (!isAttachmentContentType(type) || body.length > MAX_ATTACHMENT_BYTES) return;
  const name = docName('chart', patientId);
  const doc = new Y.Doc();
  const state = await app.sync.readState(name, clinicId).catch(() => null);
  if (!state) return;
  Y.applyUpdate(doc, state);
  const before = Y.encodeStateVector(doc);
  if (doc.getMap('attachments').has(id)) return;
  addAttachment(doc, { title: 'Scan', contentType: type, size: body.length, sha256: sha(body) }, { id: 'u', name: 'Nurse' }, id);
  await app.sync.applyServerUpdate(name, clinicId, Y.encodeStateAsUpdate(doc, before), 'seed');
}

async function upload(who: string, patientId: string, id: string, body: Buffer, type = 'image/png', hash = sha(body)): Promise<Response> {
  await chartEntry(patientId, id, body, type);
  return send(who, patientId, id, body, type, hash);
}

function send(who: string, patientId: string, id: string, body: Buffer, type: string, hash: string): Promise<Response> {
  return fetch(`${app.url}/api/charts/${patientId}/attachments/${id}`, {
    method: 'POST',
    headers: { cookie: cookies[who] ?? '', 'content-type': type, 'x-content-sha256': hash },
    body: new Uint8Array(body)
  });
}

function download(who: string, patientId: string, id: string): Promise<Response> {
  return fetch(`${app.url}/api/charts/${patientId}/attachments/${id}`, { headers: { cookie: cookies[who] ?? '' } });
}

async function code(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

beforeAll(async () => {
  app = await startTestApp({ logger: (line) => lines.push(line) });
  const a = await addClinic(app, 'Clinic A', [
    { username: 'a.clinician', roles: ['clinician'] },
    { username: 'a.nurse', roles: ['nurse'] },
    { username: 'a.desk', roles: ['frontdesk'] },
    { username: 'a.admin', roles: ['admin'] }
  ]);
  const b = await addClinic(app, 'Clinic B', [{ username: 'b.nurse', roles: ['nurse'] }]);
  clinicA = a.clinicId;
  patientA = await chartOnServer(a.clinicId, a.ids['a.clinician']);
  patientB = await chartOnServer(b.clinicId, b.ids['b.nurse']);
  for (const u of ['a.clinician', 'a.nurse', 'a.desk', 'a.admin', 'b.nurse']) cookies[u] = await sessionCookieFor(app.url, u);
});

afterAll(async () => {
  await app.stop();
});

describe('POST /api/charts/:patientId/attachments/:id', () => {
  it('stores a photo once, verified by SHA-256, and answers a retry without storing it again', async () => {
    const id = crypto.randomUUID();
    const first = await upload('a.nurse', patientA, id, PNG);
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ id, sha256: sha(PNG), size: PNG.length, stored: true });
    const again = await upload('a.nurse', patientA, id, PNG);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { stored: boolean }).stored).toBe(false);
    const rows = app.db.prepare('SELECT size, sha256, content_type AS type FROM attachments WHERE id = ?').all(id);
    expect(rows).toEqual([{ size: PNG.length, sha256: sha(PNG), type: 'image/png' }]);
  });

  it('is audited by ids and size, never by content', async () => {
    const id = crypto.randomUUID();
    expect((await upload('a.clinician', patientA, id, PDF, 'application/pdf')).status).toBe(201);
    const row = app.db
      .prepare("SELECT target, detail FROM audit_log WHERE action = 'attachment.upload' AND detail LIKE ? ")
      .get(`%${id}%`) as { target: string; detail: string };
    expect(row.target).toBe(`chart:${patientA}`);
    expect(JSON.parse(row.detail)).toEqual({ attachment: id, contentType: 'application/pdf', size: PDF.length });
  });

  it('refuses a body whose hash does not match, and stores nothing', async () => {
    const id = crypto.randomUUID();
    const res = await upload('a.nurse', patientA, id, PNG, 'image/png', sha(PDF));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/SHA-256 does not match/);
    expect(app.db.prepare('SELECT count(*) AS n FROM attachments WHERE id = ?').get(id)).toEqual({ n: 0 });
  });

  it.each([
    ['text/html', Buffer.from('<script>alert(1)</script>')],
    ['image/svg+xml', Buffer.from('<svg onload="alert(1)"/>')],
    ['application/octet-stream', PNG]
  ])('refuses the media type %s', async (type, body) => {
    const res = await upload('a.nurse', patientA, crypto.randomUUID(), body, type);
    expect(res.status).toBe(400);
    expect(await code(res)).toBe('invalid');
  });

  it('refuses a file that is not what its media type says (a page renamed .jpg)', async () => {
    const res = await upload('a.nurse', patientA, crypto.randomUUID(), Buffer.from('<html>hi</html>'), 'image/jpeg');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/not a image\/jpeg file/);
  });

  it('refuses more than 10 MiB with 413', async () => {
    const big = Buffer.alloc(MAX_ATTACHMENT_BYTES + 1, 0);
    PDF.copy(big);
    const res = await upload('a.nurse', patientA, crypto.randomUUID(), big, 'application/pdf');
    expect(res.status).toBe(413);
    expect(await code(res)).toBe('too-large');
  });

  it('refuses another file under an existing id with 409', async () => {
    const id = crypto.randomUUID();
    expect((await upload('a.nurse', patientA, id, PNG)).status).toBe(201);
    const res = await upload('a.nurse', patientA, id, PDF, 'application/pdf');
    expect(res.status).toBe(409);
  });

  it('stores only what the chart entry names: 404 before the entry has synced, 409 for other bytes', async () => {
    const id = crypto.randomUUID();
    const early = await send('a.nurse', patientA, id, PNG, 'image/png', sha(PNG));
    expect(early.status).toBe(404);
    expect(((await early.json()) as { error: { message: string } }).error.message).toMatch(/chart entry for this file is not on the clinic server yet/);
    await chartEntry(patientA, id, PDF, 'application/pdf');
    const other = await send('a.nurse', patientA, id, PNG, 'image/png', sha(PNG));
    expect(other.status).toBe(409);
    expect(app.db.prepare('SELECT count(*) AS n FROM attachments WHERE id = ?').get(id)).toEqual({ n: 0 });
    expect((await send('a.nurse', patientA, id, PDF, 'application/pdf', sha(PDF))).status).toBe(201);
  });

  it.each([
    ['no session', undefined, 401],
    ['front desk', 'a.desk', 403],
    ['administrator', 'a.admin', 403],
    ['another clinic’s nurse', 'b.nurse', 403]
  ])('refuses %s', async (_label, who, status) => {
    const res = await upload(who ?? 'nobody', patientA, crypto.randomUUID(), PNG);
    expect(res.status).toBe(status);
  });

  it('answers 404 while the chart has not reached the server, so the device retries after sync', async () => {
    const res = await upload('a.nurse', crypto.randomUUID(), crypto.randomUUID(), PNG);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/not on the clinic server yet/);
  });

  it('refuses malformed ids', async () => {
    const res = await upload('a.nurse', patientA, 'not-a-uuid', PNG);
    expect(res.status).toBe(400);
  });
});

describe('GET /api/charts/:patientId/attachments/:id', () => {
  it('returns the exact bytes to another clinician of the clinic, sandboxed, and audits the read', async () => {
    const id = crypto.randomUUID();
    expect((await upload('a.nurse', patientA, id, PNG)).status).toBe(201);
    const res = await download('a.clinician', patientA, id);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
    const reads = app.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'attachment.read' AND detail LIKE ?").get(`%${id}%`);
    expect(reads).toEqual({ n: 1 });
  });

  it('does not hand a file of one chart out under another chart, or to another clinic', async () => {
    const id = crypto.randomUUID();
    expect((await upload('a.nurse', patientA, id, PNG)).status).toBe(201);
    const otherChart = await chartOnServer(
      (app.db.prepare("SELECT id FROM clinics WHERE name = 'Clinic A'").get() as { id: string }).id,
      'seed'
    );
    expect((await download('a.nurse', otherChart, id)).status).toBe(404);
    expect((await download('b.nurse', patientA, id)).status).toBe(403);
    expect((await download('b.nurse', patientB, id)).status).toBe(404);
    expect((await download('a.desk', patientA, id)).status).toBe(403);
  });

  it('writes no file content to the request log', async () => {
    expect(lines.join('\n')).not.toContain('IHDR');
    expect(lines.join('\n')).not.toContain('%PDF');
  });
});
