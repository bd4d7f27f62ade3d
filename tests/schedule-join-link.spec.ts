import { expect, test } from '@playwright/test';
import type { TelehealthConfig } from '../server/telehealth/telehealth-config';
import { expectAccessible } from './support/axe';
import { Device, serverDoc, startClinic, type Clinic } from './support/clinic';
import { readPatient } from '../src/lib/chart/patient-doc';

/**
 * Journey: the front desk sends the join link of a booked video
 * appointment straight from the schedule, and can revoke it. The desk
 * never opens the clinician's console (clinical only); the link is for
 * the appointment's visit, so the clinician later finds the patient in
 * that visit's waiting room.
 *
 * What is simulated: no LiveKit server can run here, so the clinic is
 * configured with a LiveKit address where nothing listens and test keys.
 * Making, checking and revoking links never talks to LiveKit: all of it
 * is the real server.
 */
const FAKE_LIVEKIT: TelehealthConfig = {
  configured: true,
  url: 'ws://127.0.0.1:1',
  apiKey: 'APIe2etestkey',
  apiSecret: 'e2e-secret-that-is-long-enough-for-hs256-0123456789'
};

let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic({ telehealth: FAKE_LIVEKIT });
});
test.afterAll(async () => {
  await clinic.stop();
});

test('the desk creates, copies and revokes a video appointment’s join link from the schedule', async ({ browser }) => {
  const desk = await Device.open(browser, clinic);
  const { page } = desk;
  await desk.signIn('desk.demo');
  await page.getByRole('link', { name: 'Schedule', exact: true }).click();
  await expect(page.getByTestId('day-view')).toBeVisible();
  // The desk sees no console link, only the join links.
  await expect(page.getByTestId('video-link')).toHaveCount(0);
  let toggle = page.getByRole('button', { name: 'Join link…' });
  if ((await toggle.count()) === 0) {
    // Late in the day every seeded video visit may be over: tomorrow has more.
    await page.getByRole('button', { name: 'Next day' }).click();
    toggle = page.getByRole('button', { name: 'Join link…' });
  }
  // Pin the card by its id: the button's name changes once it is open.
  const id = await page.getByTestId('appointment').filter({ has: toggle }).first().getAttribute('data-appointment-id');
  const card = page.locator(`[data-testid="appointment"][data-appointment-id="${id}"]`);
  await card.getByRole('button', { name: 'Join link…' }).click();
  const links = card.getByTestId('appointment-join-links');
  await links.getByRole('button', { name: 'Create join link' }).click();
  const url = new URL(await links.getByTestId('join-link').inputValue());
  expect(url.pathname).toMatch(/^\/join\/[A-Za-z0-9_-]{30,}$/);
  const token = url.pathname.split('/').pop()!;
  const check = () => page.request.post('/api/telehealth/join/check', { data: { token } }).then(async (r) => ({ status: r.status(), body: await r.json() }));
  expect(await check()).toMatchObject({ status: 200, body: { scope: 'patient', needsBirthDate: true } });
  await page.screenshot({ path: '/tmp/schedule-join-link.png', fullPage: true });
  await expectAccessible(page, 'schedule with a join link shown');

  page.once('dialog', (d) => void d.accept());
  await links.getByRole('button', { name: 'Revoke patient link' }).click();
  await expect(links.getByTestId('patient-link')).toHaveAttribute('data-revoked', 'true');
  expect((await check()).status).toBe(404);

  // Offline, the schedule still works and the desk is told why no link can be made.
  await desk.offline();
  await links.getByRole('button', { name: 'Create a new join link' }).click();
  await expect(links.getByRole('alert')).toContainText(/network/i);
  await expectAccessible(page, 'schedule offline, join link refused');
  await desk.close();
});

