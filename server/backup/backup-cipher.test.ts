import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupReader, BackupWriter } from './backup-cipher';

/**
 * The envelope's own guarantees, with 1 KiB chunks so a few kilobytes make
 * several: what was written comes back exactly, and a file cut at a chunk
 * boundary, with chunks swapped or with a chunk added does not open.
 */
const CHUNK = 1024;
const PASS = 'correct horse battery staple';
const dirs: string[] = [];

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function sealed(plain: Buffer): { file: string; headerBytes: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-cipher-'));
  dirs.push(dir);
  const file = path.join(dir, 'b.backup');
  const fd = fs.openSync(file, 'w');
  const writer = new BackupWriter(fd, PASS, { chunkSize: CHUNK, scryptN: 2 ** 14 });
  const headerBytes = writer.bytesWritten;
  // Uneven pieces, so chunking does not follow the caller's writes.
  for (let off = 0; off < plain.length; off += 700) writer.write(plain.subarray(off, off + 700));
  writer.finish();
  fs.closeSync(fd);
  return { file, headerBytes };
}

function open(file: string, n: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const reader = new BackupReader(fd, PASS);
    const out = reader.read(n);
    reader.assertEnd();
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

const plain = Buffer.from(Array.from({ length: 3 * CHUNK }, (_, i) => i % 251));

describe('backup envelope', () => {
  it('gives back exactly what was written, a whole number of chunks included', () => {
    const { file, headerBytes } = sealed(plain);
    // Three full chunks, the third sealed as the last, 16 bytes of tag each.
    expect(fs.statSync(file).size).toBe(headerBytes + 3 * (CHUNK + 16));
    expect(open(file, plain.length).equals(plain)).toBe(true);
    expect(fs.readFileSync(file).includes(plain.subarray(0, 64))).toBe(false);
  });

  it('does not open with a chunk added after the last', () => {
    const { file, headerBytes } = sealed(plain);
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, Buffer.concat([bytes, bytes.subarray(headerBytes, headerBytes + CHUNK + 16)]));
    expect(() => open(file, plain.length)).toThrow(
      `The backup file is damaged: it was changed or cut short (the part at byte ${headerBytes + 2 * (CHUNK + 16)} does not authenticate). Nothing was restored.`
    );
  });

  it('does not open when cut at a chunk boundary', () => {
    const { file, headerBytes } = sealed(plain);
    fs.truncateSync(file, headerBytes + 2 * (CHUNK + 16));
    expect(() => open(file, plain.length)).toThrow(
      `The backup file is damaged: it was changed or cut short (the part at byte ${headerBytes + CHUNK + 16} does not authenticate). Nothing was restored.`
    );
  });

  it('does not open with two chunks swapped', () => {
    const { file, headerBytes } = sealed(plain);
    const bytes = fs.readFileSync(file);
    const a = headerBytes;
    const b = headerBytes + CHUNK + 16;
    const swapped = Buffer.concat([bytes.subarray(0, a), bytes.subarray(b, b + CHUNK + 16), bytes.subarray(a, b), bytes.subarray(b + CHUNK + 16)]);
    fs.writeFileSync(file, swapped);
    expect(() => open(file, plain.length)).toThrow(
      `The backup file is damaged: it was changed or cut short (the part at byte ${headerBytes} does not authenticate). Nothing was restored.`
    );
  });

  it('does not open with its header changed, even where the key check still passes', () => {
    const { file } = sealed(plain);
    const bytes = fs.readFileSync(file);
    const text = bytes.toString('latin1');
    const at = text.indexOf('"chunkSize":1024');
    const changed = Buffer.from(text.slice(0, at) + '"chunkSize":1025' + text.slice(at + 16), 'latin1');
    fs.writeFileSync(file, changed);
    expect(() => open(file, plain.length)).toThrow(/^The backup file is damaged: it was changed or cut short/);
  });
});
