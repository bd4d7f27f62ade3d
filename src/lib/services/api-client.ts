import { AppError, ERROR_CODES, type ErrorCode } from '../domain/errors';

/**
 * The one way the app talks to the clinic server's JSON API. Same-origin
 * fetch with the session cookie; every failure becomes an AppError the UI
 * can show as is. Node tests and the benchmark create their own client with
 * a base URL and a fetch that carries a cookie jar.
 */
export interface ApiRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
}

export const UNREACHABLE_MESSAGE = 'The clinic server cannot be reached. Your work is saved on this device.';

type Fetch = typeof globalThis.fetch;

export interface ApiClientOptions {
  /** Origin of the server, e.g. `http://127.0.0.1:8080`; '' means the page's own origin. */
  base?: string;
  fetch?: Fetch;
}

/** Reports whether the server answered (any HTTP status) or could not be reached. */
export type ReachabilityListener = (reachable: boolean) => void;

/** Told of every 401 the server answers, with the path asked for: the session may have ended on the server. */
export type UnauthenticatedListener = (path: string) => void;

/** Told when the server answers that this device was reported lost (410 `device-revoked`): the app must erase itself. */
export type DeviceRevokedListener = () => void;

export class ApiClient {
  #base: string;
  #fetch: Fetch;
  #webSocket: typeof globalThis.WebSocket | undefined;
  readonly #listeners = new Set<ReachabilityListener>();
  readonly #unauthenticated = new Set<UnauthenticatedListener>();
  readonly #deviceRevoked = new Set<DeviceRevokedListener>();

  constructor(opts: ApiClientOptions = {}) {
    this.#base = (opts.base ?? '').replace(/\/$/, '');
    this.#fetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  get base(): string {
    return this.#base;
  }

  setBase(url: string): void {
    this.#base = url.replace(/\/$/, '');
  }

  setFetch(fetch: Fetch): void {
    this.#fetch = fetch;
  }

