import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { expect, test } from 'vitest';
import { testVault } from './test-vault';
import { UserDatabase, userDatabaseName } from './user-database';

test('a device store from before attachments (v1) opens in place with its rows intact', async () => {
  const userId = crypto.randomUUID();
  const old = new Dexie(userDatabaseName(userId));
  old.version(1).stores({ keyring: '&id', updates: '++seq, doc, [doc+pending], pending', docs: '&name, pending', patients: '&id', meta: '&key' });
  await old.table('meta').put({ key: 'cursor', value: '42' });
  old.close();

  const db = new UserDatabase(userId);
  expect(await db.meta.get('cursor')).toEqual({ key: 'cursor', value: '42' });
  expect(await db.attachments.count()).toBe(0);
  expect(db.verno).toBeGreaterThanOrEqual(2);
  db.close();
});

test('bytes are sealed to their chart and id: moved to another record they do not open', async () => {
  const vault = await testVault();
  const bytes = new TextEncoder().encode('%PDF-1.4 referral letter');
  await vault.attachments.put('chart:a', 'id-1', bytes, { pending: true, contentType: 'application/pdf' });
  expect(await vault.attachments.get('chart:a', 'id-1')).toEqual(bytes);
  expect(await vault.attachments.pending()).toEqual([{ id: 'id-1', doc: 'chart:a', contentType: 'application/pdf' }]);
  const row = (await vault.db.attachments.get('id-1'))!;
  await vault.db.attachments.put({ ...row, id: 'id-2' });
  await expect(vault.attachments.get('chart:a', 'id-2')).rejects.toThrow(/damaged/);
  await expect(vault.attachments.get('chart:b', 'id-1')).rejects.toThrow(/damaged/);
  await vault.attachments.markUploaded('id-1');
  expect((await vault.attachments.pending()).map((p) => p.id)).toEqual(['id-2']);
  vault.close();
});
