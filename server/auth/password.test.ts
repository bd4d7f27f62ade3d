import { describe, expect, it } from 'vitest';
import { CURRENT_PARAMS, hashPassword, needsRehash, NO_LOGIN_HASH, parseHash, verifyPassword } from './password';

describe('password hashing', () => {
  it('uses scrypt N=2^15, r=8, p=1 with a 16-byte salt, in a self-describing string', async () => {
    const stored = await hashPassword('outpost-demo');
    expect(stored).toMatch(/^scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    const parsed = parseHash(stored)!;
    expect(parsed.params).toEqual({ ln: 15, r: 8, p: 1 });
    expect(CURRENT_PARAMS).toEqual({ ln: 15, r: 8, p: 1 });
    expect(parsed.salt).toHaveLength(16);
    expect(parsed.key).toHaveLength(32);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('outpost-demo');
    expect(await verifyPassword('outpost-demo', stored)).toBe(true);
    expect(await verifyPassword('outpost-dem0', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('salts each hash, so equal passwords do not give equal hashes', async () => {
    expect(await hashPassword('same password')).not.toBe(await hashPassword('same password'));
  });

  it('still verifies hashes made with older, cheaper parameters and flags them for upgrade', async () => {
    const old = await hashPassword('legacy password', { ln: 14, r: 8, p: 1 });
    expect(await verifyPassword('legacy password', old)).toBe(true);
    expect(needsRehash(old)).toBe(true);
    expect(needsRehash(await hashPassword('x'.repeat(12)))).toBe(false);
  });

  it('never matches an account that may not sign in', async () => {
    expect(await verifyPassword('', NO_LOGIN_HASH)).toBe(false);
    expect(await verifyPassword('!no-login', NO_LOGIN_HASH)).toBe(false);
  });
});
