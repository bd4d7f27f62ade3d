import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addClinic, sessionCookieFor, startTestApp, TEST_PASSWORD, type TestApp } from '../http/test-app';
import { MARKS, seedPortalPatient, seedSchedule } from './portal-test-support';

/**
 * Patient accounts end to end against the real server: the clinic invites,
 * the patient (or a proxy) activates with their date of birth, then reads
 * the server-made view of their record and nothing else.
 */
let app: TestApp;
let clinicId: string;
let desk: string;
let doc: string;
let admin: string;
const PATIENT = 'a3b1c2d4-0000-4000-8000-000000000001';
const OTHER = 'a3b1c2d4-0000-4000-8000-000000000002';
const BIRTH = '1990-07-14';
let address = 0;

/** Each test sends from its own address (X-Forwarded-For, trusted here), so the per-address limit of one test does not spill into the next. */
function newAddress(): string {
  address += 1;
  return `10.0.0.${address}`;
}

async function post(path: string, body: unknown, opts: { cookie?: string; ip?: string } = {}): Promise<Response> {
  return fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(opts.cookie ? { cookie: opts.cookie } : {}), 'x-forwarded-for': opts.ip ?? '10.9.9.9' },
    body: JSON.stringify(body)
  });
}

async function get(path: string, cookie: string): Promise<Response> {
  return fetch(`${app.url}${path}`, { headers: { cookie } });
}

async function invite(body: Record<string, unknown> = { relation: 'self', patientId: PATIENT }, cookie = desk): Promise<{ id: string; secret: string; link: string; expiresAt: string }> {
  const res = await post('/api/portal/invitations', body, { cookie });
  expect(res.status).toBe(201);
  const json = (await res.json()) as { id: string; link: string; expiresAt: string };
  return { ...json, secret: json.link.split('#')[1] };
}

function activate(secret: string, birthDate: string, username: string, ip = newAddress()): Promise<Response> {
  return post('/api/portal/activate', { secret, birthDate, username, password: TEST_PASSWORD }, { ip });
}

async function message(res: Response): Promise<string> {
  return ((await res.json()) as { error: { message: string } }).error.message;
}

beforeAll(async () => {
  app = await startTestApp({ trustProxy: true });
  const made = await addClinic(app, 'Lakeside Clinic', [
    { username: 'desk', roles: ['frontdesk'] },
    { username: 'doc', roles: ['clinician'] },
    { username: 'boss', roles: ['admin'] }
  ]);
  clinicId = made.clinicId;
  await seedPortalPatient(app, clinicId, PATIENT, { family: 'Mwangi', given: 'Neema', birthDate: BIRTH });
  await seedPortalPatient(app, clinicId, OTHER, { family: 'Otieno', given: 'Baraka', birthDate: '1985-01-01' });
  await seedSchedule(app, clinicId, PATIENT, OTHER);
  desk = await sessionCookieFor(app.url, 'desk');
  doc = await sessionCookieFor(app.url, 'doc');
  admin = await sessionCookieFor(app.url, 'boss');
});

afterAll(async () => {
  await app.stop();
});

