import { expect, test } from '@playwright/test';
import { Device, startClinic, type Clinic } from './support/clinic';

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

  const name = (await page.getByTestId('patient-link').first().textContent())!.trim();
  await device.openPatient(name);
  await page.getByLabel('Reason for visit').fill('Wound check');
  await page.getByRole('button', { name: 'Start visit' }).click();
  const secret = 'Zanzibar-marmalade-wound-417';
  await page.getByLabel('Assessment').pressSequentially(`Healing well. ${secret}`);
  await device.waitSynced();

  const dump = await page.evaluate(async () => {
    const toText = (v: unknown): string => {
      if (v instanceof ArrayBuffer) return new TextDecoder('latin1').decode(new Uint8Array(v));
      if (ArrayBuffer.isView(v)) return new TextDecoder('latin1').decode(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      if (v instanceof Blob) return '[blob]';
      if (Array.isArray(v)) return v.map(toText).join('\n');
      if (v && typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k}=${toText(x)}`).join('\n');
      return String(v);
    };
    const out: string[] = [];
    let records = 0;
    for (const info of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open(info.name!);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        const all = await new Promise<unknown[]>((resolve, reject) => {
          const req = db.transaction(store).objectStore(store).getAll();
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
        const keys = await new Promise<IDBValidKey[]>((resolve, reject) => {
          const req = db.transaction(store).objectStore(store).getAllKeys();
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
        records += all.length;
        out.push(`## ${info.name}/${store}`, toText(keys), toText(all));
      }
      db.close();
    }
    return { text: out.join('\n'), records };
  });

  // The data is there (the dump is not empty)…
  expect(dump.records).toBeGreaterThan(50);
  // …but none of it is readable.
  const lower = dump.text.toLowerCase();
  expect(lower).not.toContain(secret.toLowerCase());
  expect(lower).not.toContain('healing well');
  for (const r of rows) {
    expect(lower, 'family name in dump').not.toContain(r.family.toLowerCase());
    for (const g of JSON.parse(r.given) as string[]) if (g.length > 3) expect(lower, 'given name in dump').not.toContain(g.toLowerCase());
    expect(dump.text, 'birth date in dump').not.toContain(r.birthDate);
  }
  await device.close();
});