test('a join link made in Swahili opens the patient’s page in Swahili; the patient switches to Spanish and it stays so', async ({ browser }) => {
  const desk = await Device.open(browser, clinic);
  const { page } = desk;
  await desk.signIn('desk.demo');
  await page.getByRole('link', { name: 'Schedule', exact: true }).click();
  await expect(page.getByTestId('day-view')).toBeVisible();
  let toggle = page.getByRole('button', { name: 'Join link…' });
  if ((await toggle.count()) === 0) {
    await page.getByRole('button', { name: 'Next day' }).click();
    toggle = page.getByRole('button', { name: 'Join link…' });
  }
  const id = await page.getByTestId('appointment').filter({ has: toggle }).first().getAttribute('data-appointment-id');
  const card = page.locator(`[data-testid="appointment"][data-appointment-id="${id}"]`);
  await card.getByRole('button', { name: 'Join link…' }).click();
  const links = card.getByTestId('appointment-join-links');
  await links.getByLabel('Join page language').selectOption('sw');
  await links.getByRole('button', { name: 'Create join link' }).click();
  const joinPath = new URL(await links.getByTestId('join-link').inputValue()).pathname;
  await desk.close();

  // The patient's phone speaks English (the context's locale): the link's language wins over it.
  const phone = await Device.open(browser, clinic, { width: 390, height: 844 });
  const p = phone.page;
  await p.goto(joinPath);
  await expect(p.getByRole('heading', { level: 1 })).toHaveText('Jiunge na mashauriano yako ya video');
  await expect(p.getByText('Ili kulinda faragha yako, tafadhali thibitisha tarehe yako ya kuzaliwa.')).toBeVisible();
  await expect(p.getByLabel('Tarehe ya kuzaliwa')).toBeVisible();
  await expect(p.getByRole('button', { name: 'Endelea' })).toBeVisible();
  await expect(p.locator('html')).toHaveAttribute('lang', 'sw');

  await p.getByLabel('Lugha').selectOption({ label: 'Español' });
  await expect(p.getByRole('heading', { level: 1 })).toHaveText('Entre a su consulta por video');
  await expect(p.getByLabel('Fecha de nacimiento')).toBeVisible();
  await expect(p.getByRole('button', { name: 'Continuar' })).toBeVisible();
  await expectAccessible(p, 'join page in Spanish');

  // A reload lands on /join (the link is not kept): still Spanish.
  await expect(p).toHaveURL(/\/join$/);
  await p.reload();
  await expect(p.getByTestId('join-reopen').getByRole('heading', { level: 1 })).toHaveText('Vuelva a abrir el enlace de su consulta');
  // Opening the Swahili link again keeps the patient's own choice.
  await p.goto(joinPath);
  await expect(p.getByRole('heading', { level: 1 })).toHaveText('Entre a su consulta por video');
  await expect(p.getByLabel('Idioma')).toHaveValue('es');
  await phone.close();
});

test('the video console shows the join link the desk already made for the appointment, not a button to make another', async ({ browser }) => {
  test.setTimeout(150_000);
  const desk = await Device.open(browser, clinic);
  const { page } = desk;
  await desk.signIn('desk.demo');
  await page.getByRole('link', { name: 'Schedule', exact: true }).click();
  await expect(page.getByTestId('day-view')).toBeVisible();
  let toggle = page.getByRole('button', { name: 'Join link…' });
  const nextDay = (await toggle.count()) === 0;
  if (nextDay) {
    await page.getByRole('button', { name: 'Next day' }).click();
    toggle = page.getByRole('button', { name: 'Join link…' });
  }
  // The last video appointment of the day: the tests above use the first.
  const id = (await page.getByTestId('appointment').filter({ has: toggle }).last().getAttribute('data-appointment-id'))!;
  const card = page.locator(`[data-testid="appointment"][data-appointment-id="${id}"]`);
  await card.getByRole('button', { name: 'Join link…' }).click();
  const links = card.getByTestId('appointment-join-links');
  await links.getByRole('button', { name: 'Create join link' }).click();
  const url = await links.getByTestId('join-link').inputValue();
  expect(new URL(url).pathname).toMatch(/^\/join\/[A-Za-z0-9_-]{30,}$/);
  await desk.close();

  // The clinician opens the video console for that appointment, on another device.
  const dr = await Device.open(browser, clinic, { width: 390, height: 844 });
  await dr.signIn('dr.demo');
  await dr.page.getByRole('link', { name: 'Schedule', exact: true }).click();
  await expect(dr.page.getByTestId('day-view')).toBeVisible();
  if (nextDay) await dr.page.getByRole('button', { name: 'Next day' }).click();
  const drCard = dr.page.locator(`[data-testid="appointment"][data-appointment-id="${id}"]`);
  await drCard.getByTestId('video-link').click();
  const panel = dr.page.getByRole('region', { name: "Patient's join link" });
  // The same link (each device reaches the clinic at its own address here, so the path is compared).
  const joinPath = new URL(url).pathname;
  await expect(panel.getByTestId('join-link')).toHaveValue(new RegExp(`${joinPath.replace(/[-/]/g, '\\$&')}$`));
  await expect(panel.getByTestId('link-made-earlier')).toContainText('Made ');
  await expect(panel.getByRole('button', { name: 'Create join link' })).toHaveCount(0);
  await expectAccessible(dr.page, 'video console showing the link the desk made (390 px)');
  await panel.scrollIntoViewIfNeeded();
  await dr.page.screenshot({ path: test.info().outputPath('console-existing-link-390.png') });
  await dr.page.setViewportSize({ width: 1280, height: 860 });
  await dr.page.screenshot({ path: test.info().outputPath('console-existing-link-1280.png'), fullPage: true });
  // Positive control for the check above: once revoked, the console offers a new link again.
  dr.page.once('dialog', (d) => void d.accept());
  await panel.getByRole('button', { name: 'Revoke patient link' }).click();
  await expect(panel.getByRole('button', { name: 'Create a new join link' })).toBeVisible();
  await dr.close();
});

