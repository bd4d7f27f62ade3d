import { AppError } from '../domain/errors';
import type { Actor } from '../domain/chart';
import type { UserVault } from '../storage/user-vault';
import type { SyncEngine } from '../sync/sync-engine';
import type { SessionUser } from './session-user';

/**
 * Everything that exists only while a user is unlocked: their profile,
 * their open store and its sync engine. The session manager sets it at
 * unlock and clears it at lock; services read it. Services also accept one
 * explicitly, so Node tests can run two users side by side.
 */
export interface Workspace {
  readonly user: SessionUser;
  readonly vault: UserVault;
  readonly engine: SyncEngine;
}

let current: Workspace | null = null;

export function currentWorkspace(): Workspace {
  if (!current) throw new AppError('unauthenticated', 'Outpost is locked. Unlock it to see patient records.');
  return current;
}

export function setWorkspace(w: Workspace | null): void {
  current = w;
}

export function actorOf(user: SessionUser): Actor {
  return { id: user.id, name: user.name };
}

/** A stable colour per user for their cursor and presence in shared notes. */
export function colorFor(userId: string): string {
  let h = 0;
  for (let i = 0; i < userId.length; i++) h = (h * 31 + userId.charCodeAt(i)) >>> 0;
  return `hsl(${h % 360} 65% 40%)`;
}
