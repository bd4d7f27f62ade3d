import WebSocket from 'ws';
import { ApiClient } from '../services/api-client';
import { userResponseSchema, type SessionUser } from '../services/session-user';
import type { Workspace } from '../services/workspace';
import { createVault, type UserVault } from '../storage/user-vault';
import type { WebSocketClass } from './live-doc';
import { SyncEngine, type SyncEngineOptions } from './sync-engine';
import { MemoryStatus } from './sync-status';

/**
 * Test and benchmark support: one device in Node, talking to the real
 * server. Node's fetch keeps no cookies, so each device has a small cookie
 * jar shared by its fetch and its websocket class (a browser sends the
 * session cookie on both by itself).
 */
export interface NodeDevice extends Workspace {
  api: ApiClient;
  status: MemoryStatus;
  cookie(): string;
  close(): Promise<void>;
}

export function cookieJar(): { fetch: typeof fetch; header: () => string; WebSocketClass: WebSocketClass } {
  const jar = new Map<string, string>();
  const header = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const jarFetch: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    if (jar.size > 0) headers.set('cookie', header());
    const res = await fetch(input, { ...init, headers });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0];
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (!value || /max-age=0/i.test(c)) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  };
  class CookieWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie: header() } });
    }
  }
  return { fetch: jarFetch, header, WebSocketClass: CookieWebSocket as unknown as WebSocketClass };
}

export async function signIn(api: ApiClient, username: string, password: string): Promise<SessionUser> {
  const body = await api.request<unknown>('/api/auth/login', { method: 'POST', body: { username, password } });
  return userResponseSchema.parse(body).user;
}

/** Signs in and opens a fresh encrypted store for the user, with a sync engine that is not started. */
export async function nodeDevice(
  base: string,
  username: string,
  password: string,
  opts: Partial<SyncEngineOptions> & { iterations?: number } = {}
): Promise<NodeDevice> {
  const jar = cookieJar();
  const api = new ApiClient({ base, fetch: jar.fetch });
  const user = await signIn(api, username, password);
  // Each device gets its own database name: two devices of one user in one process must not share a store.
  const vault: UserVault = await createVault(`${user.id}-${crypto.randomUUID().slice(0, 8)}`, password, { iterations: opts.iterations ?? 1_000 });
  const status = new MemoryStatus();
  const engine = new SyncEngine({
    vault,
    api,
    user: { name: user.name, color: '#0f5c4d' },
    status,
    live: false,
    WebSocketPolyfill: jar.WebSocketClass,
    intervalMs: 3_600_000,
    flushDelayMs: 50,
    ...opts
  });
  return {
    user,
    vault,
    engine,
    api,
    status,
    cookie: jar.header,
    async close() {
      await engine.stop();
      vault.close();
    }
  };
}