  onReachability(listener: ReachabilityListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onUnauthenticated(listener: UnauthenticatedListener): () => void {
    this.#unauthenticated.add(listener);
    return () => this.#unauthenticated.delete(listener);
  }

  onDeviceRevoked(listener: DeviceRevokedListener): () => void {
    this.#deviceRevoked.add(listener);
    return () => this.#deviceRevoked.delete(listener);
  }

  /** The WebSocket class live sync opens sockets with: the browser's own unless set (Node tests send their cookie with it). */
  get webSocketClass(): typeof globalThis.WebSocket | undefined {
    return this.#webSocket;
  }

  setWebSocketClass(cls: typeof globalThis.WebSocket | undefined): void {
    this.#webSocket = cls;
  }

  /** The websocket endpoint for live document sync on the same server. */
  syncUrl(): string {
    if (this.#base) return `${this.#base.replace(/^http/, 'ws')}/sync`;
    if (typeof location === 'undefined') throw new AppError('internal', 'No server address is configured');
    return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/sync`;
  }

  async request<T>(path: string, init: ApiRequest = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.#fetch(this.#base + path, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        credentials: 'same-origin',
        signal: init.signal
      });
    } catch (cause) {
      if (init.signal?.aborted) throw cause;
      this.#report(false);
      throw withCause(new AppError('unavailable', UNREACHABLE_MESSAGE), cause);
    }
    // A proxy answering for a server that is down is the same as no server.
    if (res.status === 502 || res.status === 504) {
      this.#report(false);
      throw new AppError('unavailable', UNREACHABLE_MESSAGE);
    }
    this.#report(true);
    if (res.status === 401) this.#reportUnauthenticated(path);
    if (res.status === 204) return undefined as T;
    const body = await readJson(res);
    if (!res.ok) throw this.#failure(res.status, body);
    return body as T;
  }

  /**
   * Sends raw bytes (an attachment) and reads the JSON answer. Same error
   * mapping as `request`; the body's media type is the file's own.
   */
  async sendBytes<T>(path: string, bytes: Uint8Array, contentType: string, headers: Record<string, string> = {}): Promise<T> {
    const res = await this.#raw(path, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': contentType, ...headers },
      body: bytes as Uint8Array<ArrayBuffer>
    });
    const body = await readJson(res);
    if (!res.ok) throw this.#failure(res.status, body);
    return body as T;
  }

  /** Fetches raw bytes (an attachment) with the answer's media type. */
  async getBytes(path: string): Promise<{ bytes: Uint8Array; contentType: string }> {
    const res = await this.#raw(path, { method: 'GET', headers: {} });
    if (!res.ok) throw this.#failure(res.status, await readJson(res));
    return { bytes: new Uint8Array(await res.arrayBuffer()), contentType: res.headers.get('content-type') ?? '' };
  }

  async #raw(path: string, init: { method: string; headers: Record<string, string>; body?: BodyInit }): Promise<Response> {
    let res: Response;
    try {
      res = await this.#fetch(this.#base + path, { ...init, credentials: 'same-origin' });
    } catch (cause) {
      this.#report(false);
      throw withCause(new AppError('unavailable', UNREACHABLE_MESSAGE), cause);
    }
    if (res.status === 502 || res.status === 504) {
      this.#report(false);
      throw new AppError('unavailable', UNREACHABLE_MESSAGE);
    }
    this.#report(true);
    if (res.status === 401) this.#reportUnauthenticated(path);
    return res;
  }

  /** The error to throw for a failed answer; the wipe signal is passed on to its listeners first. */
  #failure(status: number, body: unknown): AppError {
    const err = errorFrom(status, body);
    if (err.code === 'device-revoked') for (const l of this.#deviceRevoked) l();
    return err;
  }

  #report(reachable: boolean): void {
    for (const l of this.#listeners) l(reachable);
  }

  #reportUnauthenticated(path: string): void {
    for (const l of this.#unauthenticated) l(path);
  }
}

async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    if (res.ok) throw new AppError('internal', 'The clinic server sent an answer this app cannot read');
    return undefined;
  }
}

function errorFrom(status: number, body: unknown): AppError {
  const e = (body as { error?: { code?: unknown; message?: unknown; details?: unknown; reason?: unknown; params?: unknown } } | undefined)?.error;
  if (e && typeof e.message === 'string' && (ERROR_CODES as readonly string[]).includes(e.code as string)) {
    const details = Array.isArray(e.details) ? (e.details as { path?: string; message: string }[]) : undefined;
    return new AppError(e.code as ErrorCode, e.message, details, typeof e.reason === 'string' ? { reason: e.reason, params: paramsOf(e.params) } : undefined);
  }
  if (status === 401) return new AppError('unauthenticated', 'Sign in again to continue');
  if (status === 403) return new AppError('forbidden', 'You do not have access to this');
  if (status === 404) return new AppError('not-found', 'Not found on the clinic server');
  if (status === 503) return new AppError('unavailable', UNREACHABLE_MESSAGE);
  return new AppError('internal', `The clinic server could not complete the request (status ${status})`);
}

/** A refusal's parameters: plain strings and numbers only (they go into translated sentences). */
function paramsOf(value: unknown): Record<string, string | number> | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) out[k] = v;
  return out;
}

function withCause(err: AppError, cause: unknown): AppError {
  (err as Error & { cause?: unknown }).cause = cause;
  return err;
}

/** The app's client: same origin. */
export const apiClient = new ApiClient();

/** Calls the clinic server's JSON API on the page's origin. */
export function api<T>(path: string, init?: ApiRequest): Promise<T> {
  return apiClient.request<T>(path, init);
}

/** For tests in Node: point the app's client at a server. */
export function setApiBase(url: string): void {
  apiClient.setBase(url);
}

/** For tests in Node: a fetch that keeps the session cookie. */
export function setApiFetch(fetch: Fetch): void {
  apiClient.setFetch(fetch);
}
