import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { initPatientDoc, readPatient } from '../../src/lib/chart/patient-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { newMrn, type PatientSummary } from '../../src/lib/domain/patient';
import { loadTrustedKey } from '../audit/audit-key';
import { verifyAudit } from '../audit/verify-audit';
import { addClinic, getJson, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import { SYNTHEA_DIR } from '../seed/synthea';
import { BackupError } from './backup-cipher';
import { createBackup } from './create-backup';
import { restoreBackup } from './restore-backup';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PASSPHRASE = 'river crossing at dawn';
/** A patient of the Synthea fixtures, imported whole through FHIR; their family name must never appear in a backup. */
const FIXTURE = 'Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json';
const FIXTURE_FAMILY = 'Kreiger';

const dirs: string[] = [];
function freshDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

interface Site {
  dataDir: string;
  checkpointDir: string;
  keyFile: string;
}

/** A data directory with its audit checkpoints and key outside it, as deployed. */
function site(keyFile?: string): Site {
  const outside = freshDir('outpost-backup-outside-');
  return {
    dataDir: path.join(freshDir('outpost-backup-data-'), 'data'),
    checkpointDir: path.join(outside, 'checkpoints'),
    keyFile: keyFile ?? path.join(outside, 'audit-signing-key.pem')
  };
}

function start(s: Site): Promise<TestApp> {
  return startTestApp({ dataDir: s.dataDir, auditCheckpoints: { dir: s.checkpointDir, keyFile: s.keyFile } });
}

function runCli(script: string, args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function registerPatient(app: TestApp, clinicId: string, userId: string, family: string): Promise<string> {
  const id = crypto.randomUUID();
  const doc = new Y.Doc();
  initPatientDoc(doc, id, { family, given: ['Test'], birthDate: '1990-01-01', gender: 'female' }, { id: userId, name: 'writer' }, newMrn());
  await app.sync.applyServerUpdate(docName('patient', id), clinicId, Y.encodeStateAsUpdate(doc), userId);
  return id;
}

/** The bytes SQLite holds for a data directory: the database file and its write-ahead log. */
function storeBytes(dataDir: string): Buffer {
  return Buffer.concat(['outpost.sqlite', 'outpost.sqlite-wal'].map((f) => path.join(dataDir, f)).filter(fs.existsSync).map((f) => fs.readFileSync(f)));
}

/** A small backup of a real data directory, for the refusal tests. */
async function smallBackup(): Promise<{ file: string; source: Site }> {
  const source = site();
  const app = await start(source);
  await addClinic(app, 'Hilltop Clinic', [{ username: 'nurse.a', roles: ['nurse'] }]);
  await sessionCookieFor(app.url, 'nurse.a'); // audit entry #1: login.success
  await app.close();
  const file = path.join(freshDir('outpost-backup-file-'), 'clinic.backup');
  createBackup({ dataDir: source.dataDir, checkpointDir: source.checkpointDir, outFile: file, passphrase: PASSPHRASE });
  return { file, source };
}

describe('backup and restore', () => {
  // Three command-line runs and two server starts: slow on a busy machine, so its own time limit.
  it('backs up while the server writes; the restored copy starts, serves every document it holds, and its audit log verifies', { timeout: 120_000 }, async () => {
    const source = site();
    const app = await start(source);
    const { clinicId, ids } = await addClinic(app, 'Riverside Health Post', [{ username: 'importer', roles: ['clinician'] }]);
    const cookie = await sessionCookieFor(app.url, 'importer');
    const imported = await fetch(`${app.url}/fhir/R4`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', cookie },
      body: fs.readFileSync(path.join(SYNTHEA_DIR, FIXTURE))
    });
    expect(imported.status).toBe(200);
    const written = new Map<string, string>();
    for (let i = 0; i < 5; i++) written.set(await registerPatient(app, clinicId, ids.importer, `Before${i}`), `Before${i}`);

    // A writer keeps registering patients for as long as the backup runs, in another process.
    const backupFile = path.join(freshDir('outpost-backup-file-'), 'riverside.backup');
    let backingUp = true;
    const writer = (async () => {
      let i = 0;
      while (backingUp) {
        const family = `During${i++}`;
        written.set(await registerPatient(app, clinicId, ids.importer, family), family);
        await new Promise((r) => setImmediate(r));
      }
    })();
    const backup = await runCli('server/cli/backup.ts', [backupFile], {
      OUTPOST_DATA_DIR: source.dataDir,
      OUTPOST_AUDIT_CHECKPOINT_DIR: source.checkpointDir,
      OUTPOST_BACKUP_PASSPHRASE: PASSPHRASE
    });
    backingUp = false;
    await writer;
    expect(backup.stderr).toBe('');
    expect(backup.status).toBe(0);
    expect(backup.stdout).toContain(`Backup written to ${backupFile}`);
    expect(written.size).toBeGreaterThan(5);

    // No plaintext: the fixture patient's name is in the live store (positive control), never in the backup.
    expect(storeBytes(source.dataDir).includes(FIXTURE_FAMILY)).toBe(true);
    expect(fs.readFileSync(backupFile).includes(FIXTURE_FAMILY)).toBe(false);
    expect(fs.readFileSync(backupFile).includes('Before0')).toBe(false);
    await app.close();
    expect(app.db.open).toBe(false);

    // Restore on another machine that has the audit key (copied) but not the checkpoint folder.
    const target = site(source.keyFile);
    const restored = await runCli('server/cli/restore.ts', [backupFile, '--data-dir', target.dataDir], {
      OUTPOST_AUDIT_CHECKPOINT_DIR: target.checkpointDir,
      OUTPOST_AUDIT_KEY_FILE: target.keyFile,
      OUTPOST_BACKUP_PASSPHRASE: PASSPHRASE
    });
    expect(restored.stderr).toBe('');
    expect(restored.status).toBe(0);
    expect(restored.stdout).toMatch(/^Restored the backup of \S+ into /);
    expect(restored.stdout).toMatch(/Audit log verified: \d+ entries, \d+ checkpoints?\./);

    const verify = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli/audit-verify.ts'], {
      cwd: root,
      env: { ...process.env, OUTPOST_DATA_DIR: target.dataDir, OUTPOST_AUDIT_CHECKPOINT_DIR: target.checkpointDir, OUTPOST_AUDIT_KEY_FILE: target.keyFile },
      encoding: 'utf8'
    });
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(/Audit log intact: \d+ entries verified\./);

    const copy = await start(target);
    try {
      const restoredCookie = await sessionCookieFor(copy.url, 'importer');
      const list = (await (await getJson(copy.url, '/api/patients', restoredCookie)).json()) as { patients: PatientSummary[] };
      const families = list.patients.map((p) => p.name.family);
      expect(families).toContain(FIXTURE_FAMILY);
      for (let i = 0; i < 5; i++) expect(families).toContain(`Before${i}`);
      // Every patient the snapshot holds opens with the name it was written with.
      const held = copy.db.prepare("SELECT name FROM documents WHERE kind = 'patient'").all() as { name: string }[];
      expect(held).toHaveLength(list.patients.length);
      // One consistent moment in the middle of the writing: a prefix of the writes, some
      // made after the backup started, and some made after the snapshot (not in it).
      const during = families.filter((f) => f.startsWith('During')).map((f) => Number(f.slice('During'.length))).sort((a, b) => a - b);
      expect(during.length).toBeGreaterThan(0);
      expect(during).toEqual(during.map((_, i) => i));
      expect(held.length).toBeLessThan(written.size + 1);
      for (const { name } of held) {
        const state = await copy.sync.readState(name, clinicId);
        const doc = new Y.Doc();
        Y.applyUpdate(doc, state!);
        const id = name.slice('patient:'.length);
        expect(readPatient(doc)?.family).toBe(written.get(id) ?? FIXTURE_FAMILY);
      }
      expect(copy.db.prepare("SELECT action FROM audit_log WHERE action LIKE 'backup.%'").all()).toEqual([{ action: 'backup.restore' }]);
    } finally {
      await copy.close();
    }
    const db = new Database(path.join(target.dataDir, 'outpost.sqlite'));
    try {
      expect(verifyAudit(db, { checkpointDir: target.checkpointDir, trustedKeys: [loadTrustedKey(target.keyFile)] })).toMatchObject({ ok: true, problems: [] });
    } finally {
      db.close();
    }
    const sourceDb = new Database(path.join(source.dataDir, 'outpost.sqlite'));
    expect(sourceDb.prepare("SELECT action, outcome FROM audit_log WHERE action LIKE 'backup.%'").all()).toEqual([{ action: 'backup.create', outcome: 'success' }]);
    sourceDb.close();
  });

  it('refuses a wrong passphrase with a clear message and restores nothing', async () => {
    const { file } = await smallBackup();
    const target = site();
    expect(() => restoreBackup({ file, dataDir: target.dataDir, checkpointDir: target.checkpointDir, passphrase: 'not the passphrase' })).toThrow(
      new BackupError('wrong-passphrase', 'Wrong passphrase: it does not open this backup. Nothing was restored.')
    );
    expect(fs.existsSync(target.dataDir)).toBe(false);
    expect(fs.existsSync(target.checkpointDir)).toBe(false);

    const cli = await runCli('server/cli/restore.ts', [file, '--data-dir', target.dataDir], {
      OUTPOST_AUDIT_CHECKPOINT_DIR: target.checkpointDir,
      OUTPOST_BACKUP_PASSPHRASE: 'not the passphrase'
    });
    expect(cli).toEqual({ status: 1, stdout: '', stderr: 'Restore refused: Wrong passphrase: it does not open this backup. Nothing was restored.\n' });
  });

  it('refuses a truncated file with a clear message and leaves the data directory empty', async () => {
    const { file } = await smallBackup();
    const whole = fs.readFileSync(file);
    fs.writeFileSync(file, whole.subarray(0, whole.length - 100));
    const target = site();
    expect(() => restoreBackup({ file, dataDir: target.dataDir, checkpointDir: target.checkpointDir, passphrase: PASSPHRASE })).toThrow(
      /^The backup file is damaged: it was changed or cut short \(the part at byte \d+ does not authenticate\)\. Nothing was restored\.$/
    );
    expect(fs.existsSync(target.dataDir) ? fs.readdirSync(target.dataDir) : []).toEqual([]);
    expect(fs.existsSync(target.checkpointDir) ? fs.readdirSync(target.checkpointDir) : []).toEqual([]);
  });

  it('refuses a file with one byte changed, a file that is no backup, and a data directory that is not empty', async () => {
    const { file, source } = await smallBackup();
    const target = site();
    const whole = fs.readFileSync(file);
    const flipped = Buffer.from(whole);
    flipped[Math.floor(whole.length / 2)] ^= 0x01;
    fs.writeFileSync(file, flipped);
    expect(() => restoreBackup({ file, dataDir: target.dataDir, checkpointDir: target.checkpointDir, passphrase: PASSPHRASE })).toThrow(
      /^The backup file is damaged: it was changed or cut short/
    );

    const plain = path.join(source.dataDir, 'outpost.sqlite');
    expect(() => restoreBackup({ file: plain, dataDir: target.dataDir, checkpointDir: target.checkpointDir, passphrase: PASSPHRASE })).toThrow(
      'This file is not an Outpost backup.'
    );

    fs.writeFileSync(file, whole);
    expect(() => restoreBackup({ file, dataDir: source.dataDir, checkpointDir: target.checkpointDir, passphrase: PASSPHRASE })).toThrow(
      `The data directory ${source.dataDir} is not empty: restore only into an empty one (move the current one aside first).`
    );
    // Positive control: the intact file restores.
    expect(restoreBackup({ file, dataDir: target.dataDir, checkpointDir: target.checkpointDir, passphrase: PASSPHRASE }).manifest.audit.seq).toBe(1);
  });

  it('restoring beside the checkpoints of the same log keeps them aside, and the restored copy verifies', async () => {
    const { file, source } = await smallBackup();
    // The source goes on after the backup: more entries, and a checkpoint that vouches for them.
    const app = await start(source);
    await sessionCookieFor(app.url, 'nurse.a');
    await sessionCookieFor(app.url, 'nurse.a');
    await app.close();
    // #1 login, #2 backup.create, #3 and #4 the sign-ins after the backup.
    expect(JSON.parse(fs.readFileSync(app.auditCheckpoints.file, 'utf8').trimEnd().split('\n').at(-1)!)).toMatchObject({ seq: 4 });
    fs.rmSync(source.dataDir, { recursive: true });

    const result = restoreBackup({ file, dataDir: source.dataDir, checkpointDir: source.checkpointDir, passphrase: PASSPHRASE });
    expect(result.movedAside).toMatch(/audit-[0-9a-f]{32}\.jsonl\.before-restore-/);
    expect(fs.existsSync(result.movedAside!)).toBe(true);
    const db = new Database(result.databaseFile);
    try {
      expect(verifyAudit(db, { checkpointDir: source.checkpointDir, trustedKeys: [loadTrustedKey(source.keyFile)] })).toMatchObject({ ok: true, lastSeq: 2, problems: [] });
    } finally {
      db.close();
    }
  });
});
