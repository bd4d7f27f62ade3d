import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addClinic, getJson, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';

/**
 * The clinic's "keep on each device" setting against the real server: only
 * an administrator reads or changes it (a clinician's crafted request is
 * refused, nothing stored), bad bodies are refused readably, a change is
 * audited, and the app receives the setting with the signed-in user.
 */
let app: TestApp;
let ids: Record<string, string>;
let clinicId: string;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  app = await startTestApp();
  const a = await addClinic(app, 'Riverbend', [
    { username: 'ada', roles: ['admin'] },
    { username: 'amara', roles: ['clinician'] },
    { username: 'priya', roles: ['frontdesk'] }
  ]);
  await addClinic(app, 'Hillside', [{ username: 'hill.admin', roles: ['admin'] }]);
  ids = a.ids;
  clinicId = a.clinicId;
  for (const u of ['ada', 'amara', 'priya', 'hill.admin']) cookies[u] = await sessionCookieFor(app.url, u);
});

afterAll(async () => {
  await app.stop();
});

const post = (body: unknown, cookie: string) =>
  fetch(`${app.url}/api/admin/clinic/device-panel`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });
const rows = () => (app.db.prepare('SELECT count(*) AS n FROM clinic_device_panel').get() as { n: number }).n;
const settingsAudits = () => (app.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'clinic.settings'").get() as { n: number }).n;
const me = async (cookie: string) => ((await (await getJson(app.url, '/api/auth/me', cookie)).json()) as { user: { clinicSettings: unknown } }).user.clinicSettings;
const PANEL = { mode: 'panel', seenMonths: 6, scheduledDays: 3, openedDays: 10 };

describe('keep on each device', () => {
  it('is "every patient" by default, and the app is told so with the user', async () => {
    expect(await (await getJson(app.url, '/api/admin/clinic/device-panel', cookies.ada)).json()).toEqual({ setting: { mode: 'all' }, updatedAt: null, updatedBy: null });
    expect(await me(cookies.amara)).toEqual({ idleLockMinutes: 15, devicePanel: { mode: 'all' } });
  });

  it('refuses a clinician and a front desk, reading or changing it, with nothing stored', async () => {
    for (const u of ['amara', 'priya']) {
      expect((await post(PANEL, cookies[u])).status, u).toBe(403);
      expect((await getJson(app.url, '/api/admin/clinic/device-panel', cookies[u])).status, u).toBe(403);
    }
    expect(rows()).toBe(0);
    expect(settingsAudits()).toBe(0);
  });

  it('refuses bad bodies readably, with nothing stored', async () => {
    const cases: [unknown, string][] = [
      [{ mode: 'panel', seenMonths: 0, scheduledDays: 3, openedDays: 10 }, 'Seen in the last must be at least 1 months'],
      [{ mode: 'panel', seenMonths: 61, scheduledDays: 3, openedDays: 10 }, 'Seen in the last must be at most 60 months'],
      [{ mode: 'panel', seenMonths: 6, scheduledDays: 1.5, openedDays: 10 }, 'Booked in the next must be a whole number of days'],
      [{ mode: 'panel', seenMonths: 6, scheduledDays: 3, openedDays: 366 }, 'Opened on this device in the last must be at most 365 days']
    ];
    for (const [body, message] of cases) {
      const res = await post(body, cookies.ada);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(message);
    }
    for (const body of [{ mode: 'some' }, { mode: 'panel', seenMonths: 6 }, { mode: 'all', seenMonths: 6 }]) {
      expect((await post(body, cookies.ada)).status, JSON.stringify(body)).toBe(400);
    }
    expect(rows()).toBe(0);
  });

  it('an administrator sets the panel: stored, audited as theirs, handed to the clinic\'s users, not to another clinic', async () => {
    const res = await post(PANEL, cookies.ada);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ setting: PANEL, updatedBy: ids.ada });
    const audit = app.db.prepare("SELECT user_id, target, detail FROM audit_log WHERE action = 'clinic.settings' ORDER BY seq DESC LIMIT 1").get() as { user_id: string; target: string; detail: string };
    expect({ ...audit, detail: JSON.parse(audit.detail) }).toEqual({
      user_id: ids.ada,
      target: `clinic:${clinicId}`,
      detail: { changed: { devicePanel: { from: { mode: 'all' }, to: PANEL } }, via: 'admin-console' }
    });
    expect(await me(cookies.amara)).toEqual({ idleLockMinutes: 15, devicePanel: PANEL });
    expect(await me(cookies['hill.admin'])).toEqual({ idleLockMinutes: 15, devicePanel: { mode: 'all' } });

    expect((await post({ mode: 'all' }, cookies.ada)).status).toBe(200);
    expect(await me(cookies.amara)).toEqual({ idleLockMinutes: 15, devicePanel: { mode: 'all' } });
  });
});
