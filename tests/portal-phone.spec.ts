import { expect, test, type Browser, type Page } from '@playwright/test';
import { expectAccessible } from './support/axe';
import { Device, NetworkCable, startClinic, type Clinic } from './support/clinic';
import { MARKS, seedPortalPatient, seedVitals } from '../server/portal/portal-test-support';

/**
 * The patient's own screens on a cheap phone (360 px wide), in the
 * patient's language:
 * - Swahili, chosen on the activation page: the account is set up, a
 *   passkey added there (Chromium's virtual authenticator), and sign-in, the
 *   record, the locked screen and the record reloaded with no network all
 *   speak Swahili; then the passkey alone signs the patient in (the password
 *   only opens the phone's copy), and that session is a patient's (staff
 *   routes refused).
 * - Spanish, the phone's own language: the same screens in Spanish with no
 *   choice made.
 * Every screen (activation, sign-in, the passkey steps, the record,
 * sign-in security, quick unlock, the locked screen, the record offline):
 * no horizontal scroll at 360 px, axe with no serious or
 * critical violation, one h1 and no skipped heading level, and Tab moving
 * down the page. Screenshots go to test-results/screens/portal-phone-*.png.
 *
 * WebAuthn refuses IP-address origins, so the phones use `localhost`.
 */
let clinic: Clinic;
let clinicId: string;
const PASSWORD = 'mvua ya masika 2026';

test.beforeAll(async () => {
  clinic = await startClinic();
  clinicId = (clinic.db.prepare('SELECT id FROM clinics LIMIT 1').get() as { id: string }).id;
});
test.afterAll(async () => {
  await clinic.stop();
});

async function phone(browser: Browser, locale?: string): Promise<Device> {
  const cable = await new NetworkCable(clinic.port).start();
  const context = await browser.newContext({ baseURL: `http://localhost:${cable.port}`, viewport: { width: 360, height: 760 }, ...(locale ? { locale } : {}) });
  return new Device(context, await context.newPage(), cable);
}

async function addAuthenticator(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true }
  });
}

/** The desk's invitation for a seeded patient, over the desk's own session: the link's path and fragment. */
async function invitationFor(patientId: string): Promise<string> {
  const base = `http://127.0.0.1:${clinic.port}`;
  const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'desk.demo', password: 'outpost-demo' }) });
  expect(login.status).toBe(200);
  const cookie = login.headers.get('set-cookie')!.split(';')[0];
  const res = await fetch(`${base}/api/portal/invitations`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ relation: 'self', patientId }) });
  expect(res.status).toBe(201);
  const link = new URL(((await res.json()) as { link: string }).link);
  return `${link.pathname}${link.hash}`;
}

/** What every patient screen must be at 360 px: no sideways scroll, axe clean, headings in order, Tab going down the page. */
async function walk(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screens/portal-phone-${name}.png`, fullPage: true });
  await expectAccessible(page, name);
  expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name}: wider than the phone`).toBeLessThanOrEqual(360);
  const levels = await page.evaluate(() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter((h) => (h as HTMLElement).offsetParent !== null).map((h) => Number(h.tagName[1])));
  expect(levels.filter((l) => l === 1), `${name}: one h1`).toHaveLength(1);
  const skips = levels.flatMap((l, i) => (i > 0 && l > levels[i - 1] + 1 ? [`h${levels[i - 1]} → h${l}`] : []));
  expect(skips, `${name}: heading levels skipped`).toEqual([]);
  // Focus order: from the top, Tab reaches each control below the one before (a page read top to bottom).
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  const boxes: { top: number; bottom: number }[] = [];
  for (let i = 0; i < 25; i++) {
    await page.keyboard.press('Tab');
    const box = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 ? { top: Math.round(r.top + window.scrollY), bottom: Math.round(r.bottom + window.scrollY) } : { top: -1, bottom: -1 };
    });
    if (box === null) break;
    boxes.push(box);
  }
  expect(boxes.length, `${name}: Tab reaches the controls`).toBeGreaterThan(0);
  expect(boxes.filter((b) => b.top < 0), `${name}: Tab landed on something invisible`).toEqual([]);
  // Side by side (a header's select beside its links) is in order; wholly above the one before is not.
  const backwards = boxes.flatMap((b, i) => (i > 0 && b.bottom < boxes[i - 1].top - 8 ? [`${boxes[i - 1].top} → ${b.top}`] : []));
  expect(backwards, `${name}: Tab went back up the page`).toEqual([]);
}

