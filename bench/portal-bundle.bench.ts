import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { seedPortalPatient } from '../server/portal/portal-test-support';
import { DEMO_PASSWORD, startClinic, type Clinic } from '../tests/support/clinic';

/**
 * The JavaScript a patient's phone downloads for the patient screens: the
 * activation page (/activate) and the record (/my, signed in), measured in
 * Chromium against the real server and the built app, summed as the gzip
 * files the server sends (build/*.gz). Baseline: the same measure for a
 * clinician signing in to the staff app (/). Goal: ≤ 200 kB gzip.
 * Skips with a note when Chromium or the built app is missing.
 */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const args = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const GOAL_KB = 200;
const PASSWORD = 'a long walk to the well';
const PATIENT = 'd6e7f809-0000-4000-8000-000000000001';

function gzipBytes(urlPath: string): number {
  const file = path.join('build', urlPath);
  if (fs.existsSync(`${file}.gz`)) return fs.statSync(`${file}.gz`).size;
  return fs.existsSync(file) ? fs.statSync(file).size : 0;
}

async function scriptsLoaded(browser: Browser, clinic: Clinic, steps: (page: import('@playwright/test').Page) => Promise<void>): Promise<Set<string>> {
  const context = await browser.newContext({ baseURL: clinic.url, viewport: { width: 390, height: 844 }, serviceWorkers: 'block' });
  const page = await context.newPage();
  const seen = new Set<string>();
  page.on('response', (res) => {
    if (res.request().resourceType() === 'script') seen.add(new URL(res.url()).pathname);
  });
  await steps(page);
  await context.close();
  return seen;
}

async function invitation(clinic: Clinic, cookie: string): Promise<string> {
  const res = await fetch(`${clinic.url}/api/portal/invitations`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ relation: 'self', patientId: PATIENT }) });
  return ((await res.json()) as { link: string }).link.split('#')[1];
}

const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

export async function run(): Promise<void> {
  if (!fs.existsSync(executablePath)) return console.log(`skipped: no Chromium at ${executablePath} (set CHROMIUM_PATH)`);
  if (!fs.existsSync('build/index.html')) return console.log('skipped: the app is not built (npm run build)');
  const clinic = await startClinic();
  const browser = await chromium.launch({ executablePath, args, headless: true });
  try {
    const clinicId = (clinic.db.prepare('SELECT id FROM clinics LIMIT 1').get() as { id: string }).id;
    await seedPortalPatient(clinic, clinicId, PATIENT, { family: 'Bench', given: 'Patient', birthDate: '1980-01-01' });
    const login = await fetch(`${clinic.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'desk.demo', password: DEMO_PASSWORD }) });
    const desk = (login.headers.get('set-cookie') ?? '').split(';')[0];
    const first = await invitation(clinic, desk);
    await fetch(`${clinic.url}/api/portal/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret: first, birthDate: '1980-01-01', username: 'bench.patient', password: PASSWORD }) });
    // The account exists now; a second invitation (a proxy's) lets the activation page load as a new visitor would.
    const second = await (await fetch(`${clinic.url}/api/portal/invitations`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: desk }, body: JSON.stringify({ relation: 'proxy', patientId: PATIENT, proxyKind: 'parent', proxyName: 'Bench Parent' }) })).json() as { link: string };

    const patient = await scriptsLoaded(browser, clinic, async (page) => {
      await page.goto(`/activate#${second.link.split('#')[1]}`);
      await page.getByRole('button', { name: 'Set up my account' }).waitFor();
      await page.goto('/my');
      await page.getByLabel('Username').fill('bench.patient');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('my-record').waitFor({ timeout: 60_000 });
    });
    const staff = await scriptsLoaded(browser, clinic, async (page) => {
      await page.goto('/');
      await page.getByLabel('Username').fill('desk.demo');
      await page.getByLabel('Password').fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('today').waitFor({ timeout: 60_000 });
    });
    const total = (files: Set<string>) => [...files].reduce((n, f) => n + gzipBytes(f), 0);
    const p = total(patient);
    const s = total(staff);
    console.log(`patient screens (/activate, then /my signed in), JavaScript as sent gzip: ${kb(p)} in ${patient.size} files`);
    const margin = GOAL_KB * 1000 - p;
    console.log(`goal ≤ ${GOAL_KB} kB gzip: ${margin >= 0 ? `PASS (${kb(margin)} under)` : `FAIL (${kb(-margin)} over)`}`);
    console.log(`baseline, front desk signing in to the staff app (/): ${kb(s)} in ${staff.size} files; patient/staff ${(p / s).toFixed(2)}x`);
    const largest = [...patient].map((f) => ({ f, b: gzipBytes(f) })).sort((a, b) => b.b - a.b).slice(0, 5);
    if (process.env.BENCH_VERBOSE) for (const f of [...patient].sort()) console.log(`    ${f} ${kb(gzipBytes(f))}${staff.has(f) ? '' : ' (patient only)'}`);
    console.log(`  largest patient files: ${largest.map((x) => `${path.basename(x.f)} ${kb(x.b)}`).join(', ')}`);
  } finally {
    await browser.close();
    await clinic.stop();
  }
}
