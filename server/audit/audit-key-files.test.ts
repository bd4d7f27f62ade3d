import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadOrCreateSigningKey, loadTrustedKey, publicKeyFileFor, verifySignature } from './audit-key';

const dirs: string[] = [];
let oldUmask: number | null = 0;

function freshDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-audit-key-'));
  dirs.push(dir);
  return dir;
}

beforeEach(() => {
  // No umask, so the modes seen are exactly the modes the code asks for.
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

describe('publicKeyFileFor', () => {
  it('replaces a .pem ending, and appends one where there is none', () => {
    expect(publicKeyFileFor('/keys/audit-signing-key.pem')).toBe('/keys/audit-signing-key.pub.pem');
    expect(publicKeyFileFor('/keys/audit-signing-key')).toBe('/keys/audit-signing-key.pub.pem');
  });
});

describe('loadOrCreateSigningKey: files written', () => {
  it('writes the private key readable by its owner only and the public half world-readable', () => {
    const keyFile = path.join(freshDir(), 'keys', 'k.pem');
    const { key, created } = loadOrCreateSigningKey(keyFile);
    expect(created).toBe(true);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(path.dirname(keyFile), 'k.pub.pem')).mode & 0o777).toBe(0o644);
    expect(fs.statSync(path.dirname(keyFile)).mode & 0o777).toBe(0o700);
    expect(fs.readFileSync(keyFile, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(fs.readFileSync(path.join(path.dirname(keyFile), 'k.pub.pem'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(key.keyId).toMatch(/^ed25519:[0-9a-f]{16}$/);
    // The public file checks what the private key signs.
    const trusted = loadTrustedKey(path.join(path.dirname(keyFile), 'k.pub.pem'));
    expect(trusted.keyId).toBe(key.keyId);
    expect(verifySignature(trusted, Buffer.from('x'), key.sign(Buffer.from('x')))).toBe(true);
  });

  it('reports a key folder it cannot create, with the error code', () => {
    const dir = freshDir();
    fs.writeFileSync(path.join(dir, 'plain-file'), '');
    const keyFile = path.join(dir, 'plain-file', 'keys', 'k.pem');
    expect(() => loadOrCreateSigningKey(keyFile)).toThrow(
      new Error(`Cannot create the audit key ${keyFile} (ENOTDIR); set OUTPOST_AUDIT_KEY_FILE.`)
    );
  });

  it("says 'error' when the failure to create the key folder has no code", () => {
    const keyFile = path.join(freshDir(), 'keys', 'k.pem');
    vi.spyOn(fs, 'mkdirSync').mockImplementationOnce(() => {
      throw new Error('no code');
    });
    expect(() => loadOrCreateSigningKey(keyFile)).toThrow(
      new Error(`Cannot create the audit key ${keyFile} (error); set OUTPOST_AUDIT_KEY_FILE.`)
    );
  });

  it('a key written by another process between the check and the write is read, not overwritten', () => {
    const keyFile = path.join(freshDir(), 'k.pem');
    const first = loadOrCreateSigningKey(keyFile);
    const before = fs.readFileSync(keyFile, 'utf8');
    // The other process wins the race: the file did not exist when checked, but does when written.
    const realExists = fs.existsSync;
    vi.spyOn(fs, 'existsSync').mockImplementationOnce(() => false).mockImplementation(realExists);
    const second = loadOrCreateSigningKey(keyFile);
    expect(second.created).toBe(false);
    expect(second.key.keyId).toBe(first.key.keyId);
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(before);
  });

  it('a write failure other than an existing file is thrown as it is', () => {
    const keyFile = path.join(freshDir(), 'k.pem');
    const full = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    vi.spyOn(fs, 'writeFileSync').mockImplementationOnce(() => {
      throw full;
    });
    expect(() => loadOrCreateSigningKey(keyFile)).toThrow(full);
    expect(fs.existsSync(keyFile)).toBe(false);
  });
});

describe('key files that cannot be used', () => {
  it('a key path that cannot be read names the file and the error code', () => {
    const dir = freshDir();
    expect(() => loadTrustedKey(dir)).toThrow(new Error(`Cannot read the audit key file ${dir}: EISDIR`));
    expect(() => loadOrCreateSigningKey(dir)).toThrow(new Error(`Cannot read the audit key file ${dir}: EISDIR`));
  });

  it("a read failure without a code says 'error'", () => {
    const file = path.join(freshDir(), 'k.pem');
    fs.writeFileSync(file, 'x');
    vi.spyOn(fs, 'readFileSync').mockImplementationOnce(() => {
      throw new Error('no code');
    });
    expect(() => loadTrustedKey(file)).toThrow(new Error(`Cannot read the audit key file ${file}: error`));
  });

  it('a file without a PEM key', () => {
    const file = path.join(freshDir(), 'k.pem');
    fs.writeFileSync(file, 'not a key\n');
    expect(() => loadTrustedKey(file)).toThrow(new Error(`${file} does not hold a PEM key`));
    expect(() => loadOrCreateSigningKey(file)).toThrow(new Error(`${file} does not hold a PEM private key (OUTPOST_AUDIT_KEY_FILE)`));
  });

  it('a key of another type is refused, private or public', () => {
    const dir = freshDir();
    const { privateKey, publicKey } = generateKeyPairSync('x25519');
    const priv = path.join(dir, 'x.pem');
    const pub = path.join(dir, 'x.pub.pem');
    fs.writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    fs.writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }) as string);
    expect(() => loadOrCreateSigningKey(priv)).toThrow(new Error(`${priv} is not an Ed25519 private key`));
    expect(() => loadTrustedKey(priv)).toThrow(new Error(`${priv} is not an Ed25519 key`));
    expect(() => loadTrustedKey(pub)).toThrow(new Error(`${pub} is not an Ed25519 key`));
  });

  it('verifySignature answers false, not an exception, when the key cannot verify at all', () => {
    const { publicKey } = generateKeyPairSync('x25519');
    expect(verifySignature({ keyId: 'x', publicKey }, Buffer.from('data'), 'AAAA')).toBe(false);
  });
});
