import { deflateSync, crc32 } from 'node:zlib';
import { expect, test } from '@playwright/test';
import { Device, startClinic, type Clinic } from './support/clinic';
import { dumpIndexedDb, plantDumpControl, removeDumpControl, splitControl, storesHolding } from './support/indexeddb-dump';

/**
 * A nurse photographs a wound in a home visit with no network: the photo is
 * in the chart at once, stored encrypted, and reaches the clinic server when
 * the laptop is back online; the physician then sees it on another device.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

/** A 200×150 PNG (skin tone with a red patch), then a marker after IEND that decoders ignore but a dump would show. */
function woundPhoto(marker: string): Buffer {
  const w = 200;
  const h = 150;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0;
    for (let x = 0; x < w; x++) {
      const d = ((x - 100) / 45) ** 2 + ((y - 75) / 28) ** 2;
      const o = y * (w * 3 + 1) + 1 + x * 3;
      const [r, g, b] = d < 1 ? [170 + 40 * d, 60 + 60 * d, 60 + 50 * d] : [224 - y / 6, 180 - y / 5, 150 - y / 5];
      raw[o] = r;
      raw[o + 1] = g;
      raw[o + 2] = b;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
    Buffer.from(marker.repeat(20), 'latin1')
  ]);
}

test('a photo attached offline is encrypted on the device, uploads on reconnect and opens on a second device', async ({ browser }) => {
  test.setTimeout(120_000);
  const marker = 'Xq-wound-bytes-7731';
  const photo = woundPhoto(marker);
  // The PNG's IHDR chunk type and the width with the first three bytes of the height (00 00 00 C8 00 00 00):
  // 11 bytes, so a chance match in megabytes of ciphertext is out of the question (the four letters "IHDR"
  // alone, searched ignoring case in two decodings, turn up by chance in a few per cent of runs). It stops
  // before the height's last byte (0x96): the browser's "latin1" decoder is windows-1252, which reads bytes
  // 0x80–0x9F as other characters than Node's latin1 does.
  const header = photo.subarray(12, 12 + 4 + 7).toString('latin1');

  const laptop = await Device.open(browser, clinic);
  await laptop.signIn('nurse.demo');
  const name = (await laptop.page.getByTestId('patient-link').first().textContent())!.trim();
  const chartUrl = await laptop.openPatient(name);
  const card = laptop.page.getByTestId('attachments');
  await expect(card).toBeVisible();

  await laptop.offline();
  await card.getByLabel('Attach file').setInputFiles({ name: 'left_heel_wound.png', mimeType: 'image/png', buffer: photo });
  const item = card.getByTestId('attachment').filter({ hasText: 'left heel wound' });
  await expect(item).toBeVisible();
  await expect(item.getByTestId('attachment-state')).toHaveText(/On this device only/);
  await expect(item.getByRole('img', { name: 'left heel wound' })).toBeVisible();
  expect(await item.getByRole('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(200);
  await card.screenshot({ path: '/tmp/attachments-offline.png' });

  // At rest the photo is ciphertext: neither the marker nor the PNG chunks are in a raw dump.
  // Positive control: the same photo kept in the clear as a Blob, and accented text in every
  // form a record can hold, are found by the same dump.
  const planted = await plantDumpControl(laptop.page, 'Zoë Ñúñez', photo);
  const { control, app: dump } = splitControl(await dumpIndexedDb(laptop.page));
  await removeDumpControl(laptop.page);
  expect(storesHolding(control, 'Zoë Ñúñez')).toEqual(planted);
  expect(storesHolding(control, marker)).toEqual(['outpost-dump-control/bytes']);
  expect(storesHolding(control, header)).toEqual(['outpost-dump-control/bytes']);
  expect(dump.filter((s) => s.store === 'attachments').map((s) => s.records)).toEqual([1]);
  expect(storesHolding(dump, marker)).toEqual([]);
  expect(storesHolding(dump, header)).toEqual([]);
  expect(clinic.db.prepare('SELECT count(*) AS n FROM attachments').get()).toEqual({ n: 0 });

  await laptop.online();
  await expect(item.getByTestId('attachment-state')).toHaveText('Uploaded', { timeout: 45_000 });
  const stored = clinic.db.prepare('SELECT size, content_type AS type FROM attachments').all();
  expect(stored).toEqual([{ size: photo.length, type: 'image/png' }]);
  await laptop.waitSynced();

  const desk = await Device.open(browser, clinic, { width: 820, height: 1100 });
  await desk.signIn('dr.demo');
  await desk.openPatient(name);
  expect(desk.page.url()).toBe(chartUrl.replace(laptop.cable.url, desk.cable.url));
  const there = desk.page.getByTestId('attachments').getByTestId('attachment').filter({ hasText: 'left heel wound' });
  await expect(there.getByTestId('attachment-state')).toHaveText('Uploaded');
  await expect(there.getByRole('img', { name: 'left heel wound' })).toBeVisible();
  expect(await there.getByRole('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(200);
  await there.getByRole('button', { name: 'Enlarge left heel wound' }).click();
  await desk.page.getByTestId('attachments').screenshot({ path: '/tmp/attachments-second-device.png' });

  // Fetched once, it is kept encrypted: it opens again with the second device offline.
  const deskDump = await dumpIndexedDb(desk.page);
  expect(deskDump.filter((s) => s.store === 'attachments').map((s) => s.records)).toEqual([1]);
  expect(storesHolding(deskDump, marker)).toEqual([]);
  await desk.offline();
  await desk.openPatient(name);
  const offlineCopy = desk.page.getByTestId('attachment').filter({ hasText: 'left heel wound' }).getByRole('img');
  await expect(offlineCopy).toBeVisible();
  expect(await offlineCopy.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(200);
  await desk.close();
  await laptop.page.setViewportSize({ width: 390, height: 844 });
  await laptop.page.getByTestId('attachments').screenshot({ path: '/tmp/attachments-phone.png' });
  await laptop.close();
});
