import fs from 'node:fs';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from '@playwright/test';
import type { TelehealthConfig } from '../server/telehealth/telehealth-config';
import { DEMO_PASSWORD, startClinic, type Clinic } from '../tests/support/clinic';

/**
 * The first use of the app on a poor rural link, in Chromium against the
 * real server (loopback, demo clinic, built app):
 *
 * (a) a patient opens a video visit's join link: from the navigation until
 *     the first control they can use (the date-of-birth field, or Continue
 *     where no date is asked) is in the page;
 * (b) a clinician's first sign-in on a fresh device: from the click on
 *     Sign in until the patient list shows every demo patient (also the
 *     first patient row, and the sync indicator saying all is synced).
 *
 * Each on a fresh browser context, once with the link emulated through CDP
 * (Network.emulateNetworkConditions: 400 ms round trip, 400 kbit/s down,
 * 200 kbit/s up) and once without (the baseline, same run). Bytes are what
 * the page's network stack received (the sum of encodedDataLength of
 * Network.loadingFinished, headers included) plus websocket frame payloads.
 *
 * The service worker installs in the background and precaches the app. Its
 * requests are counted on their own (Playwright reports them per worker):
 * CDP emulates the link for the page's target only, so the worker's fetches
 * here run at loopback speed; the report says how many bytes they are, when
 * they ran relative to the first use, and how long they would hold the
 * emulated link.
 *
 * No LiveKit is needed: making and checking join links never talks to it.
 * Skips with a note when Chromium or the built app (npm run build) is missing.
 */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SLOW = { offline: false, latency: 400, downloadThroughput: (400 * 1024) / 8, uploadThroughput: (200 * 1024) / 8 };
const DOWN_BYTES_PER_S = SLOW.downloadThroughput;
const JOIN_TARGET_MS = 6_000;
const SIGN_IN_TARGET_MS = 20_000;
const TIMEOUT_MS = 180_000;
const TYPING_MS = 8_000;
const FAKE_LIVEKIT: TelehealthConfig = {
  configured: true,
  url: 'ws://127.0.0.1:1',
  apiKey: 'APIbenchkey',
  apiSecret: 'bench-secret-that-is-long-enough-for-hs256-0123456789'
};
const PHONE = { width: 390, height: 844 };

/**
 * A slow link for a whole device: a loopback TCP proxy in front of the server
 * through which every connection of one browser context goes (page, service
 * worker, websockets), sharing one downlink and one uplink of the given
 * rates, each byte delayed by half the round trip, and a round trip for each
 * new connection's handshake. Unlike CDP's emulation, which applies to the
 * page's own requests only, the service worker's fetches compete here.
 */
class SlowCable {
  private server!: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly down = { freeAt: 0 };
  private readonly up = { freeAt: 0 };
  /** Bytes sent from the server to the device. */
  downBytes = 0;
  port = 0;

  constructor(private readonly target: number) {}

  async start(): Promise<this> {
    const half = SLOW.latency / 2;
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target, '127.0.0.1');
      for (const sock of [client, upstream]) {
        this.sockets.add(sock);
        sock.on('close', () => this.sockets.delete(sock));
        sock.on('error', () => sock.destroy());
      }
      const opened = performance.now() + SLOW.latency; // the handshake's round trip
      const pipe = (from: net.Socket, to: net.Socket, link: { freeAt: number }, bytesPerS: number, count: boolean) => {
        let last = 0;
        from.on('data', (chunk: Buffer) => {
          const now = performance.now();
          link.freeAt = Math.max(now, link.freeAt, opened - half) + (chunk.length / bytesPerS) * 1000;
          last = link.freeAt + half;
          if (count) this.downBytes += chunk.length;
          setTimeout(() => {
            if (!to.destroyed) to.write(chunk);
          }, last - now);
        });
        from.on('end', () => setTimeout(() => to.end(), Math.max(0, last - performance.now()) + 1));
        from.on('close', () => setTimeout(() => to.destroy(), Math.max(0, last - performance.now()) + 5));
      };
      pipe(client, upstream, this.up, SLOW.uploadThroughput, false);
      pipe(upstream, client, this.down, SLOW.downloadThroughput, true);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const sock of [...this.sockets]) sock.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

