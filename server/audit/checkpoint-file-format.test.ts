import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadOrCreateSigningKey, loadTrustedKey, type AuditSigningKey, type TrustedKey } from './audit-key';
import {
  appendCheckpointLine,
  checkCheckpointLines,
  checkpointFileFor,
  dropTornTail,
  fsyncDir,
  readCheckpointFile,
  signCheckpoint
} from './checkpoint-file';

const dirs: string[] = [];
const AT = new Date('2026-01-01T00:00:00.000Z');
const H = (c: string) => c.repeat(64);

function freshDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-cp-file-'));
  dirs.push(dir);
  return dir;
}

let key: AuditSigningKey;
let trusted: TrustedKey[];
let oldUmask: number | null = 0;

beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-cp-key-'));
  key = loadOrCreateSigningKey(path.join(dir, 'k.pem')).key;
  trusted = [loadTrustedKey(path.join(dir, 'k.pem'))];
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  // Worker threads (the mutation runner's pool) cannot set it; the usual 022 leaves these modes as they are.
  try {
    oldUmask = process.umask(0);
  } catch {
    oldUmask = null;
  }
});

afterEach(() => {
  if (oldUmask !== null) process.umask(oldUmask);
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Signed lines for the given seqs, each chained to the one before. */
function chain(logId: string, seqs: number[]): string[] {
  const lines: string[] = [];
  let previous: { n: number; line: string } | null = null;
  for (const seq of seqs) {
    const next = signCheckpoint(key, logId, previous, { seq, hash: H('a') }, AT);
    lines.push(next.line);
    previous = { n: next.checkpoint.n, line: next.line };
  }
  return lines;
}

describe('checkpoint file name and line format', () => {
  it('is audit-<logId>.jsonl in the folder', () => {
    expect(checkpointFileFor('/cp', 'log-1')).toBe(path.join('/cp', 'audit-log-1.jsonl'));
  });

  it('the first line is #1 chained to the genesis hash, with sorted keys', () => {
    const [line] = chain('log-1', [3]);
    const c = JSON.parse(line);
    expect(Object.keys(c)).toEqual(['at', 'hash', 'key', 'log', 'n', 'prev', 'seq', 'sig', 'v']);
    expect(c).toMatchObject({ v: 1, log: 'log-1', n: 1, seq: 3, hash: H('a'), at: '2026-01-01T00:00:00.000Z', prev: H('0'), key: key.keyId });
  });
});

describe('readCheckpointFile', () => {
  it('null for a missing file; a file it cannot read is an error', () => {
    const dir = freshDir();
    expect(readCheckpointFile(path.join(dir, 'none.jsonl'))).toBeNull();
    expect(() => readCheckpointFile(dir)).toThrow(/EISDIR/);
  });

  it('splits complete lines from a torn tail', () => {
    const dir = freshDir();
    const f = path.join(dir, 'a.jsonl');
    const cases: [string, { lines: string[]; tornTail: string }][] = [
      ['', { lines: [], tornTail: '' }],
      ['abc', { lines: [], tornTail: 'abc' }],
      ['\nabc', { lines: [], tornTail: 'abc' }],
      ['one\n', { lines: ['one'], tornTail: '' }],
      ['one\ntwo\n', { lines: ['one', 'two'], tornTail: '' }],
      ['one\ntw', { lines: ['one'], tornTail: 'tw' }]
    ];
    for (const [text, expected] of cases) {
      fs.writeFileSync(f, text);
      expect(readCheckpointFile(f), JSON.stringify(text)).toEqual(expected);
    }
  });
});

describe('dropTornTail', () => {
  it('cuts the file to its complete lines', () => {
    const f = path.join(freshDir(), 'a.jsonl');
    fs.writeFileSync(f, 'one\ntwo\nthr');
    dropTornTail(f, readCheckpointFile(f)!);
    expect(fs.readFileSync(f, 'utf8')).toBe('one\ntwo\n');
  });

  it('empties a file that holds only a torn line', () => {
    const f = path.join(freshDir(), 'a.jsonl');
    fs.writeFileSync(f, '{"v":1,"lo');
    dropTornTail(f, readCheckpointFile(f)!);
    expect(fs.readFileSync(f, 'utf8')).toBe('');
  });

  it('counts bytes, not characters', () => {
    const f = path.join(freshDir(), 'a.jsonl');
    fs.writeFileSync(f, 'é\nx');
    dropTornTail(f, readCheckpointFile(f)!);
    expect(fs.readFileSync(f, 'utf8')).toBe('é\n');
  });
});

describe('checkCheckpointLines', () => {
  it('a good chain passes', () => {
    const r = checkCheckpointLines(chain('log-1', [1, 2, 2, 9]), 'log-1', trusted);
    expect(r.ok).toBe(true);
    expect(r.checkpoints.map((c) => c.seq)).toEqual([1, 2, 2, 9]);
  });

  it('a line that is not JSON', () => {
    const lines = [...chain('log-1', [1]), '{"v":1,'];
    expect(checkCheckpointLines(lines, 'log-1', trusted)).toEqual({
      ok: false,
      checkpoints: [expect.objectContaining({ n: 1 })],
      problem: 'checkpoint line 2 is not valid JSON (edited or damaged)'
    });
  });

  it('JSON that is not a checkpoint', () => {
    expect(checkCheckpointLines(['{}'], 'log-1', trusted)).toEqual({
      ok: false,
      checkpoints: [],
      problem: 'checkpoint line 1 is not a checkpoint (edited or damaged)'
    });
  });

  it('a hash that holds 64 hex digits but more besides is not a checkpoint', () => {
    for (const hash of [`x${H('a')}`, `${H('a')}x`, H('A')]) {
      const { line } = signCheckpoint(key, 'log-1', null, { seq: 1, hash }, AT);
      expect(checkCheckpointLines([line], 'log-1', trusted), hash).toMatchObject({
        ok: false,
        problem: 'checkpoint line 1 is not a checkpoint (edited or damaged)'
      });
    }
  });

  it('a line of another log', () => {
    expect(checkCheckpointLines(chain('log-2', [1]), 'log-1', trusted)).toEqual({
      ok: false,
      checkpoints: [],
      problem: 'checkpoint line 1 belongs to another audit log (log-2)'
    });
  });

  it('a line whose prev is not the hash of the line before it', () => {
    const [first] = chain('log-1', [1]);
    const { line: second } = signCheckpoint(key, 'log-1', { n: 1, line: `${first} ` }, { seq: 2, hash: H('b') }, AT);
    expect(checkCheckpointLines([first, second], 'log-1', trusted)).toEqual({
      ok: false,
      checkpoints: [expect.objectContaining({ n: 1 })],
      problem: 'checkpoint line 2 (#2) does not follow the line before it: a checkpoint was removed, edited or reordered'
    });
  });

  it('a first line whose prev is not the genesis hash', () => {
    const { line } = signCheckpoint(key, 'log-1', { n: 0, line: 'x' }, { seq: 1, hash: H('b') }, AT);
    expect(checkCheckpointLines([line], 'log-1', trusted)).toMatchObject({
      ok: false,
      problem: 'checkpoint line 1 (#1) does not follow the line before it: a checkpoint was removed, edited or reordered'
    });
  });

  it('a checkpoint that vouches for an earlier entry than the last one before it', () => {
    expect(checkCheckpointLines(chain('log-1', [1, 2, 9, 3]), 'log-1', trusted)).toEqual({
      ok: false,
      checkpoints: [expect.objectContaining({ seq: 1 }), expect.objectContaining({ seq: 2 }), expect.objectContaining({ seq: 9 })],
      problem: 'checkpoint line 4 (#4) vouches for entry #3, before #9 of the checkpoint before it'
    });
  });
});

describe('appendCheckpointLine', () => {
  it('creates the file owner-only and appends one line per call', () => {
    const f = path.join(freshDir(), 'audit-x.jsonl');
    appendCheckpointLine(f, 'one');
    appendCheckpointLine(f, 'two');
    expect(fs.readFileSync(f, 'utf8')).toBe('one\ntwo\n');
    expect(fs.statSync(f).mode & 0o777).toBe(0o600);
  });

  it('syncs the folder when it creates the file, not when it appends to one', () => {
    const dir = freshDir();
    const f = path.join(dir, 'audit-x.jsonl');
    const open = vi.spyOn(fs, 'openSync');
    appendCheckpointLine(f, 'one');
    expect(open.mock.calls.filter((c) => c[0] === dir)).toEqual([[dir, 'r']]);
    open.mockClear();
    appendCheckpointLine(f, 'two');
    expect(open.mock.calls.filter((c) => c[0] === dir)).toEqual([]);
    expect(open.mock.calls.map((c) => c[0])).toEqual([f]);
  });

  it('closes the file even when the write fails', () => {
    const f = path.join(freshDir(), 'audit-x.jsonl');
    const close = vi.spyOn(fs, 'closeSync');
    vi.spyOn(fs, 'writeSync').mockImplementationOnce(() => {
      throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
    });
    expect(() => appendCheckpointLine(f, 'one')).toThrow('ENOSPC');
    expect(close).toHaveBeenCalledTimes(1);
  });
});

describe('fsyncDir', () => {
  it('opens the folder read-only, syncs it and closes it', () => {
    const dir = freshDir();
    const open = vi.spyOn(fs, 'openSync');
    const sync = vi.spyOn(fs, 'fsyncSync');
    const close = vi.spyOn(fs, 'closeSync');
    fsyncDir(dir);
    expect(open.mock.calls).toEqual([[dir, 'r']]);
    const fd = open.mock.results[0].value;
    expect(sync.mock.calls).toEqual([[fd]]);
    expect(close.mock.calls).toEqual([[fd]]);
  });

  it('a folder that cannot be synced is no error, and what was opened is closed', () => {
    const dir = freshDir();
    const close = vi.spyOn(fs, 'closeSync');
    vi.spyOn(fs, 'fsyncSync').mockImplementationOnce(() => {
      throw Object.assign(new Error('EINVAL'), { code: 'EINVAL' });
    });
    expect(() => fsyncDir(dir)).not.toThrow();
    expect(close).toHaveBeenCalledTimes(1);
    expect(() => fsyncDir(path.join(dir, 'missing'))).not.toThrow();
  });
});
