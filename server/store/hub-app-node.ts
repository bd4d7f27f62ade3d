/**
 * Test support: the whole server as one hub process (hub-sessions.test.ts
 * starts two and kills one with SIGKILL). Reads OUTPOST_TEST_DATA_DIR,
 * OUTPOST_TEST_DATABASE_URL and OUTPOST_TEST_REDIS_URL; with
 * OUTPOST_TEST_SEED=1 it first adds a clinic with one clinician, `amara`.
 * Prints {"url": …} on one line once listening.
 */
import { addClinic, startTestApp } from '../http/test-app';

const app = await startTestApp({
  dataDir: process.env.OUTPOST_TEST_DATA_DIR!,
  databaseUrl: process.env.OUTPOST_TEST_DATABASE_URL!,
  redisUrl: process.env.OUTPOST_TEST_REDIS_URL!
});
if (process.env.OUTPOST_TEST_SEED === '1') await addClinic(app, 'Hub Clinic', [{ username: 'amara', roles: ['clinician'] }]);
process.stdout.write(JSON.stringify({ url: app.url }) + '\n');
