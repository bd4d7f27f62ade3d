import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { AppError } from '../../src/lib/domain/errors';
import { fromZod } from './errors';

/** Default cap on a JSON body; the batch sync endpoint raises it (8 MiB per the contract). */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

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
  const chunks = await collect(req, limit);
  const text = chunks.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('invalid', 'The request body is not valid JSON.');
  }
}

/** Validates a parsed value at the HTTP boundary; failures become 400 with the field paths. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw fromZod(result.error);
  return result.data;
}

/**
 * Buffers the body up to `limit`. Past the limit it stops keeping data but
 * keeps draining, so the 413 answer can still be written on the socket.
 */
function collect(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (over) return;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}
