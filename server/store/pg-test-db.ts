import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Test support: a fresh PostgreSQL database per test run, on the server at
 * OUTPOST_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 * dropped afterwards. When the server cannot be reached the tests that need
 * it say why and skip, except under CI=1, where they must run: there the
 * missing server is an error.
 */
export const TEST_PG_ADMIN_URL = process.env.OUTPOST_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestPgDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates `outpost_test_<random>`; null (with the reason printed) when PostgreSQL is not reachable outside CI. */
export async function createTestPgDatabase(): Promise<TestPgDatabase | null> {
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (err) {
    const why = `PostgreSQL is not reachable at ${redact(TEST_PG_ADMIN_URL)} (${err instanceof Error ? err.message : String(err)})`;
    if (process.env.CI === '1') throw new Error(`${why}: CI=1 requires it`);
    console.warn(`SKIPPED: the PostgreSQL store tests need a server. ${why}. Start one or set OUTPOST_TEST_PG_URL.`);
    await admin.end().catch(() => {});
    return null;
  }
  const name = `outpost_test_${randomBytes(6).toString('hex')}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    }
  };
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured URL';
  }
}
