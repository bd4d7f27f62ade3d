import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { AppError } from '../../src/lib/domain/errors';
import { fromZod } from './errors';

/** Default cap on a JSON body; the batch sync endpoint raises it (8 MiB per the contract). */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

/**
 * Deepest nesting of arrays and objects a JSON body may have. FHIR resources
 * reach about 12 levels inside a Bundle, the app's own bodies fewer. A body
 * nested thousands deep parses (V8's parser does not recurse) but would
 * overflow the stack of every recursive reader after it: validation, Yjs
 * encoding, JSON.stringify.
 */
export const MAX_JSON_DEPTH = 64;

/** How long a body may send nothing before it is abandoned, unless the request handler set another limit for the request. */
export const DEFAULT_BODY_IDLE_MS = 15_000;

const bodyIdleMs = new WeakMap<IncomingMessage, number>();

/** Sets the body idle timeout for one request (the request handler passes the server's limit). */
export function setBodyIdleTimeout(req: IncomingMessage, ms: number): void {
  bodyIdleMs.set(req, ms);
}

function tooLarge(limit: number): AppError {
  return new AppError('too-large', `The request is too large (limit ${formatBytes(limit)}).`);
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${n / (1024 * 1024)} MiB` : `${Math.round(n / 1024)} KiB`;
}

/**
 * Reads and parses a JSON request body, refusing more than `limit` bytes
 * before buffering them. JSON is required (Content-Type application/json):
 * a cross-site HTML form cannot send it, which backs up the SameSite cookie.
 * `mediaTypes` widens the accepted types where a standard names its own
 * (FHIR clients send application/fhir+json).
 */
export async function readJson(
  req: IncomingMessage,
  limit = DEFAULT_BODY_LIMIT,
  mediaTypes: readonly string[] = ['application/json']
): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (!mediaTypes.includes(type)) {
    req.resume();
    throw new AppError('invalid', `Send the request body as JSON (Content-Type: ${mediaTypes.join(' or ')}).`);
  }
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  const chunks = await collect(req, limit, bodyIdleMs.get(req) ?? DEFAULT_BODY_IDLE_MS);
  const text = chunks.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new AppError('invalid', 'The request body is not valid JSON.');
  }
  if (nestedDeeperThan(value, MAX_JSON_DEPTH)) {
    throw new AppError('invalid', `The request body is nested too deeply (at most ${MAX_JSON_DEPTH} levels of arrays and objects).`);
  }
  return value;
}

/**
 * Reads an `application/x-www-form-urlencoded` body (the OAuth token
 * endpoint's), refusing more than `limit` bytes before buffering them.
 */
export async function readForm(req: IncomingMessage, limit = 16 * 1024): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    req.resume();
    throw new AppError('invalid', 'Send the request body form-encoded (Content-Type: application/x-www-form-urlencoded).');
  }
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  const chunks = await collect(req, limit, bodyIdleMs.get(req) ?? DEFAULT_BODY_IDLE_MS);
  return new URLSearchParams(chunks.toString('utf8'));
}

/**
 * Reads a body of one media type as bytes, refusing more than `limit`
 * before buffering them (signed replication requests are verified over
 * the exact bytes sent).
 */
export async function readRaw(req: IncomingMessage, limit: number, mediaType: string): Promise<Buffer> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== mediaType) {
    req.resume();
    throw new AppError('invalid', `Send the request body as ${mediaType}.`);
  }
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  return collect(req, limit, bodyIdleMs.get(req) ?? DEFAULT_BODY_IDLE_MS);
}

/** True when arrays and objects nest more than `max` levels. Iterative, so no input can overflow the stack. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) return true;
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const c of children) if (typeof c === 'object' && c !== null) stack.push([c, depth + 1]);
  }
  return false;
}

/** Validates a parsed value at the HTTP boundary; failures become 400 with the field paths. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw fromZod(result.error);
  return result.data;
}

/**
 * Buffers the body up to `limit`. Past the limit it stops keeping data but
 * keeps draining, so the 413 answer can still be written on the socket. A
 * body that sends nothing for `idleMs` is abandoned with 408 (the error
 * answer closes the connection), and one cut off by the client rejects, so
 * a stalled upload holds neither a handler nor its buffers.
 */
function collect(req: IncomingMessage, limit: number, idleMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(stalled, idleMs);
    function stalled(): void {
      settle(() => {
        chunks.length = 0;
        req.pause();
        reject(new AppError('timeout', `The request body stopped arriving (nothing for ${Math.round(idleMs / 1000)} s).`));
      });
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (over || settled) return;
      timer.refresh();
      if (size > limit) {
        over = true;
        chunks.length = 0;
        settle(() => reject(tooLarge(limit)));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => settle(() => resolve(Buffer.concat(chunks))));
    req.on('error', (err) => settle(() => reject(err)));
    req.on('close', () => settle(() => reject(new AppError('invalid', 'The request body was cut off.'))));
  });
}
