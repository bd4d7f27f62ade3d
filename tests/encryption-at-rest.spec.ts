import { expect, test } from '@playwright/test';
import { Device, startClinic, type Clinic } from './support/clinic';
import { dumpIndexedDb, plantDumpControl, removeDumpControl, splitControl, storesHolding } from './support/indexeddb-dump';

/**
 * A shared laptop can be stolen. After sign-in, a raw dump of everything the
 * app keeps in IndexedDB must not contain a patient's name, birth date or
 * note text (ARCHITECTURE.md, storage on the device).
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

test('a raw IndexedDB dump contains no patient name, birth date or note text', async ({ browser }) => {
  const device = await Device.open(browser, clinic);
  const { page } = device;
  await device.signIn('dr.demo');

  // Every patient of the panel is on the device (searchable), then write a note with a unique phrase.
  const rows = clinic.db.prepare('SELECT family, given, birth_date AS birthDate FROM patients').all() as {
    family: string;
    given: string;
    birthDate: string;
  }[];
  expect(rows.length).toBeGreaterThanOrEqual(25);
  await expect(page.getByTestId('patient-count')).toHaveText(`${rows.length} patients`);
  // Names written with accents (García, João…) are among them: their UTF-8 bytes must be searched too.
  const nonAscii = /[^\x00-\x7f]/;
  expect(rows.filter((r) => nonAscii.test(r.family + r.given)).length).toBeGreaterThan(0);

  // The note goes to a patient whose name has accents, and has accents itself.
  const name = (await page.getByTestId('patient-link').filter({ hasText: nonAscii }).first().textContent())!.trim();
  await device.openPatient(name);
  await page.getByLabel('Reason for visit').fill('Wound check');
  await page.getByRole('button', { name: 'Start visit' }).click();
  const secret = 'Zanzíbar-cicatrización-417';
  await page.getByLabel('Assessment').pressSequentially(`Healing well. ${secret}`);
  await device.waitSynced();

  // Positive control: the same dump finds a known value in every form a record could hold it in.
  const planted = await plantDumpControl(page, 'Zoë Ñúñez Kq7-dump-control');
  const { control, app } = splitControl(await dumpIndexedDb(page));
  await removeDumpControl(page);
  expect(storesHolding(control, 'Zoë Ñúñez')).toEqual(planted);
  expect(storesHolding(control, 'kq7-DUMP-control')).toEqual(planted);

  // The data is there (the dump is not empty)…
  expect(app.reduce((n, s) => n + s.records, 0)).toBeGreaterThan(50);
  // …but none of it is readable.
  // About a megabyte of ciphertext, read twice (UTF-8 and Latin-1), holds any given 3-letter
  // word by chance about once and a 4-letter one about once in a hundred runs: single names
  // are searched from 5 letters; every patient's name as the list shows it ("Kim, Wei") and
  // birth date are searched whole.
  const needles = [secret, 'Healing well', name];
  for (const r of rows) {
    const given = JSON.parse(r.given) as string[];
    needles.push(`${r.family}, ${given.join(' ')}`, r.birthDate);
    for (const n of [r.family, ...given]) if (n.length >= 5) needles.push(n);
  }
  const leaks = needles.map((n) => ({ text: n, stores: storesHolding(app, n) })).filter((l) => l.stores.length > 0);
  expect(leaks, 'patient plaintext in the dump').toEqual([]);
  await device.close();
});
