import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';

/**
 * `npm run build` leaves .br and .gz next to the app's files (the server
 * sends them to browsers that accept them). Checks the build in build/
 * when there is one; without it the check is skipped and says why.
 */
const BUILD = path.resolve(import.meta.dirname, '../../build');
const built = fs.existsSync(path.join(BUILD, 'index.html'));

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(full) : [full];
  });
}

describe.skipIf(!built)('build output (skipped: no build/ — run `npm run build` first)', () => {
  const files = built ? listFiles(BUILD) : [];
  const rel = (f: string): string => path.relative(BUILD, f);

  it('has a .br and a .gz that decode to the file for every script, style sheet and page of 1 KiB or more', () => {
    const wanted = files.filter((f) => /\.(js|css|html|webmanifest)$/.test(f) && fs.statSync(f).size >= 1024);
    // Positive control: the app has its scripts, index.html and the service worker.
    expect(wanted.filter((f) => f.endsWith('.js')).length).toBeGreaterThan(20);
    expect(wanted.map(rel)).toEqual(expect.arrayContaining(['index.html', 'sw.js']));
    const missing: string[] = [];
    for (const f of wanted) {
      const data = fs.readFileSync(f);
      for (const [ext, decode] of [['.br', zlib.brotliDecompressSync], ['.gz', zlib.gunzipSync]] as const) {
        if (!fs.existsSync(f + ext)) missing.push(rel(f) + ext);
        else expect(decode(fs.readFileSync(f + ext)).equals(data), rel(f) + ext).toBe(true);
      }
    }
    expect(missing).toEqual([]);
  });

  it('compresses the scripts to under a third of their size with brotli', () => {
    const js = files.filter((f) => f.endsWith('.js'));
    const raw = js.reduce((n, f) => n + fs.statSync(f).size, 0);
    const br = js.reduce((n, f) => n + (fs.existsSync(`${f}.br`) ? fs.statSync(`${f}.br`).size : fs.statSync(f).size), 0);
    expect(raw).toBeGreaterThan(100 * 1024);
    expect(br).toBeLessThan(raw / 3);
  });

  it('gives no .br or .gz to images', () => {
    const images = files.filter((f) => /\.(png|jpe?g|webp|woff2)$/.test(f));
    expect(images.length).toBeGreaterThan(0);
    expect(images.filter((f) => fs.existsSync(`${f}.br`) || fs.existsSync(`${f}.gz`)).map(rel)).toEqual([]);
  });
});

if (!built) {
  describe('build output', () => {
    it.skip('is checked only after `npm run build` (no build/index.html here)', () => {});
  });
}