test('a Swahili-speaking patient on a 360 px phone: activation with a passkey, the record in Swahili online and offline, and passkey sign-in', async ({ browser }) => {
  test.setTimeout(150_000);
  const own = { id: 'e1f2a3b4-0000-4000-8000-000000000001', family: 'Mwangi', given: 'Neema', birthDate: '1990-07-14' };
  await seedPortalPatient(clinic, clinicId, own.id, own);
  await seedVitals(clinic, clinicId, own.id);
  const link = await invitationFor(own.id);

  const device = await phone(browser);
  const { page } = device;
  await addAuthenticator(page);
  await page.goto(link);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Set up your health record account');
  await page.locator('#activate-language').selectOption('sw');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Fungua akaunti ya rekodi yako ya afya');
  await walk(page, 'activate-sw');
  // A wrong date of birth is refused, in Swahili, with the tries left.
  await page.locator('#act-birth').fill('1990-07-15');
  await page.locator('#act-user').fill('neema.m');
  await page.locator('#act-pass').fill(PASSWORD);
  await page.locator('#act-repeat').fill(PASSWORD);
  await page.locator('form button[type="submit"]').click();
  await expect(page.getByTestId('activate-error')).toHaveText('Tarehe hiyo ya kuzaliwa hailingani na kumbukumbu zetu. Majaribio yaliyobaki: 4.');
  await page.locator('#act-birth').fill(own.birthDate);
  await page.locator('#act-user').fill('neema.m');
  await page.locator('#act-pass').fill(PASSWORD);
  await page.locator('#act-repeat').fill(PASSWORD);
  await page.locator('form button[type="submit"]').click();
  await expect(page.getByTestId('activate-done')).toContainText('neema.m');

  // The optional passkey, offered where the browser has WebAuthn, in Swahili.
  const offer = page.getByTestId('activate-passkey');
  await expect(offer.getByRole('heading', { level: 2 })).toHaveText('Ingia haraka zaidi wakati ujao (si lazima)');
  await offer.getByLabel('Jina la ufunguo huu wa siri').fill('Simu ya Neema');
  await offer.getByRole('button', { name: 'Ongeza ufunguo wa siri' }).click();
  await expect(page.getByTestId('activate-passkey-done')).toHaveText('Ufunguo wa siri umeongezwa. Chagua “Tumia ufunguo wa siri” unapoingia.');
  // The short session that added it is over: nothing is signed in yet.
  expect(await page.evaluate(async () => (await fetch('/api/auth/me')).status)).toBe(401);
  await walk(page, 'activated-sw');

  // Sign-in and the record follow the language the account was set up in.
  await page.getByRole('link', { name: 'Ingia kwenye rekodi yangu' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Ingia kwenye Outpost');
  await walk(page, 'sign-in-sw');
  await page.locator('#username').fill('neema.m');
  await page.locator('#password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Ingia', exact: true }).click();
  // The passkey is now the account's second step at sign-in, as for staff.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Thibitisha kuwa ni wewe');
  await walk(page, 'second-step-sw');
  await page.getByRole('button', { name: 'Tumia ufunguo wako wa siri' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Rekodi yangu ya afya');
  const record = page.getByTestId('my-record');
  await expect(record).toContainText(`${own.given} ${own.family}`);
  await expect(page.getByTestId('my-allergies').getByRole('heading', { level: 2 })).toHaveText('Mizio');
  // Measurements over time: a drawn line per vital with its summary for screen readers, and the table behind it.
  const bp = page.getByTestId('my-trend-bloodPressure');
  await expect(bp.getByRole('heading', { level: 3 })).toHaveText('Shinikizo la damu');
  await expect(bp.getByRole('img')).toHaveAttribute('aria-label', /^Shinikizo la damu: vipimo 3 kuanzia .+ hadi .+\. Cha chini kabisa 128\/82 mmHg, cha juu kabisa 152\/96 mmHg\.$/);
  await bp.getByText('Onyesha vipimo kwenye jedwali').click();
  await expect(bp.getByRole('table').getByRole('row')).toHaveCount(4);
  await expect(bp.getByRole('table').getByRole('row').nth(1)).toContainText('128/82 mmHg');
  await expect(page.getByTestId('my-trend-weight').getByRole('table')).toBeHidden();
  // Vaccines due next, from the schedule, with its source; the Tdap of March 2026 makes the next booster due in 2036.
  const due = page.getByTestId('my-vaccines-due');
  await expect(due.getByRole('heading', { level: 3 })).toHaveText('Chanjo zinazofuata');
  await expect(due.getByRole('listitem').filter({ hasText: 'pepopunda' })).toContainText('Dozi inayofuata itahitajika kuanzia');
  await expect(due.getByRole('listitem').filter({ hasText: 'pepopunda' })).toContainText('2036');
  await expect(due).toContainText('Kwa mujibu wa: CDC Recommended Adult Immunization Schedule, United States, 2025 (ACIP)');
  // Visits with their signed notes; the unsigned one says its note comes when signed.
  const visits = page.getByTestId('my-notes');
  await expect(visits.getByRole('heading', { level: 2 })).toHaveText('Ziara na maelezo ya ziara');
  await expect(visits.getByTestId('my-visit').filter({ hasText: 'Ankle pain' })).toContainText(MARKS.signedNote);
  await expect(visits.getByTestId('my-visit').filter({ hasText: 'Follow-up' })).toContainText('Ziara hii bado haijamalizika.');
  await expect(record).not.toContainText(MARKS.draftNote);
  await walk(page, 'record-sw');
  await page.getByTestId('my-vitals').screenshot({ path: 'test-results/screens/portal-phone-vitals-sw.png' });
  await page.getByTestId('my-immunizations').screenshot({ path: 'test-results/screens/portal-phone-vaccines-sw.png' });
  // The patient's other screens: sign-in security (the passkey made on the activation page is listed) and quick unlock.
  await page.getByRole('link', { name: 'Usalama wa kuingia' }).click();
  await expect(page.getByTestId('passkey-list')).toContainText('Simu ya Neema');
  await walk(page, 'security-sw');
  await page.getByRole('link', { name: 'Kufungua haraka' }).click();
  await expect(page).toHaveURL(/\/quick-unlock$/);
  await walk(page, 'quick-unlock-sw');
  await page.getByRole('link', { name: 'Rekodi yangu ya afya' }).first().click();
  await expect(page.getByTestId('my-record')).toBeVisible();

  // No network: a reload asks for the password (Swahili), then shows the sealed copy.
  await device.waitForServiceWorker();
  await device.offline();
  await page.goto('/my');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Outpost imefungwa');
  await walk(page, 'locked-offline-sw');
  await page.locator('#unlock-password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Fungua', exact: true }).click();
  await expect(page.getByTestId('my-record-offline')).toContainText('Huna mtandao.');
  await expect(page.getByTestId('my-record')).toContainText(`${own.given} ${own.family}`);
  await expect(page.getByTestId('my-trend-bloodPressure').getByRole('img')).toBeVisible();
  await expect(page.getByTestId('my-vaccines-due')).toContainText('2036');
  await walk(page, 'record-offline-sw');
  await device.online();

  // Signed out, the passkey alone signs in; the password then only opens this phone's copy.
  await page.goto('/my');
  await page.locator('#unlock-password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Fungua', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Rekodi yangu ya afya');
  await page.getByRole('button', { name: 'Toka', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Ingia kwenye Outpost');
  await expect(page.getByRole('button', { name: 'Tumia ufunguo wa siri' })).toBeVisible();
  await page.getByRole('button', { name: 'Tumia ufunguo wa siri' }).click();
  await expect(page.getByRole('heading', { name: 'Fungua rekodi za kifaa hiki' })).toBeVisible();
  await walk(page, 'passkey-device-sw');
  await page.locator('#device-password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Fungua rekodi' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Rekodi yangu ya afya');
  await expect(page.getByTestId('my-record')).toContainText(`${own.given} ${own.family}`);
  // The passkey's session is a patient's: its own record, nothing of the clinic's.
  const answers = await page.evaluate(async (mine) => {
    const status = async (path: string) => (await fetch(path)).status;
    const me = (await (await fetch('/api/auth/me')).json()) as { user: { roles: string[] } };
    return { roles: me.user.roles, own: await status(`/api/portal/records/${mine}`), patients: await status('/api/patients'), audit: await status('/api/audit/report') };
  }, own.id);
  expect(answers).toEqual({ roles: ['patient'], own: 200, patients: 403, audit: 403 });
  await device.close();
});

test('a patient whose phone speaks Spanish sees the portal in Spanish without choosing it', async ({ browser }) => {
  test.setTimeout(90_000);
  const own = { id: 'e1f2a3b4-0000-4000-8000-000000000002', family: 'García', given: 'Lucía', birthDate: '1972-04-09' };
  await seedPortalPatient(clinic, clinicId, own.id, own);
  const link = await invitationFor(own.id);
  const device = await phone(browser, 'es-ES');
  const { page } = device;
  await page.goto(link);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Cree su cuenta de historia clínica');
  await page.locator('#act-birth').fill(own.birthDate);
  await page.locator('#act-user').fill('lucia.g');
  await page.locator('#act-pass').fill(PASSWORD);
  await page.locator('#act-repeat').fill(PASSWORD);
  await page.locator('form button[type="submit"]').click();
  await expect(page.getByTestId('activate-done')).toContainText('lucia.g');
  await page.getByRole('link', { name: 'Entrar en mi historia' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Iniciar sesión en Outpost');
  await page.locator('#username').fill('lucia.g');
  await page.locator('#password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Iniciar sesión', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Mi historia clínica');
  await expect(page.getByTestId('my-allergies').getByRole('heading', { level: 2 })).toHaveText('Alergias');
  await expect(page.getByTestId('my-vaccines-due').getByRole('heading', { level: 3 })).toHaveText('Próximas vacunas');
  await expect(page.getByTestId('my-notes').getByRole('heading', { level: 2 })).toHaveText('Consultas y notas de consulta');
  await walk(page, 'record-es');
  await device.close();
});
