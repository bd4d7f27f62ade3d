import Dexie, { type EntityTable } from 'dexie';
import { z } from 'zod';
import { AppError } from '../domain/errors';

/**
 * The device database (`outpost-device`): which staff accounts have an
 * encrypted store on this device, so the sign-in screen can unlock offline
 * and the lock screen knows whose store it is for. Staff data only, never
 * patient data.
 */
export const accountRowSchema = z.object({
  username: z.string().min(1),
  userId: z.string().min(1),
  name: z.string(),
  createdAt: z.string(),
  lastUnlockedAt: z.string().optional()
});
export type AccountRow = z.infer<typeof accountRowSchema>;

const stateRowSchema = z.object({ key: z.string(), value: z.string() });
type StateRow = z.infer<typeof stateRowSchema>;

export const DEVICE_DATABASE_NAME = 'outpost-device';

class DeviceDatabase extends Dexie {
  accounts!: EntityTable<AccountRow, 'username'>;
  state!: EntityTable<StateRow, 'key'>;

  constructor() {
    super(DEVICE_DATABASE_NAME);
    this.version(1).stores({ accounts: '&username, userId', state: '&key' });
  }
}

let db: DeviceDatabase | null = null;
function device(): DeviceDatabase {
  db ??= new DeviceDatabase();
  return db;
}

/** Usernames are matched case-insensitively, as the server does at sign-in. */
function key(username: string): string {
  return username.trim().toLowerCase();
}

export async function findAccount(username: string): Promise<AccountRow | null> {
  const row = await device().accounts.get(key(username));
  if (!row) return null;
  const parsed = accountRowSchema.safeParse(row);
  if (!parsed.success) throw new AppError('internal', 'The list of accounts on this device is damaged. Sign in with the network to rebuild it.');
  return parsed.data;
}

export async function rememberAccount(account: { username: string; userId: string; name: string }): Promise<void> {
  const existing = await device().accounts.get(key(account.username));
  await device().accounts.put({
    username: key(account.username),
    userId: account.userId,
    name: account.name,
    createdAt: existing?.createdAt ?? new Date().toISOString(),
    lastUnlockedAt: new Date().toISOString()
  });
}

/** The user ids with a store on this device (the wipe erases each one's database). */
export async function accountUserIds(): Promise<string[]> {
  const rows = await device().accounts.toArray();
  return rows.map((r) => r.userId).filter((id): id is string => typeof id === 'string' && id.length > 0);
}

/** The account whose store was last unlocked; after a reload the app shows its lock screen. */
export async function lastUnlockedAccount(): Promise<AccountRow | null> {
  const row = await device().state.get('lastUser');
  return row ? findAccount(row.value) : null;
}

export async function setLastUnlocked(username: string): Promise<void> {
  await device().state.put({ key: 'lastUser', value: key(username) });
}

export async function clearLastUnlocked(): Promise<void> {
  await device().state.delete('lastUser');
}

/** For tests: closes the connection so a fresh fake IndexedDB can be used. */
export function closeDeviceDatabase(): void {
  db?.close();
  db = null;
}