test('the desk sends the join link by SMS and by e-mail, prefilled from the demographics; a bad number is refused before sending', async ({ browser }) => {
  test.setTimeout(120_000);
  const desk = await Device.open(browser, clinic, { width: 390, height: 844 });
  const { page } = desk;
  await desk.signIn('desk.demo');
  await page.getByRole('link', { name: 'Schedule', exact: true }).click();
  await expect(page.getByTestId('day-view')).toBeVisible();
  let toggle = page.getByRole('button', { name: 'Join link…' });
  if ((await toggle.count()) === 0) {
    await page.getByRole('button', { name: 'Next day' }).click();
    toggle = page.getByRole('button', { name: 'Join link…' });
  }
  const card = page.getByTestId('appointment').filter({ has: toggle }).nth(1);
  const id = (await card.getAttribute('data-appointment-id'))!;
  const pinned = page.locator(`[data-testid="appointment"][data-appointment-id="${id}"]`);
  const patientId = (await pinned.getByTestId('appointment-patient').getByRole('link').getAttribute('href'))!.split('/').pop()!;
  const record = readPatient((await serverDoc(clinic, `patient:${patientId}`))!)!;
  await pinned.getByRole('button', { name: 'Join link…' }).click();
  const links = pinned.getByTestId('appointment-join-links');
  const create = links.getByRole('button', { name: 'Create join link' });
  if (await create.isVisible()) await create.click();
  await expect(links.getByTestId('join-link')).toBeVisible();

  await links.getByTestId('send-sms').click();
  const to = links.getByLabel("Patient's mobile number");
  await expect(to).toHaveValue(record.phone ?? '');
  await to.fill('0712 345 678');
  await links.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(links.getByTestId('send-error')).toHaveText('Give the number with its country code, e.g. +255 712 345 678');
  await expectAccessible(page, 'send join link by SMS, bad number (390 px)');
  await links.screenshot({ path: test.info().outputPath('send-link-error-390.png') });
  await to.fill('+255 712 345 678');
  await links.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(links.getByTestId('send-done')).toHaveText('Sent to •••••••••••78.');

  await links.getByTestId('send-email').click();
  const mail = links.getByLabel("Patient's e-mail address");
  await expect(mail).toHaveValue(record.email ?? '');
  await mail.fill('mphatso.phiri@example.org');
  await links.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(links.getByTestId('send-done')).toHaveText('Sent to m•••@•••.org.');
  await links.screenshot({ path: test.info().outputPath('send-link-done-390.png') });
  await page.setViewportSize({ width: 1280, height: 860 });
  await links.screenshot({ path: test.info().outputPath('send-link-done-1280.png') });

  // The server audited both sends, with the recipient masked.
  const sent = (clinic.db.prepare("SELECT detail FROM audit_log WHERE action = 'telehealth.link.send' AND outcome = 'success' ORDER BY seq").all() as { detail: string }[]).map((r) => JSON.parse(r.detail) as { channel: string; to: string; provider: string });
  expect(sent.slice(-2).map((d) => [d.channel, d.to, d.provider])).toEqual([
    ['sms', '•••••••••••78', 'log'],
    ['email', 'm•••@•••.org', 'log']
  ]);
  await desk.close();
});
