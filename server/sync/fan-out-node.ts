/**
 * Test support: one sync server process on a shared PostgreSQL store with
 * Redis fan-out (fan-out.test.ts and presence-fan-out.test.ts start two and
 * kill one with SIGKILL). Reads OUTPOST_TEST_DATABASE_URL,
 * OUTPOST_TEST_REDIS_URL, OUTPOST_TEST_FANOUT_CHANNEL and, optionally,
 * OUTPOST_TEST_HEARTBEAT_MS / OUTPOST_TEST_NODE_TIMEOUT_MS; prints
 * {"wsBase": …} on one line once listening.
 */
import { PgDocumentStore } from '../store/pg-doc-store';
import { createRedisFanOut } from './fan-out';
import { startTestServer } from './sync-test-server';

const ms = (v: string | undefined) => (v ? Number(v) : undefined);
const store = await PgDocumentStore.open(process.env.OUTPOST_TEST_DATABASE_URL!, { max: 4 });
const fanOut = await createRedisFanOut(process.env.OUTPOST_TEST_REDIS_URL!, {
  channel: process.env.OUTPOST_TEST_FANOUT_CHANNEL,
  heartbeatMs: ms(process.env.OUTPOST_TEST_HEARTBEAT_MS),
  nodeTimeoutMs: ms(process.env.OUTPOST_TEST_NODE_TIMEOUT_MS)
});
const server = await startTestServer({ deps: { store, fanOut } });
process.stdout.write(JSON.stringify({ wsBase: server.wsBase }) + '\n');
