import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import * as encoding from 'lib0/encoding';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { docName } from '../../src/lib/domain/doc-names';
import { PgDocumentStore } from '../store/pg-doc-store';
import { createTestPgDatabase } from '../store/pg-test-db';
import { createRedisFanOut, PRESENCE_MAX_MESSAGE } from './fan-out';
import { encodeAwarenessMessage } from './protocol';
import { connectRaw, startTestServer, waitFor, webSocketAs, type TestServer, type TestUserKey } from './sync-test-server';

/**
 * Presence (who is in a chart, cursors) across server processes on one
 * PostgreSQL store with Redis between them: an editor on one process is
 * seen by an editor on another, leaves, and disappears; a process killed
 * with SIGKILL has its editors removed at the others once its heartbeat
 * stops; presence from Redis is taken only in its format, bounded, and
 * cannot set an entry another process or connection owns. Needs
 * PostgreSQL (pg-test-db.ts) and Redis at OUTPOST_TEST_REDIS_URL (default
 * redis://127.0.0.1:6379); skipped with the reason printed without them,
 * except under CI=1.
 */

const REDIS_URL = process.env.OUTPOST_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const CHART = docName('chart', '5a1e7c3b-2d4f-4e6a-8b9c-0d1e2f3a4b5c');
/** Short heartbeat for the tests: a process silent 1.5 s is taken as gone (default 5 s / 15 s). */
const HEARTBEAT_MS = 300;
const NODE_TIMEOUT_MS = 1500;

async function redisReachable(): Promise<boolean> {
  try {
    const probe = await createRedisFanOut(REDIS_URL, { channel: `outpost:probe:${randomBytes(4).toString('hex')}` });
    await probe.close();
    return true;
  } catch (err) {
    const why = `Redis is not reachable at ${REDIS_URL} (${err instanceof Error ? err.message : String(err)})`;
    if (process.env.CI === '1') throw new Error(`${why}: CI=1 requires it`);
    console.warn(`SKIPPED: the presence fan-out tests need Redis. ${why}.`);
    return false;
  }
}

const pgDb = await createTestPgDatabase();
const ready = pgDb !== null && (await redisReachable());
const providers: WebsocketProvider[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const p of providers.splice(0)) p.destroy();
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await pgDb?.drop();
});

function open(wsBase: string, as: TestUserKey, label: string): WebsocketProvider {
  const provider = new WebsocketProvider(wsBase, CHART, new Y.Doc(), { WebSocketPolyfill: webSocketAs(as), disableBc: true, maxBackoffTime: 200 });
  // The client's own choice of name: the server replaces it with the signed-in user's.
  provider.awareness.setLocalState({ user: { name: label, color: '#1f6feb' }, cursor: { section: 'assessment', at: 3 } });
  providers.push(provider);
  return provider;
}

function synced(provider: WebsocketProvider): Promise<void> {
  if (provider.synced) return Promise.resolve();
  return new Promise((resolve) => provider.once('sync', (s: boolean) => s && resolve()));
}

/** The name `watcher` sees for the editor with `clientId`, or null when it sees no such editor. */
function seenName(watcher: WebsocketProvider, clientId: number): string | null {
  const state = watcher.awareness.getStates().get(clientId) as { user?: { name?: string } } | undefined;
  return state?.user?.name ?? null;
}

/** Stays true for `ms` (fails as soon as it is not). */
async function holds(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    expect(check()).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One node in its own process (fan-out-node.ts). */
async function nodeProcess(channel: string): Promise<{ wsBase: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/sync/fan-out-node.ts'], {
    env: {
      ...process.env,
      OUTPOST_TEST_DATABASE_URL: pgDb!.url,
      OUTPOST_TEST_REDIS_URL: REDIS_URL,
      OUTPOST_TEST_FANOUT_CHANNEL: channel,
      OUTPOST_TEST_HEARTBEAT_MS: String(HEARTBEAT_MS),
      OUTPOST_TEST_NODE_TIMEOUT_MS: String(NODE_TIMEOUT_MS)
    },
    stdio: ['ignore', 'pipe', 'inherit']
  });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`node process exited (${code})`)));
  });
  return { wsBase: (JSON.parse(line) as { wsBase: string }).wsBase, child };
}

