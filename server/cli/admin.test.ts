import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../audit/audit-log';
import { getJson, login, sessionCookieFor, startTestApp } from '../http/test-app';
import { openDatabase } from '../store/db';
import { runAdmin, type AdminIo } from './admin-commands';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dirs: string[] = [];

function freshDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-admin-'));
  dirs.push(dir);
  return dir;
}

function io(passwords: string[] = []): AdminIo & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    out: (l) => lines.push(l),
    askPassword: async () => {
      const next = passwords.shift();
      if (next === undefined) throw new Error('unexpected prompt');
      return next;
    }
  };
}

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('admin CLI', () => {
  it('creates a clinic and a user who can then sign in', async () => {
    const dir = freshDir();
    expect(await runAdmin(['create-clinic', '--name', 'Cedar Flats Health Post'], dir, io())).toBe(0);
    const out = io(['a long passphrase', 'a long passphrase']);
    const code = await runAdmin(
      ['create-user', '--clinic', 'Cedar Flats Health Post', '--username', 'k.mensah', '--name', 'Kwame Mensah', '--roles', 'clinician,nurse'],
      dir,
      out
    );
    expect(code).toBe(0);
    expect(out.lines[0]).toContain('Created k.mensah (clinician, nurse)');
    // A new clinic requires a second factor of clinicians (second-factor-http.test.ts); this test is about the password.
    expect(await runAdmin(['set-second-factor-policy', '--clinic', 'Cedar Flats Health Post', '--roles', 'none'], dir, io())).toBe(0);

    const app = await startTestApp({ dataDir: dir });
    try {
      const cookie = await sessionCookieFor(app.url, 'k.mensah', 'a long passphrase');
      const me = (await (await getJson(app.url, '/api/auth/me', cookie)).json()) as { user: Record<string, unknown> };
      expect(me.user).toMatchObject({ name: 'Kwame Mensah', roles: ['clinician', 'nurse'], clinicName: 'Cedar Flats Health Post' });
      const actions = app.db.prepare('SELECT action FROM audit_log ORDER BY seq').all() as { action: string }[];
      expect(actions.map((a) => a.action).slice(0, 2)).toEqual(['clinic.create', 'user.create']);
      expect(verifyAuditChain(app.db).ok).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('refuses short passwords, mismatched repeats, unknown roles and taken usernames', async () => {
    const dir = freshDir();
    await runAdmin(['create-clinic', '--name', 'Pine Hollow'], dir, io());
    const base = ['create-user', '--clinic', 'Pine Hollow', '--username', 'r.sharma', '--name', 'Ravi Sharma'];
    const short = io();
    expect(await runAdmin([...base, '--roles', 'nurse', '--password', 'short'], dir, short)).toBe(2);
    expect(short.lines[0]).toContain('at least 10 characters');
    const differ = io(['first passphrase', 'other passphrase']);
    expect(await runAdmin([...base, '--roles', 'nurse'], dir, differ)).toBe(2);
    expect(differ.lines[0]).toContain('differ');
    expect(await runAdmin([...base, '--roles', 'surgeon', '--password', 'long enough pw'], dir, io())).toBe(2);
    expect(await runAdmin([...base, '--roles', 'nurse', '--password', 'long enough pw'], dir, io())).toBe(0);
    expect(await runAdmin([...base, '--roles', 'nurse', '--password', 'long enough pw'], dir, io())).toBe(2);
  });

  it('disables users, resets passwords and revokes sessions', async () => {
    const dir = freshDir();
    await runAdmin(['create-clinic', '--name', 'Riverbend'], dir, io());
    await runAdmin(
      ['create-user', '--clinic', 'Riverbend', '--username', 'm.chen', '--name', 'Mei Chen', '--roles', 'frontdesk', '--password', 'first passphrase'],
      dir,
      io()
    );
    const app = await startTestApp({ dataDir: dir });
    try {
      const cookie = await sessionCookieFor(app.url, 'm.chen', 'first passphrase');
      expect(await runAdmin(['reset-password', '--username', 'm.chen', '--password', 'second passphrase'], dir, io())).toBe(0);
      expect((await getJson(app.url, '/api/auth/me', cookie)).status).toBe(401);
      expect((await login(app.url, 'm.chen', 'first passphrase')).status).toBe(401);
      const cookie2 = await sessionCookieFor(app.url, 'm.chen', 'second passphrase');

      expect(await runAdmin(['revoke-sessions', '--username', 'm.chen'], dir, io())).toBe(0);
      expect((await getJson(app.url, '/api/auth/me', cookie2)).status).toBe(401);

      expect(await runAdmin(['disable-user', '--username', 'm.chen'], dir, io())).toBe(0);
      expect((await login(app.url, 'm.chen', 'second passphrase')).status).toBe(401);

      const list = io();
      await runAdmin(['list-users'], dir, list);
      expect(list.lines.join('\n')).toMatch(/m\.chen\s+frontdesk\s+disabled\s+Riverbend/);
      // The server and the CLI appended to the same log; it is still one chain.
      expect(verifyAuditChain(app.db)).toMatchObject({ ok: true });
    } finally {
      await app.close();
    }
  });

  it('prints help, and runs as npm run admin', () => {
    const dir = freshDir();
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli/admin.ts', '--help'], {
      cwd: root,
      env: { ...process.env, OUTPOST_DATA_DIR: dir },
      encoding: 'utf8'
    });
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('create-user');
    const made = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli/admin.ts', 'create-clinic', '--name', 'Spawned'], {
      cwd: root,
      env: { ...process.env, OUTPOST_DATA_DIR: dir },
      encoding: 'utf8'
    });
    expect(made.status).toBe(0);
    const db = openDatabase(dir);
    expect(db.prepare('SELECT name FROM clinics').all()).toEqual([{ name: 'Spawned' }]);
    db.close();
  });
});
