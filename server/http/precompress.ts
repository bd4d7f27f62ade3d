import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/**
 * Build step: writes `<file>.br` (brotli, quality 11) and `<file>.gz` (gzip,
 * level 9) next to every compressible file of the built app, so the server
 * (sirv with `brotli`/`gzip`) sends them to browsers that accept them
 * without compressing anything per request. A variant that would not be
 * smaller than the file is not written (the server then sends the file).
 */

/** Text-like files worth compressing; images, fonts and archives already are. */
const COMPRESSIBLE = /\.(html|js|mjs|css|json|map|svg|webmanifest|txt|tsv|xml|wasm|ico)$/i;

export function isCompressible(name: string): boolean {
  return COMPRESSIBLE.test(name);
}

export function brotli(data: Buffer | string, quality = zlib.constants.BROTLI_MAX_QUALITY): Buffer {
  const input = typeof data === 'string' ? Buffer.from(data) : data;
  return zlib.brotliCompressSync(input, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: quality,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: input.length,
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT
    }
  });
}

export function gzip(data: Buffer | string, level = 9): Buffer {
  return zlib.gzipSync(data, { level });
}

export interface PrecompressTotals {
  files: number;
  bytes: number;
  br: number;
  gz: number;
}

/** Compresses every compressible file under `dir` in place; returns the totals over those files. */
export function precompressDir(dir: string): PrecompressTotals {
  const totals: PrecompressTotals = { files: 0, bytes: 0, br: 0, gz: 0 };
  for (const file of listFiles(dir)) {
    if (!isCompressible(file)) continue;
    const data = fs.readFileSync(file);
    const br = brotli(data);
    const gz = gzip(data);
    totals.files++;
    totals.bytes += data.length;
    totals.br += writeIfSmaller(`${file}.br`, br, data.length);
    totals.gz += writeIfSmaller(`${file}.gz`, gz, data.length);
  }
  return totals;
}

function writeIfSmaller(file: string, data: Buffer, original: number): number {
  if (data.length >= original) {
    fs.rmSync(file, { force: true });
    return original;
  }
  fs.writeFileSync(file, data);
  return data.length;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}