interface Traffic {
  /** Page target: bytes received per request id, with its URL. */
  files: Map<string, { url: string; bytes: number; at: number }>;
  ws: number;
  /** Service-worker requests: URL, bytes, epoch ms when finished. */
  sw: { url: string; bytes: number; start: number; end: number }[];
}

async function watch(context: BrowserContext, page: Page, emulate: boolean): Promise<{ cdp: CDPSession; traffic: Traffic }> {
  const cdp = await context.newCDPSession(page);
  const traffic: Traffic = { files: new Map(), ws: 0, sw: [] };
  const urls = new Map<string, string>();
  // CDP's timestamps are monotonic seconds; requestWillBeSent also gives the wall clock, which places them in epoch ms.
  let offset = 0;
  cdp.on('Network.requestWillBeSent', (e) => {
    urls.set(e.requestId, e.request.url);
    offset = e.wallTime * 1000 - e.timestamp * 1000;
  });
  cdp.on('Network.loadingFinished', (e) => traffic.files.set(e.requestId, { url: urls.get(e.requestId) ?? '?', bytes: e.encodedDataLength, at: e.timestamp * 1000 + offset }));
  cdp.on('Network.webSocketFrameReceived', (e) => (traffic.ws += e.response.payloadData.length));
  await cdp.send('Network.enable');
  if (emulate) await cdp.send('Network.emulateNetworkConditions', SLOW);
  const starts = new Map<object, number>();
  context.on('request', (r) => {
    if (r.serviceWorker()) starts.set(r, Date.now());
  });
  context.on('requestfinished', (r) => {
    if (!r.serviceWorker()) return;
    const end = Date.now();
    void r.sizes().then(
      (s) => traffic.sw.push({ url: r.url(), bytes: s.responseBodySize + s.responseHeadersSize, start: starts.get(r) ?? end, end }),
      () => {}
    );
  });
  return { cdp, traffic };
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const pageBytes = (t: Traffic, until = Infinity) => sum([...t.files.values()].filter((f) => f.at <= until).map((f) => f.bytes));
// The join link's secret is not printed.
const path = (url: string) => new URL(url).pathname.replace(/^\/join\/[^/]+$/, '/join/<secret>');

/** An init script: records (page clock) when the selector first matches an enabled element, as window[key]. */
function markWhen(key: string, selector: string, min = 1): string {
  return `(() => {
    const check = () => {
      const els = [...document.querySelectorAll(${JSON.stringify(selector)})].filter((el) => !el.disabled);
      if (els.length < ${min}) return false;
      window[${JSON.stringify(key)}] = performance.now();
      window[${JSON.stringify(key + 'What')}] = els[0].id || els[0].textContent.trim();
      return true;
    };
    if (check()) return;
    const mo = new MutationObserver(() => { if (check()) mo.disconnect(); });
    mo.observe(document, { childList: true, subtree: true, attributes: true });
  })();`;
}

async function until(page: Page, key: string): Promise<number> {
  // A function, not a string: the app's CSP forbids eval, which a string predicate needs.
  await page.waitForFunction((k) => typeof (window as unknown as Record<string, unknown>)[k] === 'number', key, { timeout: TIMEOUT_MS, polling: 100 });
  return (await page.evaluate(`window[${JSON.stringify(key)}]`)) as number;
}

async function joinLink(clinic: Clinic): Promise<string> {
  const login = await fetch(`${clinic.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'dr.demo', password: DEMO_PASSWORD }) });
  if (login.status !== 200) throw new Error(`sign-in answered ${login.status}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  const clinicId = (clinic.db.prepare('SELECT id FROM clinics LIMIT 1').get() as { id: string }).id;
  const patient = clinic.patients.list(clinicId).find((p) => p.birthDate);
  if (!patient) throw new Error('the demo clinic has no patient with a date of birth');
  const res = await fetch(`${clinic.url}/api/telehealth/links`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ scope: 'patient', visitId: randomUUID(), patientId: patient.id })
  });
  if (res.status !== 201) throw new Error(`making a join link answered ${res.status}`);
  return ((await res.json()) as { path: string }).path;
}

