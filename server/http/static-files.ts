import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import sirv from 'sirv';
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

export function createStaticSite(dir: string): StaticSite {
  const indexFile = path.join(dir, 'index.html');
  if (!fs.existsSync(indexFile)) return missingBuild(dir);

  const index = fs.readFileSync(indexFile);
  const serveFile = sirv(dir, {
    etag: true,
    dotfiles: false,
    setHeaders(res, pathname) {
      res.setHeader('Cache-Control', pathname.startsWith('/_app/immutable/') ? IMMUTABLE : 'no-cache');
    }
  });

  function fallback(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    // A missing script or asset must not come back as HTML (the browser would report a confusing syntax error).
    if (pathname.startsWith('/_app/') || /\.[a-z0-9]{1,8}$/i.test(pathname)) {
      plain(res, 404, 'Not found');
      return;
    }
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Content-Length', index.length);
    res.end(req.method === 'HEAD' ? undefined : index);
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
      serveFile(req, res, () => fallback(req, res, pathname));
    }
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
