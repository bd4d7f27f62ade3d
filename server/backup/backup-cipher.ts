import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import { z } from 'zod';
import { AppError } from '../../src/lib/domain/errors';

/**
 * The encrypted envelope of a backup file. Layout:
 *
 *   "OUTPOSTB" | uint32 header length | header JSON | chunk 0 | chunk 1 | … | last chunk
 *
 * The header (format version, scrypt parameters and salt, chunk size, nonce
 * prefix, key check) is in the clear but authenticated: the whole prefix is
 * the additional data of every chunk, so changing a byte of it fails the
 * first chunk. The body is cut into chunks of `chunkSize` bytes, each sealed
 * with AES-256-GCM under its own nonce (prefix | chunk number | last-chunk
 * flag), so a file of any size is written and read in constant memory, and
 * a chunk moved, dropped, or a file cut at a chunk boundary fails to open —
 * the last chunk only opens as the last one.
 *
 * The key is derived from the administrator's passphrase with scrypt
 * (N = 2^17, r = 8: about 128 MiB and a fraction of a second per try). The
 * header's key check (a hash of a second derived key) tells a wrong
 * passphrase apart from a damaged file without trying to decrypt.
 */

const MAGIC = Buffer.from('OUTPOSTB');
export const BACKUP_FORMAT_VERSION = 1;
const TAG_BYTES = 16;
const MAX_HEADER_BYTES = 64 * 1024;
const SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const;
const DEFAULT_CHUNK = 1024 * 1024;

export type BackupProblem = 'not-a-backup' | 'unsupported' | 'wrong-passphrase' | 'damaged';

/** A backup that cannot be opened, with a message for the administrator; nothing was restored. */
export class BackupError extends AppError {
  constructor(
    readonly problem: BackupProblem,
    message: string
  ) {
    super('invalid', message);
  }
}

const headerSchema = z.strictObject({
  format: z.literal('outpost-backup'),
  v: z.number().int(),
  kdf: z.strictObject({
    name: z.literal('scrypt'),
    // Bounded so a crafted header cannot make the reader allocate gigabytes.
    N: z.number().int().min(2 ** 14).max(2 ** 20),
    r: z.number().int().min(1).max(16),
    p: z.number().int().min(1).max(4),
    salt: z.base64()
  }),
  cipher: z.literal('aes-256-gcm'),
  chunkSize: z.number().int().min(1024).max(16 * 1024 * 1024),
  noncePrefix: z.base64(),
  keyCheck: z.base64()
});
type Header = z.infer<typeof headerSchema>;

interface Keys {
  encryption: Buffer;
  check: Buffer;
}

function deriveKeys(passphrase: string, kdf: Header['kdf']): Keys {
  const out = scryptSync(passphrase.normalize('NFC'), Buffer.from(kdf.salt, 'base64'), 64, {
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    maxmem: 256 * kdf.N * kdf.r + 64 * 1024 * 1024
  });
  return { encryption: out.subarray(0, 32), check: out.subarray(32) };
}

function keyCheckOf(keys: Keys): Buffer {
  return createHash('sha256').update('outpost-backup key check').update(keys.check).digest();
}

function nonceFor(prefix: Buffer, index: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  prefix.copy(nonce, 0, 0, 7);
  nonce.writeUInt32BE(index, 7);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/**
 * Writes an encrypted backup to `fd`: `write` the plaintext in any pieces,
 * then `finish` seals the last chunk. Holds one chunk in memory.
 */
export class BackupWriter {
  private readonly aad: Buffer;
  private readonly keys: Keys;
  private readonly prefix: Buffer;
  private readonly chunkSize: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private index = 0;
  bytesWritten = 0;

  constructor(
    private readonly fd: number,
    passphrase: string,
    /** Smaller chunks and a cheaper scrypt are for tests of the format; backups use the defaults. */
    opts: { chunkSize?: number; scryptN?: number } = {}
  ) {
    this.chunkSize = opts.chunkSize ?? DEFAULT_CHUNK;
    const kdf = { name: 'scrypt' as const, ...SCRYPT, N: opts.scryptN ?? SCRYPT.N, salt: randomBytes(16).toString('base64') };
    this.keys = deriveKeys(passphrase, kdf);
    this.prefix = randomBytes(7);
    const header: Header = {
      format: 'outpost-backup',
      v: BACKUP_FORMAT_VERSION,
      kdf,
      cipher: 'aes-256-gcm',
      chunkSize: this.chunkSize,
      noncePrefix: this.prefix.toString('base64'),
      keyCheck: keyCheckOf(this.keys).toString('base64')
    };
    const json = Buffer.from(JSON.stringify(header));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(json.length);
    this.aad = Buffer.concat([MAGIC, length, json]);
    this.out(this.aad);
  }

  write(data: Buffer): void {
    let rest = data;
    while (rest.length > 0) {
      // A full chunk waits until more data comes: only then is it known not to be the last.
      if (this.pendingBytes === this.chunkSize) this.seal(false);
      const take = Math.min(rest.length, this.chunkSize - this.pendingBytes);
      this.pending.push(rest.subarray(0, take));
      this.pendingBytes += take;
      rest = rest.subarray(take);
    }
  }

  finish(): void {
    this.seal(true);
  }

  private seal(last: boolean): void {
    const plain = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    const cipher = createCipheriv('aes-256-gcm', this.keys.encryption, nonceFor(this.prefix, this.index, last));
    cipher.setAAD(this.aad);
    this.out(Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]));
    this.index += 1;
  }

  private out(buf: Buffer): void {
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
    this.bytesWritten += buf.length;
  }
}