interface JoinFigures {
  ms: number;
  control: string;
  /** Received until the control was usable. */
  bytes: number;
  /** Received in all, with what the page fetches in the background after it. */
  totalBytes: number;
  files: { path: string; bytes: number }[];
  later: { path: string; bytes: number }[];
  swBytes: number;
}

async function measureJoin(browser: Browser, clinic: Clinic, emulate: boolean, baseURL = clinic.url): Promise<JoinFigures> {
  const joinPath = await joinLink(clinic);
  const context = await browser.newContext({ baseURL, viewport: PHONE });
  try {
    const page = await context.newPage();
    const { traffic } = await watch(context, page, emulate);
    await context.addInitScript(markWhen('__usable', '#birth-date, form.identity button[type="submit"]'));
    await page.goto(joinPath, { waitUntil: 'commit' });
    const ms = await until(page, '__usable');
    const control = (await page.evaluate('window.__usableWhat')) as string;
    // Let whatever the page still loads after the control arrive, for the list of files.
    await page.waitForLoadState('networkidle', { timeout: TIMEOUT_MS }).catch(() => {});
    const usableAt = ((await page.evaluate('performance.timeOrigin')) as number) + ms;
    const all = [...traffic.files.values()];
    const files = all.filter((f) => f.at <= usableAt).map((f) => ({ path: path(f.url), bytes: f.bytes }));
    const later = all.filter((f) => f.at > usableAt).map((f) => ({ path: path(f.url), bytes: f.bytes }));
    return { ms, control, bytes: pageBytes(traffic, usableAt), totalBytes: pageBytes(traffic), files, later, swBytes: sum(traffic.sw.map((s) => s.bytes)) };
  } finally {
    await context.close();
  }
}

interface SignInFigures {
  formMs: number;
  formBytes: number;
  firstRowMs: number;
  listMs: number;
  syncedMs: number;
  afterClickBytes: number;
  untilListBytes: number;
  wsBytes: number;
  sw: Traffic['sw'];
  listAt: number;
  clickAt: number;
}

async function measureSignIn(
  browser: Browser,
  clinic: Clinic,
  patients: number,
  emulate: boolean,
  opts: { baseURL?: string; serviceWorkers?: 'allow' | 'block'; typingMs?: number } = {}
): Promise<SignInFigures> {
  const serviceWorkers = opts.serviceWorkers ?? 'allow';
  const context = await browser.newContext({ baseURL: opts.baseURL ?? clinic.url, viewport: { width: 1280, height: 860 }, serviceWorkers });
  try {
    const page = await context.newPage();
    const { traffic } = await watch(context, page, emulate);
    await context.addInitScript(markWhen('__form', '#username'));
    await context.addInitScript(markWhen('__firstRow', '[data-testid="patient-link"]'));
    await context.addInitScript(markWhen('__list', '[data-testid="patient-link"]', patients));
    await context.addInitScript(`document.addEventListener('click', (e) => { if (e.target.closest && e.target.closest('button[type="submit"]') && window.__click === undefined) window.__click = performance.now(); }, true);`);
    await page.goto('/', { waitUntil: 'commit' });
    const formMs = await until(page, '__form');
    const formBytes = pageBytes(traffic);
    // A person takes a while to type; meanwhile the service worker, registered with the page, installs.
    if (opts.typingMs) await page.waitForTimeout(opts.typingMs);
    await page.getByLabel('Username').fill('dr.demo');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const click = await until(page, '__click');
    const firstRow = await until(page, '__firstRow');
    const list = await until(page, '__list');
    const origin = (await page.evaluate('performance.timeOrigin')) as number;
    const listAt = origin + list;
    const clickAt = origin + click;
    const untilListBytes = pageBytes(traffic, listAt) - pageBytes(traffic, clickAt);
    await page.getByTestId('sync-indicator').filter({ hasText: 'All changes synced' }).waitFor({ timeout: TIMEOUT_MS });
    const syncedMs = Date.now() - clickAt;
    // The worker's install finishes in the background: wait for it (bounded) so its bytes are all counted.
    if (serviceWorkers === 'allow')
      await page
      .evaluate(`Promise.race([navigator.serviceWorker.ready.then(() => true), new Promise((r) => setTimeout(() => r(false), ${TIMEOUT_MS / 2}))])`)
      .catch(() => false);
    await page.waitForTimeout(500);
    return {
      formMs,
      formBytes,
      firstRowMs: firstRow - click,
      listMs: list - click,
      syncedMs,
      afterClickBytes: pageBytes(traffic) - pageBytes(traffic, clickAt),
      untilListBytes,
      wsBytes: traffic.ws,
      sw: [...traffic.sw],
      listAt,
      clickAt
    };
  } finally {
    await context.close();
  }
}