describe('invitations', () => {
  it('the desk issues one: a link with the secret in the fragment, stored hashed, audited without the secret', async () => {
    const inv = await invite();
    expect(inv.link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/activate#[A-Za-z0-9_-]{43}$/);
    const days = (Date.parse(inv.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
    const dump = JSON.stringify(app.db.prepare('SELECT * FROM portal_invitations').all()) + JSON.stringify(app.db.prepare('SELECT * FROM audit_log').all());
    expect(dump).toContain(inv.id);
    expect(dump).not.toContain(inv.secret);
    const audited = app.db.prepare("SELECT detail FROM audit_log WHERE action = 'portal.invite' ORDER BY seq DESC LIMIT 1").get() as { detail: string };
    expect(JSON.parse(audited.detail)).toEqual({ invitation: inv.id, relation: 'self' });
  });

  it('an administrator, a patient of another clinic and a made-up patient are refused', async () => {
    const res = await post('/api/portal/invitations', { relation: 'self', patientId: PATIENT }, { cookie: admin });
    expect(res.status).toBe(403);
    expect(await message(res)).toBe('Only the front desk and clinical staff manage patient accounts.');
    const unknown = await post('/api/portal/invitations', { relation: 'self', patientId: 'a3b1c2d4-0000-4000-8000-0000000000ff' }, { cookie: desk });
    expect(unknown.status).toBe(404);
    const proxyWithoutName = await post('/api/portal/invitations', { relation: 'proxy', patientId: PATIENT, proxyKind: 'parent' }, { cookie: desk });
    expect(proxyWithoutName.status).toBe(400);
  });

  it('a wrong date of birth is refused with the tries left, and the fifth burns the invitation', async () => {
    const inv = await invite({ relation: 'self', patientId: OTHER });
    const ip = newAddress();
    const first = await activate(inv.secret, '1985-01-02', 'baraka', ip);
    expect(first.status).toBe(403);
    expect(await message(first)).toBe('That date of birth does not match our records. 4 tries left.');
    for (const left of [3, 2, 1]) expect(await message(await activate(inv.secret, '1985-01-02', 'baraka', newAddress()))).toBe(`That date of birth does not match our records. ${left} ${left === 1 ? 'try' : 'tries'} left.`);
    const last = await activate(inv.secret, '1985-01-02', 'baraka', newAddress());
    expect(await message(last)).toBe('This invitation is locked after too many wrong dates of birth. Ask the clinic for a new one.');
    // Even the right date now opens nothing.
    const right = await activate(inv.secret, '1985-01-01', 'baraka', newAddress());
    expect(right.status).toBe(403);
    expect(await message(right)).toBe('This invitation is locked after too many wrong dates of birth. Ask the clinic for a new one.');
    expect(app.db.prepare("SELECT count(*) AS n FROM users WHERE username = 'baraka'").get()).toEqual({ n: 0 });
  });

  it('an expired invitation is refused, an unused one beside it works (positive control)', async () => {
    const expired = await invite({ relation: 'proxy', patientId: OTHER, proxyKind: 'carer', proxyName: 'Carer Two' });
    const fresh = await invite({ relation: 'proxy', patientId: OTHER, proxyKind: 'carer', proxyName: 'Carer Three' });
    app.db.prepare('UPDATE portal_invitations SET expires_at = ? WHERE id = ?').run(Date.now() - 1, expired.id);
    const res = await activate(expired.secret, '1985-01-01', 'carer.two');
    expect(res.status).toBe(403);
    expect(await message(res)).toBe('This invitation has expired. Ask the clinic for a new one.');
    const ok = await activate(fresh.secret, '1985-01-01', 'carer.three');
    expect(ok.status).toBe(201);
  });

  it('an invitation works once: the second activation is refused and creates nothing', async () => {
    const inv = await invite({ relation: 'proxy', patientId: OTHER, proxyKind: 'guardian', proxyName: 'Guardian One' });
    expect((await activate(inv.secret, '1985-01-01', 'guardian.one')).status).toBe(201);
    const again = await activate(inv.secret, '1985-01-01', 'guardian.again');
    expect(again.status).toBe(403);
    expect(await message(again)).toBe('This invitation was already used. Sign in with the account it set up, or ask the clinic for a new one.');
    expect(app.db.prepare("SELECT count(*) AS n FROM users WHERE username = 'guardian.again'").get()).toEqual({ n: 0 });
  });

  it('one address trying many links is stopped (429) after ten failures, while another address still gets through', async () => {
    const ip = newAddress();
    for (let i = 0; i < 10; i++) expect((await activate(`made-up-secret-${i}-xxxxxxxxxxxx`, '1985-01-01', 'nobody', ip)).status).toBe(404);
    const limited = await activate('made-up-secret-final-xxxxxxxxxx', '1985-01-01', 'nobody', ip);
    expect(limited.status).toBe(429);
    expect(await message(limited)).toBe('Too many tries from this network. Wait 60 minutes, or call the clinic.');
    expect((await activate('made-up-secret-other-xxxxxxxxxx', '1985-01-01', 'nobody', newAddress())).status).toBe(404);
  });

  it('a withdrawn invitation opens nothing; staff of another clinic cannot withdraw or list this clinic’s', async () => {
    const inv = await invite({ relation: 'proxy', patientId: OTHER, proxyKind: 'carer', proxyName: 'Carer Five' });
    const elsewhere = await addClinic(app, 'Far Clinic', [{ username: 'far.desk', roles: ['frontdesk'] }]);
    expect(elsewhere.clinicId).not.toBe(clinicId);
    const far = await sessionCookieFor(app.url, 'far.desk');
    expect((await post(`/api/portal/invitations/${inv.id}/revoke`, {}, { cookie: far })).status).toBe(404);
    expect((await get(`/api/portal/patients/${OTHER}/access`, far)).status).toBe(404);
    expect((await get(`/api/portal/patients/${OTHER}/access`, desk)).status).toBe(200);
    expect((await post(`/api/portal/invitations/${inv.id}/revoke`, {}, { cookie: desk })).status).toBe(200);
    const res = await activate(inv.secret, '1985-01-01', 'carer.five');
    expect(res.status).toBe(403);
    expect(await message(res)).toBe('The clinic withdrew this invitation. Ask the clinic for a new one.');
  });

  it('a weak password or a taken username is refused with a readable message and does not burn the invitation', async () => {
    const inv = await invite({ relation: 'proxy', patientId: OTHER, proxyKind: 'parent', proxyName: 'Parent Four' });
    const weak = await post('/api/portal/activate', { secret: inv.secret, birthDate: '1985-01-01', username: 'parent.four', password: 'short' }, { ip: newAddress() });
    expect(weak.status).toBe(400);
    expect(((await weak.json()) as { error: { details: unknown[] } }).error.details).toEqual([{ path: 'password', message: 'The password needs at least 10 characters' }]);
    const taken = await activate(inv.secret, '1985-01-01', 'desk');
    expect(taken.status).toBe(409);
    expect(await message(taken)).toBe('That username is taken. Choose another one.');
    expect((await activate(inv.secret, '1985-01-01', 'parent.four')).status).toBe(201);
  });
});

describe('the patient reads their own record, server-made', () => {
  let patientCookie: string;
  let proxyCookie: string;

  beforeAll(async () => {
    const inv = await invite();
    expect((await activate(inv.secret, BIRTH, 'neema')).status).toBe(201);
    patientCookie = await sessionCookieFor(app.url, 'neema');
    const proxy = await invite({ relation: 'proxy', patientId: PATIENT, proxyKind: 'parent', proxyName: 'Mama Neema' });
    expect((await activate(proxy.secret, BIRTH, 'mama.neema')).status).toBe(201);
    proxyCookie = await sessionCookieFor(app.url, 'mama.neema');
  });

  it('holds signed notes, allergies, problems, results with ranges, vaccinations and their own appointment; no draft, staff comment, preliminary result or other patient', async () => {
    const res = await get(`/api/portal/records/${PATIENT}`, patientCookie);
    expect(res.status).toBe(200);
    const view = (await res.json()) as { resources: { resourceType: string; content?: { attachment: { data: string } }[]; referenceRange?: unknown }[]; appointments: { type: string; provider: string; start: string }[]; name: unknown; relation: string };
    expect(view.name).toEqual({ given: 'Neema', family: 'Mwangi' });
    expect(view.relation).toBe('self');
    const types = view.resources.map((r) => r.resourceType).sort();
    expect(types).toEqual(['AllergyIntolerance', 'Condition', 'Condition', 'DocumentReference', 'Encounter', 'Encounter', 'Immunization', 'Observation']);
    const note = view.resources.find((r) => r.resourceType === 'DocumentReference')!;
    expect(Buffer.from(note.content![0].attachment.data, 'base64').toString('utf8')).toContain(MARKS.signedNote);
    expect(view.resources.find((r) => r.resourceType === 'Observation')!.referenceRange).toEqual([{ low: { value: 12, unit: 'g/dL' }, high: { value: 15.5, unit: 'g/dL' } }]);
    expect(view.appointments).toEqual([{ id: expect.any(String), start: '2030-05-06T09:00:00.000Z', end: '2030-05-06T09:30:00.000Z', status: 'booked', mode: 'in-person', type: 'Check-up', provider: 'Dr Amani' }]);
    const text = JSON.stringify(view);
    // The staff's own view of the same chart holds every mark: the checks below can see them.
    const staff = await (await get(`/fhir/R4/Patient/${PATIENT}/$everything`, doc)).text();
    expect(staff).toContain(MARKS.staffComment);
    expect(staff).toContain(MARKS.preliminary);
    expect(staff).toContain(Buffer.from(MARKS.signedNote).toString('base64').slice(0, 20));
    for (const hidden of [MARKS.draftNote, MARKS.staffComment, MARKS.preliminary, MARKS.otherPatientsType, 'Otieno', 'Baraka']) expect(text).not.toContain(hidden);
  });

  it('says what vaccine is due next, worked out on the server from the schedule the chart uses, with its source', async () => {
    const view = (await (await get(`/api/portal/records/${PATIENT}`, patientCookie)).json()) as { immunizationsDue: { group: string; status: string; lastDose: string | null; nextDue: string | null; source: { citation: string } }[] };
    // Born 1990: the adult groups, hepatitis B included (19–59).
    expect(view.immunizationsDue.map((d) => d.group)).toEqual(['influenza', 'tetanus', 'pneumococcal', 'zoster', 'hepatitis-b']);
    // Tdap on 2 March 2026: the next booster is due ten years on.
    expect(view.immunizationsDue[1]).toMatchObject({ group: 'tetanus', status: 'up-to-date', lastDose: '2026-03-02', nextDue: '2036-03-02' });
    expect(view.immunizationsDue[1].source.citation).toBe('CDC Recommended Adult Immunization Schedule, United States, 2025 (ACIP)');
  });

  it('a proxy reads the same record without the problems a patient may keep confidential (mental health)', async () => {
    const own = (await (await get(`/api/portal/records/${PATIENT}`, patientCookie)).json()) as { resources: { code?: { text?: string } }[] };
    const proxy = (await (await get(`/api/portal/records/${PATIENT}`, proxyCookie)).json()) as { resources: { code?: { text?: string } }[]; relation: string; proxyKind: string };
    expect(own.resources.some((r) => r.code?.text === 'Depression')).toBe(true);
    expect(proxy.relation).toBe('proxy');
    expect(proxy.proxyKind).toBe('parent');
    expect(proxy.resources.some((r) => r.code?.text === 'Asthma')).toBe(true);
    expect(proxy.resources.some((r) => r.code?.text === 'Depression')).toBe(false);
  });

  it('downloads the International Patient Summary and everything as FHIR, from the same filtered resources', async () => {
    const ips = await get(`/api/portal/records/${PATIENT}/summary`, patientCookie);
    expect(ips.status).toBe(200);
    expect(ips.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    const bundle = (await ips.json()) as { type: string; entry: { resource: { resourceType: string; type?: { coding: { code: string }[] } } }[] };
    expect(bundle.type).toBe('document');
    expect(bundle.entry[0].resource.resourceType).toBe('Composition');
    expect(bundle.entry[0].resource.type!.coding[0].code).toBe('60591-5');
    const all = await get(`/api/portal/records/${PATIENT}/everything`, patientCookie);
    const text = await all.text();
    expect(text).toContain('"resourceType":"Bundle"');
    expect(text).toContain('"Patient"');
    for (const hidden of [MARKS.draftNote, MARKS.staffComment, MARKS.preliminary]) expect(text).not.toContain(hidden);
  });

  it('"new since your last visit": the first visit has none, a later visit compares with the one before', async () => {
    const access = app.db.prepare("SELECT a.id FROM portal_access a JOIN users u ON u.id = a.user_id WHERE u.username = 'neema'").get() as { id: string };
    const before = (await (await get(`/api/portal/records/${PATIENT}`, patientCookie)).json()) as { since: string | null };
    expect(before.since).toBeNull();
    // The last opening was two hours ago: this opening starts a new visit.
    const twoHoursAgo = Date.now() - 2 * 3_600_000;
    app.db.prepare('UPDATE portal_access SET last_viewed_at = ? WHERE id = ?').run(twoHoursAgo, access.id);
    const later = (await (await get(`/api/portal/records/${PATIENT}`, patientCookie)).json()) as { since: string | null };
    expect(later.since).toBe(new Date(twoHoursAgo).toISOString());
  });

  it('the patient cannot read another record, and a withdrawn grant stops the account at once', async () => {
    const other = await get(`/api/portal/records/${OTHER}`, patientCookie);
    expect(other.status).toBe(403);
    expect(await message(other)).toBe('You can only see your own record, and the records you were given access to.');
    const list = (await (await get(`/api/portal/patients/${PATIENT}/access`, desk)).json()) as { accounts: { id: string; relation: string; proxyName: string | null }[] };
    const proxyGrant = list.accounts.find((a) => a.proxyName === 'Mama Neema')!;
    expect((await get(`/api/portal/records/${PATIENT}`, proxyCookie)).status).toBe(200);
    const revoked = await post(`/api/portal/access/${proxyGrant.id}/revoke`, {}, { cookie: desk });
    expect(revoked.status).toBe(200);
    // Its only grant: the account's sessions end with it.
    expect((await get('/api/auth/me', proxyCookie)).status).toBe(401);
    expect((await get(`/api/portal/records/${PATIENT}`, patientCookie)).status).toBe(200);
    const audited = app.db.prepare("SELECT detail FROM audit_log WHERE action = 'portal.access.revoke'").get() as { detail: string };
    expect(JSON.parse(audited.detail)).toMatchObject({ access: proxyGrant.id, relation: 'proxy', sessionsEnded: true });
  });

  it('staff cannot use the patient routes (they read the chart, not a patient view)', async () => {
    const res = await get(`/api/portal/records/${PATIENT}`, doc);
    expect(res.status).toBe(403);
  });
});
