import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import sirv from 'sirv';
import { acceptedEncodings, negotiateEncoding, type Encoding } from './compression';
import { brotli, gzip } from './precompress';
import { inlineScriptHashes } from './security-headers';

/**
 * Serves the built single-page app. Every non-API path without a file of its
 * own answers with index.html, so a deep link such as /patients/<id> opens
 * the app (which routes on the client). Hashed files under /_app/immutable
 * are cached for a year; everything else (index.html, sw.js, the manifest)
 * is revalidated on every load so a new release reaches users.
 */
export interface StaticSite {
  /** False when the app has not been built. */
  available: boolean;
  /** CSP hashes of the inline scripts in index.html. */
  scriptHashes: string[];
  handle(req: IncomingMessage, res: ServerResponse): void;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';

function cacheControl(pathname: string): string {
  return pathname.startsWith('/_app/immutable/') ? IMMUTABLE : 'no-cache';
}

export function createStaticSite(dir: string): StaticSite {
  const indexFile = path.join(dir, 'index.html');
  if (!fs.existsSync(indexFile)) return missingBuild(dir);

  const index = fs.readFileSync(indexFile);
  const fallbackBodies = indexVariants(dir, index);
  const serveFile = sirv(dir, {
    etag: true,
    dotfiles: false,
    // Sends `<file>.br` or `<file>.gz` (written by the build) to clients that
    // accept them, with Content-Encoding and Vary: Accept-Encoding.
    brotli: true,
    gzip: true,
    setHeaders(res, pathname) {
      res.setHeader('Cache-Control', cacheControl(pathname));
    }
  });

  function fallback(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    // A missing script or asset must not come back as HTML (the browser would report a confusing syntax error).
    if (pathname.startsWith('/_app/') || /\.[a-z0-9]{1,8}$/i.test(pathname)) {
      plain(res, 404, 'Not found');
      return;
    }
    const encoding = negotiateEncoding(req.headers['accept-encoding']);
    const variant = (encoding !== 'identity' && fallbackBodies[encoding]) || fallbackBodies.identity;
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('ETag', variant.etag);
    if (req.headers['if-none-match'] === variant.etag) {
      res.statusCode = 304;
      res.end();
      return;
    }
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    if (variant.encoding !== 'identity') res.setHeader('Content-Encoding', variant.encoding);
    res.setHeader('Content-Length', variant.body.length);
    res.end(req.method === 'HEAD' ? undefined : variant.body);
  }

  return {
    available: true,
    scriptHashes: inlineScriptHashes(index.toString('utf8')),
    handle(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        plain(res, 405, 'Method not allowed');
        return;
      }
      const pathname = new URL(req.url ?? '/', 'http://x').pathname;
      // sirv only looks for the names in Accept-Encoding, brotli first, and
      // ignores q-values: hand it what the client really accepts (`br;q=0`
      // refuses brotli), and only gzip when the client prefers gzip.
      const accepted = acceptedEncodings(req.headers['accept-encoding']);
      req.headers['accept-encoding'] = (accepted[0] === 'gzip' ? ['gzip'] : accepted).join(', ');
      // Set ahead of sirv too, so that its 304 answers carry them.
      res.setHeader('Vary', 'Accept-Encoding');
      res.setHeader('Cache-Control', cacheControl(pathname));
      serveFile(req, res, () => fallback(req, res, pathname));
    }
  };
}

interface IndexVariant {
  encoding: Encoding;
  body: Buffer;
  etag: string;
}

/**
 * index.html as sent for deep links: as it is, and brotli- and
 * gzip-compressed (the build's index.html.br/.gz when they are there,
 * otherwise compressed here once). Each has its own ETag, as a cache must
 * not answer a request for one encoding with another.
 */
function indexVariants(dir: string, index: Buffer): Record<Encoding, IndexVariant | undefined> & { identity: IndexVariant } {
  const tag = createHash('sha256').update(index).digest('base64url').slice(0, 22);
  const read = (ext: string, make: () => Buffer): Buffer => {
    const file = path.join(dir, `index.html${ext}`);
    return fs.existsSync(file) ? fs.readFileSync(file) : make();
  };
  const variant = (encoding: 'br' | 'gzip', body: Buffer): IndexVariant | undefined =>
    body.length < index.length ? { encoding, body, etag: `"${tag}-${encoding}"` } : undefined;
  return {
    identity: { encoding: 'identity', body: index, etag: `"${tag}"` },
    br: variant('br', read('.br', () => brotli(index))),
    gzip: variant('gzip', read('.gz', () => gzip(index)))
  };
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache');
  res.end(text);
}

function missingBuild(dir: string): StaticSite {
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Outpost is not built yet</title></head>
<body><h1>Outpost's web app has not been built</h1>
<p>The server is running, but there is no built app in <code>${escapeHtml(dir)}</code>.</p>
<p>Run <code>npm run build</code> and restart the server (or use <code>npm start</code>, which builds first).</p>
</body></html>`;
  return {
    available: false,
    scriptHashes: [],
    handle(_req, res) {
      res.statusCode = 503;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      res.end(page);
    }
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