function listFiles(files: { path: string; bytes: number }[]): void {
  const byKind = (p: string) => (p.endsWith('.js') ? 'script' : p.endsWith('.css') ? 'style' : p.startsWith('/api/') ? 'api' : 'other');
  const sorted = [...files].sort((a, b) => b.bytes - a.bytes);
  for (const kind of ['script', 'style', 'api', 'other']) {
    const of = sorted.filter((f) => byKind(f.path) === kind);
    if (!of.length) continue;
    console.log(`    ${kind}: ${of.length} files, ${kib(sum(of.map((f) => f.bytes)))}`);
    for (const f of of.slice(0, kind === 'script' ? 40 : 8)) console.log(`      ${kib(f.bytes).padStart(10)}  ${f.path.replace(/^\/_app\/immutable\//, '')}`);
  }
}

export async function run(): Promise<void> {
  if (!fs.existsSync(executablePath)) return console.log(`skipped: no Chromium at ${executablePath} (set CHROMIUM_PATH)`);
  if (!fs.existsSync('build/index.html')) return console.log('skipped: the app is not built (npm run build)');
  const clinic = await startClinic({ telehealth: FAKE_LIVEKIT });
  const browser = await chromium.launch({ executablePath, args, headless: true });
  try {
    const clinicId = (clinic.db.prepare('SELECT id FROM clinics LIMIT 1').get() as { id: string }).id;
    const patients = clinic.patients.list(clinicId).length;
    console.log(`Chromium ${browser.version()}, slow link emulated through CDP: ${SLOW.latency} ms round trip, 400 kbit/s down, 200 kbit/s up; baseline: no emulation (loopback)`);

    // (a) The patient's join page.
    const joinFast = await measureJoin(browser, clinic, false);
    const joinSlow = await measureJoin(browser, clinic, true);
    console.log(`(a) patient's join page, navigation → first usable control (${joinSlow.control}):`);
    console.log(`  slow link  ${secs(joinSlow.ms).padStart(9)}  ${kib(joinSlow.bytes).padStart(11)}  target < ${secs(JOIN_TARGET_MS)}: ${joinSlow.ms < JOIN_TARGET_MS ? 'met' : 'NOT met'}`);
    console.log(`  baseline   ${secs(joinFast.ms).padStart(9)}  ${kib(joinFast.bytes).padStart(11)}  → slow/baseline time ratio ${(joinSlow.ms / joinFast.ms).toFixed(1)}×, bytes ratio ${(joinSlow.bytes / joinFast.bytes).toFixed(2)}`);
    console.log(`  service worker on the join page: ${joinSlow.swBytes ? `${kib(joinSlow.swBytes)} fetched by it` : 'none installed, nothing fetched by one'}`);
    console.log(`  what the join page loaded on the slow link until the control was usable (${joinSlow.files.length} requests, ${kib(joinSlow.bytes)}):`);
    listFiles(joinSlow.files);
    console.log(`  and after it, in the background (${joinSlow.later.length} requests, ${kib(joinSlow.totalBytes - joinSlow.bytes)}; ${kib(joinSlow.totalBytes)} in all):`);
    listFiles(joinSlow.later);
    {
      const cable = await new SlowCable(clinic.port).start();
      try {
        const f = await measureJoin(browser, clinic, false, cable.url);
        console.log(`  the same over a whole-device slow link (the proxy described in (c)): ${secs(f.ms)}, ${kib(f.bytes)} until usable; down the link in all ${kib(cable.downBytes)}`);
      } finally {
        await cable.close();
      }
    }

    // (b) A clinician's first sign-in on a fresh device.
    const inFast = await measureSignIn(browser, clinic, patients, false);
    const inSlow = await measureSignIn(browser, clinic, patients, true);
    console.log(`(b) clinician's first sign-in, click on Sign in → all ${patients} demo patients listed (first row; all synced):`);
    for (const [label, f] of [['slow link', inSlow], ['baseline ', inFast]] as const) {
      console.log(
        `  ${label}  ${secs(f.listMs).padStart(9)} (first row ${secs(f.firstRowMs)}; all synced ${secs(f.syncedMs)})  ${kib(f.untilListBytes)} until listed, ${kib(f.afterClickBytes)} after the click in all (+${kib(f.wsBytes)} websocket payload); before it, the sign-in form ${secs(f.formMs)}, ${kib(f.formBytes)}`
      );
    }
    console.log(
      `  slow/baseline: listed ${(inSlow.listMs / inFast.listMs).toFixed(1)}×, sign-in form ${(inSlow.formMs / inFast.formMs).toFixed(1)}×; target < ${secs(SIGN_IN_TARGET_MS)} to the list: ${inSlow.listMs < SIGN_IN_TARGET_MS ? 'met' : 'NOT met'}; whole first use (form + list) ${secs(inSlow.formMs + inSlow.listMs)}, ${kib(inSlow.formBytes + inSlow.untilListBytes)}`
    );
    const sw = inSlow.sw;
    if (sw.length) {
      const swBytes = sum(sw.map((s) => s.bytes));
      const before = sw.filter((s) => s.start < inSlow.listAt);
      const first = Math.min(...sw.map((s) => s.start));
      const last = Math.max(...sw.map((s) => s.end));
      console.log(
        `  service worker install: ${sw.length} requests, ${kib(swBytes)}, from ${secs(first - inSlow.clickAt)} to ${secs(last - inSlow.clickAt)} after the click (negative: before it); ${before.length} of them (${kib(sum(before.map((s) => s.bytes)))}) started before the list showed.`
      );
      console.log(
        `    CDP emulates the link for the page only, so these ran at loopback speed here; on the real link they would hold ${secs((swBytes / DOWN_BYTES_PER_S) * 1000)} of the 400 kbit/s downlink, competing with the first use for whatever overlaps it.`
      );
    } else console.log('  service worker install: no requests seen');

    // (c) The same first sign-in with the whole device on one slow link (the worker's install shares it), with the worker and without.
    console.log(`(c) clinician's first sign-in with every connection of the device on one slow link (a loopback proxy: 400 kbit/s down, 200 kbit/s up shared, ${SLOW.latency} ms round trip), click → all ${patients} listed:`);
    for (const [serviceWorkers, typingMs] of [['allow', 0], ['allow', TYPING_MS], ['block', 0]] as const) {
      const cable = await new SlowCable(clinic.port).start();
      try {
        const f = await measureSignIn(browser, clinic, patients, false, { baseURL: cable.url, serviceWorkers, typingMs });
        console.log(
          `  service worker ${serviceWorkers === 'allow' ? 'installing' : 'blocked   '}, Sign in clicked ${typingMs ? `${secs(typingMs)} after` : 'as soon as'} the form shows:  ${secs(f.listMs).padStart(9)} (first row ${secs(f.firstRowMs)}; all synced ${secs(f.syncedMs)}); sign-in form ${secs(f.formMs)}; form + list ${secs(f.formMs + f.listMs)}; down the link in all ${kib(cable.downBytes)}${f.sw.length ? ` (worker: ${f.sw.length} requests, ${kib(sum(f.sw.map((x) => x.bytes)))}, from ${secs(Math.min(...f.sw.map((x) => x.start)) - f.clickAt)} to ${secs(Math.max(...f.sw.map((x) => x.end)) - f.clickAt)} after the click, ${kib(sum(f.sw.filter((x) => x.start < f.listAt).map((x) => x.bytes)))} of it asked for before the list showed)` : ''}`
        );
      } finally {
        await cable.close();
      }
    }
  } finally {
    await browser.close();
    await clinic.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    }
  );
}