/**
 * Reads and decrypts a backup file chunk by chunk. Every chunk is
 * authenticated before any of its bytes are handed out, and the end of the
 * file is checked to be the sealed last chunk, so a caller that consumes
 * everything without an error got exactly what was written.
 */
export class BackupReader {
  private readonly header: Header;
  private readonly aad: Buffer;
  private readonly keys: Keys;
  private readonly prefix: Buffer;
  private readonly size: number;
  private offset: number;
  private index = 0;
  private buffered: Buffer = Buffer.alloc(0);
  private ended = false;

  constructor(
    private readonly fd: number,
    passphrase: string
  ) {
    this.size = fs.fstatSync(fd).size;
    const magic = this.readAt(0, MAGIC.length + 4);
    if (magic.length < MAGIC.length || !magic.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new BackupError('not-a-backup', 'This file is not an Outpost backup.');
    }
    if (magic.length < MAGIC.length + 4) throw damaged('its header is cut short');
    const headerLength = magic.readUInt32BE(MAGIC.length);
    if (headerLength > MAX_HEADER_BYTES) throw damaged('its header is not readable');
    const json = this.readAt(MAGIC.length + 4, headerLength);
    if (json.length < headerLength) throw damaged('its header is cut short');
    let parsed: unknown;
    try {
      parsed = JSON.parse(json.toString('utf8'));
    } catch {
      throw damaged('its header is not readable');
    }
    const version = (parsed as { v?: unknown } | null)?.v;
    if (typeof version === 'number' && version > BACKUP_FORMAT_VERSION) {
      throw new BackupError('unsupported', `This backup was written in format ${version}, newer than this Outpost reads (${BACKUP_FORMAT_VERSION}): restore it with a newer Outpost.`);
    }
    const header = headerSchema.safeParse(parsed);
    if (!header.success || header.data.v !== BACKUP_FORMAT_VERSION) throw damaged('its header is not readable');
    this.header = header.data;
    this.aad = Buffer.concat([magic, json]);
    this.offset = this.aad.length;
    this.prefix = Buffer.from(this.header.noncePrefix, 'base64');
    if (this.prefix.length !== 7) throw damaged('its header is not readable');
    this.keys = deriveKeys(passphrase, this.header.kdf);
    const check = Buffer.from(this.header.keyCheck, 'base64');
    const expected = keyCheckOf(this.keys);
    if (check.length !== expected.length || !timingSafeEqual(check, expected)) {
      throw new BackupError('wrong-passphrase', 'Wrong passphrase: it does not open this backup. Nothing was restored.');
    }
  }

  /** Exactly `n` bytes of plaintext; fails if the backup ends first. */
  read(n: number): Buffer {
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      if (this.buffered.length === 0) {
        if (this.ended) throw damaged('it ends before its content does');
        this.buffered = this.nextChunk();
      }
      const take = Math.min(need, this.buffered.length);
      parts.push(this.buffered.subarray(0, take));
      this.buffered = this.buffered.subarray(take);
      need -= take;
    }
    return Buffer.concat(parts);
  }

  /** Checks that nothing follows what was read: no plaintext left over, the sealed last chunk reached. */
  assertEnd(): void {
    while (!this.ended) {
      if (this.buffered.length > 0) break;
      this.buffered = this.nextChunk();
    }
    if (this.buffered.length > 0) throw damaged('it holds more than its content');
  }

  private nextChunk(): Buffer {
    const full = this.header.chunkSize + TAG_BYTES;
    const remaining = this.size - this.offset;
    if (remaining < TAG_BYTES) throw damaged('it is cut short');
    const last = remaining <= full;
    const sealed = this.readAt(this.offset, Math.min(full, remaining));
    const decipher = createDecipheriv('aes-256-gcm', this.keys.encryption, nonceFor(this.prefix, this.index, last));
    decipher.setAAD(this.aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw damaged(`it was changed or cut short (the part at byte ${this.offset} does not authenticate)`);
    }
    this.offset += sealed.length;
    this.index += 1;
    this.ended = last;
    return plain;
  }

  private readAt(position: number, length: number): Buffer {
    const buf = Buffer.alloc(Math.max(0, Math.min(length, this.size - position)));
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(this.fd, buf, got, buf.length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  }
}

function damaged(why: string): BackupError {
  return new BackupError('damaged', `The backup file is damaged: ${why}. Nothing was restored.`);
}
