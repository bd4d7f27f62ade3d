import type { ServerResponse } from 'node:http';
import zlib from 'node:zlib';

/**
 * Compression of the server's own answers (JSON, FHIR JSON) per the
 * request's Accept-Encoding. The static app is compressed at build time
 * instead (see precompress.ts and static-files.ts). Only text bodies built
 * in memory come through here: attachments and other stored files are sent
 * as they are, since they are compressed already (PDF, JPEG, PNG).
 */

export type Encoding = 'br' | 'gzip' | 'identity';

/** Bodies below this size go out as they are: the saving would not pay for the work. */
export const COMPRESS_MIN_BYTES = 1024;

/**
 * Brotli at quality 5 and gzip at level 6 are fast enough per request (a
 * megabyte of sync batch in a few milliseconds) and get most of the saving
 * of the maximum levels on JSON.
 */
const BROTLI_QUALITY = 5;
const GZIP_LEVEL = 6;

/**
 * The encoding to answer with: brotli if accepted, else gzip, else none.
 * Honours q-values (`br;q=0` refuses brotli) and `*`.
 */
export function negotiateEncoding(header: string | string[] | undefined): Encoding {
  return acceptedEncodings(header)[0] ?? 'identity';
}

/** The compressed encodings the client accepts, preferred first (brotli before gzip at equal q). */
export function acceptedEncodings(header: string | string[] | undefined): ('br' | 'gzip')[] {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  const q = new Map<string, number>();
  for (const part of value.split(',')) {
    const [rawName, ...params] = part.trim().split(';');
    const name = rawName.trim().toLowerCase();
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
      if (m) weight = Number(m[1]);
    }
    if (!Number.isFinite(weight)) weight = 0;
    q.set(name, Math.max(q.get(name) ?? 0, weight));
  }
  const weight = (name: string): number => q.get(name) ?? q.get('*') ?? 0;
  const br = weight('br');
  const gz = Math.max(weight('gzip'), q.get('x-gzip') ?? 0);
  const out: ('br' | 'gzip')[] = [];
  if (br > 0 && br >= gz) out.push('br');
  if (gz > 0) out.push('gzip');
  if (br > 0 && br < gz) out.push('br');
  return out;
}

export function compress(body: Buffer, encoding: Exclude<Encoding, 'identity'>): Buffer {
  if (encoding === 'br') {
    return zlib.brotliCompressSync(body, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
        [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT
      }
    });
  }
  return zlib.gzipSync(body, { level: GZIP_LEVEL });
}

/**
 * Ends `res` with a text body, compressed when the client accepts it and
 * the body is large enough. Sets Content-Type, Content-Length and (when it
 * compressed or could have) Vary: Accept-Encoding. A HEAD request gets the
 * same headers and no body.
 */
export function sendText(res: ServerResponse, status: number, contentType: string, text: string): void {
  const raw = Buffer.from(text);
  let body: Buffer = raw;
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  if (raw.length >= COMPRESS_MIN_BYTES && !res.hasHeader('Content-Encoding')) {
    appendVary(res, 'Accept-Encoding');
    const encoding = negotiateEncoding(res.req?.headers['accept-encoding']);
    if (encoding !== 'identity') {
      const packed = compress(raw, encoding);
      if (packed.length < raw.length) {
        body = packed;
        res.setHeader('Content-Encoding', encoding);
      }
    }
  }
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

/** Adds a field to Vary unless it is already named there. */
export function appendVary(res: ServerResponse, field: string): void {
  const current = res.getHeader('Vary');
  const list = (Array.isArray(current) ? current.join(',') : String(current ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.includes('*') || list.some((f) => f.toLowerCase() === field.toLowerCase())) return;
  res.setHeader('Vary', [...list, field].join(', '));
}
