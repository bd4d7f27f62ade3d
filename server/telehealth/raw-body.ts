import type { IncomingMessage } from 'node:http';
import { AppError } from '../../src/lib/domain/errors';

/**
 * Reads a request body as text, exactly as sent: a webhook's signature
 * covers the raw bytes, so it must be checked before any JSON parsing.
 * Refuses a body of the wrong media type or over `limit` bytes.
 */
export async function readRawText(req: IncomingMessage, contentType: string, limit: number): Promise<string> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== contentType) {
    req.resume();
    throw new AppError('invalid', `Send the body as ${contentType}.`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw new AppError('too-large', 'The request is too large.');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
