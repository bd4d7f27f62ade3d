import 'fake-indexeddb/auto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runAdmin } from '../../../server/cli/admin-commands';
import { startTestApp, type TestApp } from '../../../server/http/test-app';
import { DEMO_PASSWORD } from '../../../server/seed/demo-seed';
import { docName } from '../domain/doc-names';
import { nodeDevice } from './test-client';

/** A live document whose session the server ends: told once, and the stock provider stops retrying (4401 is a 44xx close). */
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ demo: true, sync: { sessionCheckMs: 100 } });
});
afterAll(async () => {
  await app.stop();
});

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('the socket closed for an ended session tells the engine once and does not reconnect', async () => {
  let ended = 0;
  const device = await nodeDevice(app.url, 'desk.demo', DEMO_PASSWORD, { live: true, onSessionEnded: () => ended++ });
  try {
    const { patients } = await device.api.request<{ patients: { id: string }[] }>('/api/patients');
    const live = await device.engine.acquire(docName('patient', patients[0].id));
    await waitFor(() => live.connection === 'live');
    const quiet = { out: () => {}, askPassword: () => Promise.reject(new Error('no prompt')) };
    expect(await runAdmin(['revoke-sessions', '--username', 'desk.demo'], app.dataDir, quiet)).toBe(0);
    await waitFor(() => ended === 1);
    // 'offline', not 'connecting': the provider gave up instead of retrying with a dead cookie.
    await waitFor(() => live.connection === 'offline');
    expect(ended).toBe(1);
  } finally {
    await device.close();
  }
});
