import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { newMrn, type PatientInput } from '../../src/lib/domain/patient';
import { addClinic, getJson, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import type { AuditAction } from '../types';
import { csvCell } from './audit-csv';
import { MAX_EVENTS_PER_UPLOAD } from './offline-events';

/**
 * Audit reports and the upload of device-recorded reads, against the real
 * server: counts are compared with a direct count of the audit_log table,
 * and every refusal is a crafted request sent straight to the API.
 */

let app: TestApp;
let clinicA: string;
let ids: Record<string, string>;
let idsB: Record<string, string>;
let patientA: string;
let patientA2: string;
let patientB: string;
const cookies: Record<string, string> = {};

async function registerPatient(clinicId: string, userId: string, input: PatientInput): Promise<string> {
  const id = crypto.randomUUID();
  const doc = new Y.Doc();
  initPatientDoc(doc, id, input, { id: 'import', name: 'Outpost import' }, newMrn());
  await app.sync.applyServerUpdate(docName('patient', id), clinicId, Y.encodeStateAsUpdate(doc), userId, 'seed');
  return id;
}

function post(path: string, cookie: string, body: unknown): Promise<Response> {
  return fetch(`${app.url}${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

function event(over: Partial<Record<string, unknown>> = {}) {
  return { id: crypto.randomUUID(), action: 'record.view', target: docName('chart', patientA), at: new Date(Date.now() - 60_000).toISOString(), userId: ids.doc1, offline: true, ...over };
}

function countLog(where: string, ...args: unknown[]): number {
  return (app.db.prepare(`SELECT count(*) AS n FROM audit_log WHERE ${where}`).get(...args) as { n: number }).n;
}

type Report = { total: number; rows: { seq: number; action: string; userId: string | null; target: string | null; recordedOfflineAt: string | null; detail: Record<string, unknown> }[]; chain: { ok: boolean } };

async function report(query: string, who = 'admin1'): Promise<Report> {
  const res = await getJson(app.url, `/api/audit/report?${query}`, cookies[who]);
  expect(res.status).toBe(200);
  return (await res.json()) as Report;
}

beforeAll(async () => {
  app = await startTestApp();
  const a = await addClinic(app, 'Clinic A', [
    { username: 'admin1', roles: ['admin'] },
    { username: 'doc1', roles: ['clinician'] },
    { username: 'desk1', roles: ['frontdesk'] }
  ]);
  const b = await addClinic(app, 'Clinic B', [
    { username: 'adminb', roles: ['admin'] },
    { username: 'docb', roles: ['clinician'] }
  ]);
  clinicA = a.clinicId;
  ids = a.ids;
  idsB = b.ids;
  patientA = await registerPatient(clinicA, ids.doc1, { family: 'Okonkwo', given: ['Chiamaka'], birthDate: '1980-02-01', gender: 'female' });
  patientA2 = await registerPatient(clinicA, ids.doc1, { family: 'Abebe', given: ['Samuel'], birthDate: '2015-06-30', gender: 'male' });
  patientB = await registerPatient(b.clinicId, b.ids.docb, { family: 'Zeller', given: ['Hidden'], birthDate: '1950-01-01', gender: 'other' });
  for (const u of ['admin1', 'doc1', 'desk1', 'adminb', 'docb']) cookies[u] = await sessionCookieFor(app.url, u);
  // Entries the reports read, written as the server's own code writes them.
  const rec = (action: string, userId: string, target: string | null, outcome: 'success' | 'failure' = 'success', detail: Record<string, unknown> = {}) =>
    app.audit.record({ action: action as AuditAction, outcome, userId, target, detail });
  rec('doc.open', ids.doc1, docName('chart', patientA), 'success', { access: 'write', via: 'websocket' });
  rec('doc.open', ids.doc1, docName('patient', patientA2), 'success', { access: 'write', via: 'websocket' });
  rec('doc.batch', ids.doc1, null, 'success', { served: [docName('chart', patientA), docName('patient', patientA)] });
  rec('fhir.read', ids.doc1, docName('patient', patientA), 'success', { interaction: 'read' });
  rec('transfer.send', ids.doc1, docName('chart', patientA), 'success', {});
  rec('authz.denied', ids.desk1, docName('chart', patientA), 'failure');
  rec('prescription.override', ids.doc1, docName('chart', patientA), 'success', { reason: 'benefit outweighs risk' });
  // A break-glass open by a user of another clinic: clinic A's admin must see it, as the patient is theirs.
  rec('breakglass.open', idsB.docb, docName('chart', patientA), 'success', { reason: 'unconscious, brought in by ambulance' });
  rec('breakglass.open', idsB.docb, docName('chart', patientB), 'success', { reason: 'own clinic test' });
  rec('doc.open', idsB.docb, docName('chart', patientB), 'success', {});
});

afterAll(async () => {
  await app?.stop();
});

describe('audit reports', () => {
  it('lists who accessed a patient, with counts equal to the log', async () => {
    const r = await report(`kind=patient-access&patient=${patientA}&sort=oldest`);
    const direct = countLog(
      `action IN ('doc.open','doc.batch','fhir.read','fhir.export','attachment.read','transfer.send','transfer.download','record.view','record.print')
       AND (target IN (?, ?) OR (action = 'doc.batch' AND detail LIKE ?))`,
      `patient:${patientA}`,
      `chart:${patientA}`,
      `%${patientA}%`
    );
    expect(direct).toBe(4);
    expect(r.total).toBe(direct);
    expect(r.rows.map((x) => x.action)).toEqual(['doc.open', 'doc.batch', 'fhir.read', 'transfer.send']);
    expect(r.chain.ok).toBe(true);
  });

  it('filters by user, action prefix, outcome and period, and pages', async () => {
    const all = await report(`kind=user-activity&user=${ids.doc1}`);
    expect(all.total).toBe(countLog("user_id = ?", ids.doc1));
    const prefix = await report(`user=${ids.doc1}&action=prescription.`);
    expect(prefix.total).toBe(1);
    const failed = await report(`outcome=failure&user=${ids.desk1}`);
    expect(failed.rows.map((x) => x.action)).toEqual(['authz.denied']);
    const future = await report(`from=2999-01-01&user=${ids.doc1}`);
    expect(future.total).toBe(0);
    const today = new Date().toISOString().slice(0, 10);
    const day = await report(`from=${today}&to=${today}&user=${ids.doc1}`);
    expect(day.total).toBe(all.total);
    const page1 = await report(`kind=user-activity&user=${ids.doc1}&pageSize=2&page=1&sort=oldest`);
    const page2 = await report(`kind=user-activity&user=${ids.doc1}&pageSize=2&page=2&sort=oldest`);
    expect(page1.rows).toHaveLength(2);
    expect(page2.rows[0].seq).toBeGreaterThan(page1.rows[1].seq);
    expect(page1.total).toBe(all.total);
  });

  it('reports refused attempts, break-glass uses and overrides of the own clinic only', async () => {
    const refused = await report('kind=refused&action=authz.denied');
    expect(refused.rows.every((x) => x.action === 'authz.denied')).toBe(true);
    expect(refused.rows.some((x) => x.userId === ids.desk1)).toBe(true);
    const bg = await report('kind=breakglass');
    expect(bg.rows.map((x) => x.target)).toEqual([docName('chart', patientA)]);
    const bgB = await report('kind=breakglass', 'adminb');
    expect(bgB.total).toBe(2); // their own user's two uses, wherever they were
    const ov = await report('kind=overrides');
    expect(ov.total).toBe(countLog("action = 'prescription.override'"));
    expect(ov.rows[0].detail.reason).toBe('benefit outweighs risk');
    // Clinic B's admin cannot read clinic A's patient access.
    const foreign = await report(`kind=patient-access&patient=${patientA2}`, 'adminb');
    expect(foreign.total).toBe(0);
  });

  it('refuses every role but admin, and audits the refusal and each run', async () => {
    for (const who of ['doc1', 'desk1']) {
      const res = await getJson(app.url, `/api/audit/report?kind=all`, cookies[who]);
      expect(res.status).toBe(403);
      const csv = await getJson(app.url, `/api/audit/report.csv?kind=all`, cookies[who]);
      expect(csv.status).toBe(403);
    }
    expect((await getJson(app.url, '/api/audit/users', cookies.doc1)).status).toBe(403);
    expect((await getJson(app.url, '/api/audit/report')).status).toBe(401);
    const users = (await (await getJson(app.url, '/api/audit/users', cookies.admin1)).json()) as { users: { username: string }[] };
    expect(users.users.map((u) => u.username)).toEqual(['admin1', 'desk1', 'doc1']);
    expect(countLog("action = 'authz.denied' AND target = 'audit-report' AND user_id = ?", ids.doc1)).toBe(1);
    const before = countLog("action = 'audit.report' AND user_id = ?", ids.admin1);
    await report('kind=all');
    expect(countLog("action = 'audit.report' AND user_id = ?", ids.admin1)).toBe(before + 1);
  });

  it('refuses bad filters with a readable error', async () => {
    const bad = await getJson(app.url, `/api/audit/report?kind=patient-access`, cookies.admin1);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toBe('Choose a patient for the access report.');
    expect((await getJson(app.url, `/api/audit/report?from=yesterday`, cookies.admin1)).status).toBe(400);
    expect((await getJson(app.url, `/api/audit/report?sql=1`, cookies.admin1)).status).toBe(400);
  });

  it('shows a broken chain and where', async () => {
    const other = await startTestApp();
    try {
      other.audit.record({ action: 'login.failure', outcome: 'failure', target: 'x' });
      other.audit.record({ action: 'login.failure', outcome: 'failure', target: 'y' });
      const { clinicId, ids: o } = await addClinic(other, 'C', [{ username: 'adm', roles: ['admin'] }]);
      void clinicId;
      const cookie = await sessionCookieFor(other.url, 'adm');
      const seq = (other.db.prepare("SELECT seq FROM audit_log WHERE target = 'y'").get() as { seq: number }).seq;
      other.db.exec('DROP TRIGGER audit_log_no_update');
      other.db.prepare("UPDATE audit_log SET target = 'z' WHERE seq = ?").run(seq);
      const res = await getJson(other.url, '/api/audit/report?kind=all', cookie);
      const body = (await res.json()) as { chain: { ok: boolean; firstBrokenSeq: number } };
      expect(body.chain).toMatchObject({ ok: false, firstBrokenSeq: seq });
      expect(o.adm).toBeTruthy();
    } finally {
      await other.stop();
    }
  });
});

describe('CSV export', () => {
  it('escapes quotes, commas, line breaks and formula starts', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=cmd|\' /C calc\'!A0')).toBe("'=cmd|' /C calc'!A0");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell(12)).toBe('12');
    expect(csvCell(null)).toBe('');
  });

  it('exports every row of the report, with a formula-looking value made inert', async () => {
    app.audit.record({ action: 'login.failure', outcome: 'failure', userId: ids.desk1, target: '=cmd|"/C calc"!A0' });
    const res = await getJson(app.url, `/api/audit/report.csv?kind=refused&user=${ids.desk1}&sort=oldest`, cookies.admin1);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('x-audit-chain')).toBe('ok');
    const text = await res.text();
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('seq,time,user,username,action,outcome,target,recorded_offline_at,ip,detail');
    expect(lines).toHaveLength(1 + countLog("user_id = ? AND (outcome = 'failure' OR action IN ('authz.denied','login.failure'))", ids.desk1));
    expect(lines.at(-1)).toContain(`,desk1,desk1,login.failure,failure,"'=cmd|""/C calc""!A0",,,{}`);
    expect(countLog("action = 'audit.export' AND user_id = ?", ids.admin1)).toBe(1);
  });
});

describe('device-recorded reads and prints', () => {
  it('appends a read recorded offline, marked with when it was recorded, and ignores a replay', async () => {
    const e = event({ what: 'chart' });
    const res = await post('/api/audit/device-events', cookies.doc1, { events: [e] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0, refused: [] });
    const again = await post('/api/audit/device-events', cookies.doc1, { events: [e] });
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 1, refused: [] });
    expect(countLog("action = 'record.view' AND detail LIKE ?", `%${e.id}%`)).toBe(1);
    const r = await report(`kind=patient-access&patient=${patientA}`);
    const row = r.rows.find((x) => x.detail.eventId === e.id);
    expect(row?.recordedOfflineAt).toBe(e.at);
    expect(row?.userId).toBe(ids.doc1);
  });

  it('refuses a forged user, another clinic’s patient, a role that cannot open it and an implausible time', async () => {
    const forged = event({ userId: ids.desk1 });
    const foreign = event({ target: docName('chart', patientB) });
    const unknown = event({ target: docName('chart', crypto.randomUUID()) });
    const future = event({ at: new Date(Date.now() + 3600_000).toISOString() });
    const ancient = event({ at: '2001-01-01T00:00:00.000Z' });
    const ok = event({ action: 'record.print', what: 'prescription' });
    const res = await post('/api/audit/device-events', cookies.doc1, { events: [forged, foreign, unknown, future, ancient, ok] });
    expect(await res.json()).toEqual({
      accepted: 1,
      duplicates: 0,
      refused: [
        { id: forged.id, reason: 'not-your-event' },
        { id: foreign.id, reason: 'not-your-patient' },
        { id: unknown.id, reason: 'not-your-patient' },
        { id: future.id, reason: 'bad-time' },
        { id: ancient.id, reason: 'bad-time' }
      ]
    });
    for (const e of [forged, foreign, unknown, future, ancient]) expect(countLog('detail LIKE ?', `%${e.id}%`)).toBe(0);
    expect(countLog('detail LIKE ?', `%${ok.id}%`)).toBe(1);
    // The front desk may not open a chart, so it cannot have read one offline.
    const desk = await post('/api/audit/device-events', cookies.desk1, { events: [event({ userId: ids.desk1 })] });
    expect(((await desk.json()) as { refused: { reason: string }[] }).refused[0].reason).toBe('not-allowed-by-role');
    expect(countLog("action = 'audit.upload' AND outcome = 'failure' AND user_id = ?", ids.doc1)).toBeGreaterThanOrEqual(1);
  });

  it('refuses an oversized batch, an unknown field and a signed-out upload', async () => {
    const many = Array.from({ length: MAX_EVENTS_PER_UPLOAD + 1 }, () => event());
    const big = await post('/api/audit/device-events', cookies.doc1, { events: many });
    expect(big.status).toBe(400);
    const huge = await post('/api/audit/device-events', cookies.doc1, { events: [event({ what: 'x'.repeat(70_000) })] });
    expect(huge.status).toBe(413);
    const extra = await post('/api/audit/device-events', cookies.doc1, { events: [{ ...event(), detail: { note: 'x' } }] });
    expect(extra.status).toBe(400);
    const anon = await fetch(`${app.url}/api/audit/device-events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: [event()] }) });
    expect(anon.status).toBe(401);
    for (const e of many) expect(countLog('detail LIKE ?', `%${e.id}%`)).toBe(0);
  });

  it('limits how often one user uploads', async () => {
    let status = 200;
    let n = 0;
    while (status !== 429 && n < 40) {
      status = (await post('/api/audit/device-events', cookies.admin1, { events: [event({ userId: ids.admin1, target: docName('patient', patientA) })] })).status;
      n++;
    }
    expect(status).toBe(429);
    expect(n).toBeGreaterThan(20);
  });
});
