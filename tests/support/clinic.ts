import * as Y from 'yjs';
import { createSecondFactorStore } from '../../server/auth/second-factor';
import { createSecretSealer, loadOrCreateKeyFile } from '../../server/crypto/sealed-secret';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { expect } from '@playwright/test';
import { createApp } from '../../server/app';
import type { TelehealthConfig } from '../../server/telehealth/telehealth-config';

export const DEMO_PASSWORD = 'outpost-demo';

export type Clinic = Awaited<ReturnType<typeof createApp>> & { dataDir: string; stop(): Promise<void> };

/** Starts the real server (built app, SQLite, sync) on a random loopback port with the demo clinic. */
export async function startClinic(opts: { idleLockMinutes?: number; staticDir?: string; telehealth?: TelehealthConfig } = {}): Promise<Clinic> {
  const dataDir = mkdtempSync(join(tmpdir(), 'outpost-e2e-'));
  const app = await createApp({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    demo: true,
    idleLockMinutes: opts.idleLockMinutes,
    staticDir: opts.staticDir ?? 'build',
    // LiveKit settings for video visits; without them the server reads LIVEKIT_* from the environment.
    telehealth: opts.telehealth,
    logger: () => {}
  });
  return Object.assign(app, {
    dataDir,
    async stop() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
}

/**
 * A device's network cable: a loopback TCP proxy in front of the server.
 * `unplug()` refuses new connections and cuts open ones (websockets too), so
 * the page, its service worker and its sockets all lose the server, as when
 * a rural link drops. Each device gets its own cable (and so its own origin,
 * hence its own IndexedDB and service worker, like a separate laptop).
 */
export class NetworkCable {
  private plugged = true;
  private readonly sockets = new Set<net.Socket>();
  private server!: net.Server;
  port = 0;

  constructor(private targetPort: number) {}

  /** Points the cable at another server, as when a clinic deploys a new version behind the same address. */
  retarget(port: number): void {
    this.targetPort = port;
    for (const s of this.sockets) s.destroy();
  }

  async start(): Promise<this> {
    this.server = net.createServer((client) => {
      if (!this.plugged) {
        client.destroy();
        return;
      }
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  unplug(): void {
    this.plugged = false;
    for (const s of this.sockets) s.destroy();
  }

  plug(): void {
    this.plugged = true;
  }

  async close(): Promise<void> {
    this.unplug();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A device: a browser context on its own cable. Going offline unplugs the cable and tells the browser. */
export class Device {
  constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly cable: NetworkCable
  ) {}

  static async open(browser: Browser, clinic: Clinic, viewport = { width: 1280, height: 860 }): Promise<Device> {
    const cable = await new NetworkCable(clinic.port).start();
    const context = await browser.newContext({ baseURL: cable.url, viewport });
    const page = await context.newPage();
    return new Device(context, page, cable);
  }

  /**
   * Cuts the network. A device in a clinic has long had the app installed:
   * when the page registered the service worker, its precache is waited for
   * first, so a journey never fails for a screen whose code had not been
   * cached yet (SvelteKit shows "500 Internal Error" for a chunk it cannot
   * load). offline-clinic.spec.ts tests the first minutes on purpose.
   */
  async offline(): Promise<void> {
    const registered = await this.page
      .evaluate(async () => ('serviceWorker' in navigator ? !!(await navigator.serviceWorker.getRegistration()) : false))
      .catch(() => false);
    if (registered) await this.waitForServiceWorker();
    this.cable.unplug();
    await this.context.setOffline(true);
  }

  async online(): Promise<void> {
    this.cable.plug();
    await this.context.setOffline(false);
  }

  async close(): Promise<void> {
    await this.context.close();
    await this.cable.close();
  }

  /** Signs in through the form and waits until the clinic panel is on the device. */
  async signIn(username: string, password = DEMO_PASSWORD): Promise<void> {
    const { page } = this;
    await page.goto('/');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Patients' })).toBeVisible();
    await this.waitSynced();
  }

  async waitSynced(): Promise<void> {
    await expect(this.page.getByTestId('sync-indicator')).toHaveText(/All changes synced/, { timeout: 30_000 });
  }

  /** Waits until the service worker controls the page, so the app shell is cached for offline use. */
  async waitForServiceWorker(): Promise<void> {
    // Installed and active: the app shell is precached. (waitForFunction would take the
    // promise an async predicate returns for a truthy answer, so this is awaited here.)
    await this.page.evaluate(() =>
      Promise.race([
        navigator.serviceWorker.ready,
        new Promise((_, reject) => setTimeout(() => reject(new Error('no service worker became active in 30 s')), 30_000))
      ]).then(() => undefined)
    );
    // The first worker claims the page that installed it (workbox clientsClaim): no reload needed.
    await this.page.waitForFunction(() => !!navigator.serviceWorker.controller, undefined, { timeout: 10_000 });
  }

  /**
   * A full page load (typing a URL, a reload). The data key lives only in
   * memory, so every load asks for the password again before showing data.
   */
  async visit(path: string): Promise<void> {
    await this.page.goto(path);
    await this.unlock();
  }

  async unlock(password = DEMO_PASSWORD): Promise<void> {
    await expect(this.page.getByRole('heading', { name: 'Outpost is locked' })).toBeVisible();
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Unlock' }).click();
    await expect(this.page.getByRole('heading', { name: 'Outpost is locked' })).toBeHidden();
  }

  async openPatient(displayName: string): Promise<string> {
    const { page } = this;
    // In-app navigation: a full page load would lock the app (the key lives in memory only).
    await page.getByRole('link', { name: 'Patients', exact: true }).click();
    await page.getByLabel('Search patients').fill(displayName.split(',')[0]);
    // The patient list's link (the unsigned-notes worklist above it links names to visits).
    await page.getByTestId('patient-link').filter({ hasText: displayName }).first().click();
    await expect(page.getByTestId('patient-name')).toHaveText(displayName);
    return page.url();
  }
}

/** The server's current copy of a shared document (first clinic), as a Y.Doc; null when the server has none. */
export async function serverDoc(clinic: Clinic, name: string): Promise<Y.Doc | null> {
  const clinicId = (clinic.db.prepare('SELECT id FROM clinics LIMIT 1').get() as { id: string }).id;
  const state = await clinic.sync.readState(name, clinicId);
  if (!state) return null;
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc;
}

/**
 * The clinic's whole appointment book as the server stores it: the book's
 * settings and every month's document, read into one document (appointments
 * are keyed by id, so months do not collide). For reading only.
 */
export async function serverBook(clinic: Clinic, clinicId: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const names = (clinic.db.prepare("SELECT name FROM documents WHERE clinic_id = ? AND kind = 'schedule' ORDER BY name").all(clinicId) as { name: string }[]).map((r) => r.name);
  for (const name of names) {
    const state = await clinic.sync.readState(name, clinicId);
    if (state) Y.applyUpdate(doc, state);
  }
  return doc;
}

/**
 * The clinic's second-factor store with the app's own secrets key (kept in
 * its data directory), for specs that give a user an authenticator as an
 * enrolment in the app would leave it.
 */
export function secondFactorStoreOf(clinic: Clinic) {
  const sealer = createSecretSealer(loadOrCreateKeyFile(join(clinic.dataDir, 'secrets.key'), 'secrets key', 'restore it.'));
  return createSecondFactorStore(clinic.db, Date.now, sealer);
}