/** One in-process node, for looking at what it refused. */
async function node(channel: string): Promise<TestServer> {
  const store = await PgDocumentStore.open(pgDb!.url, { max: 4 });
  const fanOut = await createRedisFanOut(REDIS_URL, { channel, heartbeatMs: HEARTBEAT_MS, nodeTimeoutMs: NODE_TIMEOUT_MS });
  const server = await startTestServer({ deps: { store, fanOut } });
  cleanups.push(async () => {
    await server.stop();
    await fanOut.close();
    await store.close();
  });
  return server;
}

/** An awareness update setting each client's state (null: removed), as the wire carries it. */
function awarenessUpdate(entries: { clientId: number; clock: number; state: unknown }[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const x of entries) {
    encoding.writeVarUint(e, x.clientId);
    encoding.writeVarUint(e, x.clock);
    encoding.writeVarString(e, JSON.stringify(x.state));
  }
  return encoding.toUint8Array(e);
}

describe.skipIf(!ready)('presence across server processes (Redis between them)', () => {
  it('an editor on process 1 is seen, under the signed-in name, by an editor on process 2, and is gone there once they leave', async () => {
    const channel = `outpost:test:${randomBytes(4).toString('hex')}`;
    const [one, two] = [await nodeProcess(channel), await nodeProcess(channel)];
    const a = open(one.wsBase, 'clinician', 'Someone Else');
    await synced(a);
    // B opens the chart on process 2 after A: process 2 asks the others who is present (A renews only every 15 s).
    const b = open(two.wsBase, 'nurse', 'Not The Nurse');
    await synced(b);
    await waitFor(() => seenName(b, a.awareness.clientID) === 'u-clinician', 3000);
    expect(b.awareness.getStates().get(a.awareness.clientID)).toEqual({ user: { name: 'u-clinician', color: '#1f6feb' }, cursor: { section: 'assessment', at: 3 } });
    // And the other way, as it changes.
    b.awareness.setLocalStateField('cursor', { section: 'plan', at: 11 });
    await waitFor(() => (a.awareness.getStates().get(b.awareness.clientID) as { cursor?: { at: number } } | undefined)?.cursor?.at === 11, 3000);
    expect(seenName(a, b.awareness.clientID)).toBe('u-nurse');

    const aId = a.awareness.clientID;
    a.destroy();
    await waitFor(() => seenName(b, aId) === null, 3000);
    expect([...b.awareness.getStates().keys()]).toEqual([b.awareness.clientID]);
  });

  it('process 1 killed with SIGKILL: its editor disappears at process 2 once its heartbeat stops, not before', async () => {
    const channel = `outpost:test:${randomBytes(4).toString('hex')}`;
    const [one, two] = [await nodeProcess(channel), await nodeProcess(channel)];
    const a = open(one.wsBase, 'clinician', 'A');
    const b = open(two.wsBase, 'nurse', 'B');
    await Promise.all([synced(a), synced(b)]);
    const aId = a.awareness.clientID;
    await waitFor(() => seenName(b, aId) === 'u-clinician', 3000);
    // Positive control: while process 1 lives, its heartbeat keeps A present at B well past the node timeout.
    await holds(() => seenName(b, aId) === 'u-clinician', 2 * NODE_TIMEOUT_MS);

    const exited = new Promise((r) => one.child.once('exit', r));
    one.child.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    // Gone within the node timeout and a heartbeat (plus delivery), far before Yjs's own 30 s presence timeout.
    await waitFor(() => seenName(b, aId) === null, NODE_TIMEOUT_MS + 2 * HEARTBEAT_MS + 1000);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(NODE_TIMEOUT_MS - 2 * HEARTBEAT_MS);
  });

  it('presence from Redis is taken only in its format and size, and cannot set an entry a connection or another process owns', async () => {
    const channel = `outpost:test:${randomBytes(4).toString('hex')}`;
    const one = await nodeProcess(channel);
    const two = await node(channel);
    const b = open(two.wsBase, 'nurse', 'B');
    const watcherOnTwo = open(two.wsBase, 'clinician', 'V');
    const watcherOnOne = open(one.wsBase, 'clinician', 'W');
    await Promise.all([synced(b), synced(watcherOnTwo), synced(watcherOnOne)]);
    const bId = b.awareness.clientID;
    await waitFor(() => seenName(watcherOnOne, bId) === 'u-nurse' && seenName(watcherOnTwo, bId) === 'u-nurse', 3000);

    const redis = new Redis(REDIS_URL);
    cleanups.push(async () => void (await redis.quit()));
    const presenceChannel = `${channel}:presence`;
    const fake = 'abcdef0123456789';
    const send = (msg: Record<string, unknown>, pad = '') => redis.publish(presenceChannel, JSON.stringify({ v: 1, n: fake, ...msg }) + pad);
    const u = (entries: Parameters<typeof awarenessUpdate>[0]) => Buffer.from(awarenessUpdate(entries)).toString('base64');

    // Another "process" tries to rename and then erase B, whom process 2's connection owns: refused.
    await send({ k: 'a', d: CHART, u: u([{ clientId: bId, clock: 900, state: { user: { name: 'Intruder' } } }]) });
    await send({ k: 'a', d: CHART, u: u([{ clientId: bId, clock: 901, state: null }]) });
    // Undecodable awareness bytes in a well-formed envelope: refused.
    await send({ k: 'a', d: CHART, u: Buffer.from([5, 1, 2]).toString('base64') });
    // Too large (otherwise valid, padded with whitespace JSON allows): dropped unread.
    await send({ k: 'a', d: CHART, u: u([{ clientId: 5151, clock: 1, state: { user: { name: 'Oversized' } } }]) }, ' '.repeat(PRESENCE_MAX_MESSAGE));
    // Outside the format: no version, a bad node id, a bad document name.
    await redis.publish(presenceChannel, JSON.stringify({ n: fake, k: 'a', d: CHART, u: u([{ clientId: 6161, clock: 1, state: { user: { name: 'No version' } } }]) }));
    await redis.publish(presenceChannel, JSON.stringify({ v: 1, n: 'not-a-node', k: 'a', d: CHART, u: u([{ clientId: 6262, clock: 1, state: { user: { name: 'Bad node' } } }]) }));
    await send({ k: 'a', d: 'chart:../../etc', u: u([{ clientId: 6363, clock: 1, state: { user: { name: 'Bad name' } } }]) });
    // Positive control: a well-formed update for an entry of its own is shown to the editors on process 2.
    await send({ k: 'a', d: CHART, u: u([{ clientId: 4242, clock: 1, state: { user: { name: 'Visitor on another process' } } }]) });
    await waitFor(() => seenName(watcherOnTwo, 4242) === 'Visitor on another process', 3000);

    expect(two.service.presenceRefused()).toBe(4);
    expect(seenName(watcherOnTwo, bId)).toBe('u-nurse');
    expect(seenName(watcherOnOne, bId)).toBe('u-nurse');
    for (const id of [5151, 6161, 6262, 6363]) expect(seenName(watcherOnTwo, id)).toBeNull();

    // A connection on process 1 tries to clear B's entry, which process 2 owns there: refused, B still present everywhere.
    const raw = await connectRaw(one.wsBase, CHART, 'clinician');
    raw.ws.send(encodeAwarenessMessage(awarenessUpdate([{ clientId: bId, clock: 902, state: null }])));
    await holds(() => seenName(watcherOnOne, bId) === 'u-nurse' && seenName(watcherOnTwo, bId) === 'u-nurse', 1000);
    raw.ws.close();

    // The other "process" says it stops: its editor goes at once.
    await send({ k: 'bye' });
    await waitFor(() => seenName(watcherOnTwo, 4242) === null, 1000);
  });
});
