import { expect, test } from '@playwright/test';
import { expectAccessible } from './support/axe';
import { Device, startClinic, type Clinic } from './support/clinic';
import { seedPortalPatient } from '../server/portal/portal-test-support';
import { createPortalStore } from '../server/portal/portal-store';

/**
 * Journey: a patient with an activated account reads their record on a
 * phone, loses the network, writes to the clinic with a photo (it waits on
 * the phone, shown as waiting) and it goes out when the network is back;
 * a clinician sees the new item counted in the header, opens it in the
 * inbox, reads the message and the photo and replies; the patient sees the
 * reply and that the clinic read their message, and the clinician sees
 * that the patient read the reply.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

const PATIENT_PASSWORD = 'a long walk to the well';
/** A 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

test('patient writes offline with a photo, the clinic answers offline from the inbox, each sees the other read it', async ({ browser }) => {
  test.setTimeout(150_000);
  const clinicId = (clinic.db.prepare('SELECT id FROM clinics LIMIT 1').get() as { id: string }).id;
  const own = { id: 'd6e7f8a9-0000-4000-8000-000000000001', family: 'Achieng', given: 'Zawadi', birthDate: '1984-03-11' };
  await seedPortalPatient(clinic, clinicId, own.id, own);
  // The account, activated as the portal spec does through the screens (here through the same route, to keep this journey on messages).
  const { secret } = createPortalStore(clinic.db).issue({ clinicId, patientId: own.id, relation: 'self', proxyKind: null, proxyName: null, createdBy: 'desk' });
  const activated = await fetch(`http://127.0.0.1:${clinic.port}/api/portal/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret, birthDate: own.birthDate, username: 'zawadi', password: PATIENT_PASSWORD }) });
  expect(activated.status).toBe(201);

  // The patient signs in on a small phone and reads the record (so it is kept on the phone).
  const phone = await Device.open(browser, clinic, { width: 360, height: 780 });
  const { page } = phone;
  await page.goto('/');
  await page.getByLabel('Username').fill('zawadi');
  await page.getByLabel('Password').fill(PATIENT_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('my-record')).toContainText(`${own.given} ${own.family}`);
  const box = page.getByTestId('my-messages');
  await expect(box.getByRole('heading', { name: 'Messages with the clinic' })).toBeVisible();
  await expect(box).toContainText('No messages yet.');
  await phone.waitForServiceWorker();

  // No network: a reload shows the record from the phone; the message written now waits there.
  await phone.offline();
  await page.goto('/my');
  await phone.unlock(PATIENT_PASSWORD);
  await expect(page.getByTestId('my-record-offline')).toContainText('You are offline.');
  await expect(page.getByTestId('my-messages-offline')).toContainText('You are offline.');
  await box.getByTestId('my-message-new').click();
  await box.getByLabel('What is it about?').fill('Rash on my arm');
  await box.getByLabel('Your message').fill('The rash has spread since Monday and itches at night.');
  await box.getByLabel('Add a photo (optional)').setInputFiles({ name: 'rash.png', mimeType: 'image/png', buffer: PNG });
  await expect(box).toContainText('Photo ready (1 KB).');
  await box.getByTestId('my-message-send').click();
  await expect(page.getByTestId('my-messages-notice')).toHaveText('Saved on this device. It will be sent when you are online.');
  const waiting = box.getByTestId('my-message-waiting');
  await expect(waiting).toContainText('New message: Rash on my arm');
  await expect(waiting).toContainText('Will be sent when you are online');
  await expectAccessible(page, 'patient messages, offline with a message waiting');
  await box.screenshot({ path: '/tmp/portal-messages-waiting-360.png' });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

  // The network is back: what waited goes out and becomes a conversation.
  await phone.online();
  await expect(box.getByTestId('my-thread')).toHaveCount(1, { timeout: 20_000 });
  await expect(waiting).toHaveCount(0);
  await expect(box.getByTestId('my-thread')).toContainText('Rash on my arm');

  // A clinician: the header counts the new item; the inbox lists it; the thread shows the message and the photo.
  const doc = await Device.open(browser, clinic);
  await doc.signIn('dr.demo');
  await expect(doc.page.getByTestId('inbox-count')).toContainText('1', { timeout: 20_000 });
  await expect(doc.page.getByTestId('nav-inbox')).toHaveAccessibleName(/^Inbox\s*1 new$/);
  await doc.page.getByTestId('nav-inbox').click();
  await expect(doc.page.getByRole('heading', { name: 'Inbox', level: 1 })).toBeVisible();
  const item = doc.page.getByTestId('inbox-item').filter({ hasText: own.family });
  await expect(item).toContainText('Rash on my arm');
  await expect(item).toContainText('New');
  await expect(item.getByTestId('inbox-unread')).toBeVisible();
  await item.getByRole('button').click();
  const thread = doc.page.getByTestId('message-thread');
  await expect(thread.getByRole('heading', { name: 'Conversation: Rash on my arm' })).toBeVisible();
  await expect(thread.getByTestId('thread-message')).toHaveCount(1);
  await expect(thread).toContainText('The rash has spread since Monday and itches at night.');
  const photo = thread.getByTestId('thread-photo');
  await expect(photo).toBeVisible();
  expect(await photo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1);
  // Shown is read: the clinic's receipt is on the message.
  await expect(thread.getByTestId('thread-message')).toContainText('Read by');
  await expect(item.getByTestId('inbox-unread')).toHaveCount(0);
  // Given to a person: the clinician takes it; "assigned to me" lists it.
  await doc.page.getByTestId('inbox-assign').selectOption({ label: 'Me (Dr. Amara Okafor)' });
  await doc.page.getByRole('button', { name: 'Assign' }).click();
  await expect(doc.page.getByTestId('inbox-notice')).toHaveText('Assigned. For: Dr. Amara Okafor');
  await doc.page.getByTestId('inbox-filter-who').selectOption('me');
  await expect(doc.page.getByTestId('inbox-item')).toHaveCount(1);
  await expect(item).toContainText('For: Dr. Amara Okafor');
  await expect(doc.page.getByTestId('inbox-count')).toContainText('1');
  await doc.page.screenshot({ path: '/tmp/inbox-1280.png', fullPage: true });
  await expectAccessible(doc.page, 'inbox with a message open, desk width');

  // The clinic's link drops: the reply and the item's state are kept on the device and sync when it is back.
  await doc.offline();
  await thread.getByLabel('Your reply').fill('Please come on Friday at 10. Keep the area clean and dry.');
  await thread.getByTestId('reply-send').click();
  await expect(thread.getByTestId('reply-notice')).toHaveText('Reply saved. It reaches the patient when this device syncs.');
  await expect(thread.getByTestId('thread-message')).toHaveCount(2);
  await expect(doc.page.getByTestId('inbox-status')).toHaveText('Done');
  await expect(doc.page.getByTestId('inbox-count')).toHaveCount(0);
  await doc.online();
  await doc.waitSynced();
  await doc.page.setViewportSize({ width: 390, height: 844 });
  await doc.page.screenshot({ path: '/tmp/inbox-390.png', fullPage: true });
  await expectAccessible(doc.page, 'inbox, phone width');
  expect(await doc.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

  // The patient: the reply is marked new; opened, it shows, with "Read by the clinic" on their own message.
  await page.goto('/my');
  await phone.unlock(PATIENT_PASSWORD);
  const mine = box.getByTestId('my-thread');
  await expect(mine.getByTestId('my-thread-unread')).toHaveText('New reply');
  await mine.getByRole('button', { name: /Rash on my arm/ }).click();
  await expect(mine.getByTestId('my-thread-message')).toHaveCount(2);
  await expect(mine).toContainText('Please come on Friday at 10. Keep the area clean and dry.');
  await expect(mine.getByTestId('my-message-receipt')).toHaveText('Read by the clinic');
  await expect(mine.getByTestId('my-thread-unread')).toHaveCount(0);
  await page.screenshot({ path: '/tmp/portal-messages-360.png', fullPage: true });
  await expectAccessible(page, 'patient messages with a reply, phone');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

  // The clinician sees that the patient read the reply (the record is live on the open thread).
  await expect(thread.getByTestId('read-by-patient')).toContainText('Read by the patient', { timeout: 20_000 });

  // The conversation is on the patient's chart too.
  await doc.page.setViewportSize({ width: 1280, height: 860 });
  await doc.openPatient(`${own.family}, ${own.given}`);
  await expect(doc.page.getByTestId('patient-messages')).toContainText('Rash on my arm');

  await phone.close();
  await doc.close();
});

test('a clinician starts a conversation from the chart while offline; once synced the patient sees it', async ({ browser }) => {
  test.setTimeout(150_000);
  const clinicId = (clinic.db.prepare('SELECT id FROM clinics LIMIT 1').get() as { id: string }).id;
  const own = { id: 'd6e7f8a9-0000-4000-8000-000000000002', family: 'Kioko', given: 'Imani', birthDate: '1979-09-21' };
  await seedPortalPatient(clinic, clinicId, own.id, own);
  const { secret } = createPortalStore(clinic.db).issue({ clinicId, patientId: own.id, relation: 'self', proxyKind: null, proxyName: null, createdBy: 'desk' });
  const activated = await fetch(`http://127.0.0.1:${clinic.port}/api/portal/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret, birthDate: own.birthDate, username: 'imani', password: PATIENT_PASSWORD }) });
  expect(activated.status).toBe(201);

  // The clinician opens the chart; the messages card is empty, and offers a new message.
  const doc = await Device.open(browser, clinic);
  await doc.signIn('dr.demo');
  await doc.openPatient(`${own.family}, ${own.given}`);
  const card = doc.page.getByTestId('patient-messages');
  await expect(card).toContainText('No messages from this patient yet.');
  await doc.offline();
  await card.getByRole('button', { name: 'New message to the patient' }).click();
  const form = card.getByTestId('new-message');
  await form.getByLabel('What it is about').fill('Your blood test');
  await form.getByLabel('Your message').fill('Your haemoglobin is low. Please come in this week.');
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({ path: '/tmp/chart-new-message-1280.png' });
  await expectAccessible(doc.page, 'chart messages card: new message form, desk width');
  await form.getByRole('button', { name: 'Send message' }).click();
  await expect(card.getByTestId('new-message-notice')).toHaveText('Message saved. It reaches the patient when this device syncs.');
  await expect(card.getByRole('button', { name: /Your blood test/ })).toHaveCount(1);
  const thread = card.getByTestId('message-thread');
  await expect(thread.getByRole('heading', { name: 'Conversation: Your blood test' })).toBeVisible();
  await expect(thread.getByTestId('thread-message')).toHaveCount(1);
  await expect(thread.getByTestId('thread-message')).toContainText('Not read by the patient yet');
  await doc.online();
  await doc.waitSynced();
  await doc.page.setViewportSize({ width: 390, height: 844 });
  await card.scrollIntoViewIfNeeded();
  await doc.page.screenshot({ path: '/tmp/chart-new-message-390.png', fullPage: true });
  await expectAccessible(doc.page, 'chart messages card with the new conversation, phone width');
  expect(await doc.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await doc.page.setViewportSize({ width: 360, height: 780 });
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({ path: '/tmp/chart-new-message-360.png' });
  expect(await doc.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

  // The patient: the conversation the clinic started is in their messages, from the clinic.
  const phone = await Device.open(browser, clinic, { width: 360, height: 780 });
  const { page } = phone;
  await page.goto('/');
  await page.getByLabel('Username').fill('imani');
  await page.getByLabel('Password').fill(PATIENT_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const box = page.getByTestId('my-messages');
  const mine = box.getByTestId('my-thread');
  await expect(mine).toHaveCount(1, { timeout: 20_000 });
  await mine.getByRole('button', { name: /Your blood test/ }).click();
  await expect(mine.getByTestId('my-thread-message')).toHaveCount(1);
  await expect(mine).toContainText('Your haemoglobin is low. Please come in this week.');
  await page.screenshot({ path: '/tmp/my-messages-staff-started-360.png', fullPage: true });
  await expectAccessible(page, 'patient messages with a conversation the clinic started, phone');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  // The clinician sees that the patient read it.
  await expect(thread.getByTestId('read-by-patient')).toContainText('Read by the patient', { timeout: 20_000 });
  await phone.close();
  await doc.close();
});
