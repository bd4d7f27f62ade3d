import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { docName } from '../../src/lib/domain/doc-names';
import { SESSION_ENDED_CLOSE_CODE } from '../../src/lib/domain/sync-close-codes';
import { createRedisFanOut } from '../sync/fan-out';
import { getJson, sessionCookieFor } from '../http/test-app';
import { createTestPgDatabase } from './pg-test-db';

/**
 * Sessions across hub processes (README, "A hub on PostgreSQL"): accounts
 * and sessions live in the SQLite file of OUTPOST_DATA_DIR, so two
 * processes that share that file (one machine) share them — a session made
 * on process 1 goes on working on process 2 after process 1 is killed —
 * and a process with a data directory of its own (another machine) knows
 * neither. Needs PostgreSQL (pg-test-db.ts) and Redis at
 * OUTPOST_TEST_REDIS_URL (default redis://127.0.0.1:6379); under CI=1 they
 * must be there.
 */

const REDIS_URL = process.env.OUTPOST_TEST_REDIS_URL || 'redis://127.0.0.1:6379';

async function redisReachable(): Promise<boolean> {
  try {
    await (await createRedisFanOut(REDIS_URL, { channel: `outpost:probe:${process.pid}` })).close();
    return true;
  } catch (err) {
    const why = `Redis is not reachable at ${REDIS_URL} (${err instanceof Error ? err.message : String(err)})`;
    if (process.env.CI === '1') throw new Error(`${why}: CI=1 requires it`);
    console.warn(`SKIPPED: the hub session tests need Redis. ${why}.`);
    return false;
  }
}

const pgDb = await createTestPgDatabase();
const ready = pgDb !== null && (await redisReachable());
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
});
afterAll(async () => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  await pgDb?.drop();
});

function dataDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-hub-'));
  dirs.push(d);
  return d;
}

async function hubProcess(dir: string, seed = false): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/store/hub-app-node.ts'], {
    env: {
      ...process.env,
      OUTPOST_TEST_DATA_DIR: dir,
      OUTPOST_TEST_DATABASE_URL: pgDb!.url,
      OUTPOST_TEST_REDIS_URL: REDIS_URL,
      OUTPOST_TEST_SEED: seed ? '1' : ''
    },
    stdio: ['ignore', 'pipe', 'inherit']
  });
  children.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`hub process exited (${code})`)));
  });
  return { url: (JSON.parse(line) as { url: string }).url, child };
}

async function kill9(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** The HTTP status of a sync upgrade with this cookie (101: opened). */
function upgradeStatus(url: string, name: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/sync/${name}`, { headers: { cookie } });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

describe.skipIf(!ready)('sessions across hub processes', () => {
  it('one data directory (one machine): signed in on process 1, the chart opens on process 2 after process 1 is killed', async () => {
    const dir = dataDir();
    const one = await hubProcess(dir, true);
    const two = await hubProcess(dir);
    const cookie = await sessionCookieFor(one.url, 'amara');
    expect((await getJson(two.url, '/api/auth/me', cookie)).status).toBe(200);
    const chart = docName('chart', '0b7c6d5e-4f3a-4b2c-9d1e-8f7a6b5c4d3e');

    // Another session of hers, with a socket open on process 2, signed out on process 1: the socket is closed.
    const other = await sessionCookieFor(one.url, 'amara');
    const socket = new WebSocket(`${two.url.replace(/^http/, 'ws')}/sync/${chart}`, { headers: { cookie: other } });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    expect((await fetch(`${one.url}/api/auth/logout`, { method: 'POST', headers: { cookie: other } })).status).toBe(204);
    expect(await closed).toBe(SESSION_ENDED_CLOSE_CODE);

    await kill9(one.child);
    expect(await upgradeStatus(two.url, chart, cookie)).toBe(101);
    // Signed out on process 2: ended for every process sharing the file.
    expect((await fetch(`${two.url}/api/auth/logout`, { method: 'POST', headers: { cookie } })).status).toBe(204);
    expect(await upgradeStatus(two.url, chart, cookie)).toBe(401);
  });

  it('a data directory of its own (another machine): process 2 knows neither the account nor the session', async () => {
    const one = await hubProcess(dataDir(), true);
    const two = await hubProcess(dataDir());
    const cookie = await sessionCookieFor(one.url, 'amara');
    // Positive control: process 1 takes it.
    expect((await getJson(one.url, '/api/auth/me', cookie)).status).toBe(200);
    expect((await getJson(two.url, '/api/auth/me', cookie)).status).toBe(401);
    expect((await fetch(`${two.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'amara', password: 'correct horse battery' }) })).status).toBe(401);
  });
});
