import type { IncomingMessage } from 'node:http';
import { describe, expect, test } from 'vitest';
import { clearedSessionCookie, isHttps, readCookie, sessionCookie } from './cookies';
import { hashPassword, needsRehash, NO_LOGIN_HASH, parseHash, verifyPassword } from './password';
import { LoginRateLimiter } from './rate-limit';

/**
 * Sign-in's building blocks at their edges, with expected values written
 * out: stored hash formats and their bounds, the longest password, cookie
 * parsing and flags, and the sign-in throttle's windows and keys.
 */

const req = (headers: Record<string, string | string[]>, encrypted = false) => ({ headers, socket: { encrypted } }) as unknown as IncomingMessage;
const SALT = Buffer.alloc(16, 1).toString('base64');
const KEY = Buffer.alloc(32, 2).toString('base64');

describe('stored password hashes', () => {
  test('the format is read whole, with its parameters', () => {
    expect(parseHash(`scrypt$ln=15,r=8,p=1$${SALT}$${KEY}`)).toEqual({ params: { ln: 15, r: 8, p: 1 }, salt: Buffer.alloc(16, 1), key: Buffer.alloc(32, 2) });
    expect(parseHash(`scrypt$ln=12,r=16,p=10$${SALT}$${KEY}`)?.params).toEqual({ ln: 12, r: 16, p: 10 });
  });

  test.each([
    ['a prefix before it', `x scrypt$ln=15,r=8,p=1$${SALT}$${KEY}`],
    ['something after it', `scrypt$ln=15,r=8,p=1$${SALT}$${KEY} x`],
    ['a cost below 2^10', `scrypt$ln=9,r=8,p=1$${SALT}$${KEY}`],
    ['a cost above 2^22', `scrypt$ln=23,r=8,p=1$${SALT}$${KEY}`],
    ['r of 0', `scrypt$ln=15,r=0,p=1$${SALT}$${KEY}`],
    ['p of 0', `scrypt$ln=15,r=8,p=0$${SALT}$${KEY}`],
    ['three-digit parameters', `scrypt$ln=15,r=100,p=1$${SALT}$${KEY}`],
    ['a locked account', NO_LOGIN_HASH]
  ])('%s is not a hash', (_what, stored) => {
    expect(parseHash(stored)).toBeNull();
  });

  test('the bounds themselves are accepted', () => {
    expect(parseHash(`scrypt$ln=10,r=1,p=1$${SALT}$${KEY}`)?.params).toEqual({ ln: 10, r: 1, p: 1 });
    expect(parseHash(`scrypt$ln=22,r=99,p=99$${SALT}$${KEY}`)?.params).toEqual({ ln: 22, r: 99, p: 99 });
  });

  test('a hash is upgraded when any parameter is below today’s (ln 15, r 8, p 1), or unreadable', () => {
    expect(needsRehash(`scrypt$ln=15,r=8,p=1$${SALT}$${KEY}`)).toBe(false);
    expect(needsRehash(`scrypt$ln=16,r=8,p=1$${SALT}$${KEY}`)).toBe(false);
    expect(needsRehash(`scrypt$ln=14,r=8,p=1$${SALT}$${KEY}`)).toBe(true);
    expect(needsRehash(`scrypt$ln=15,r=7,p=1$${SALT}$${KEY}`)).toBe(true);
    expect(needsRehash(`scrypt$ln=15,r=8,p=1$${SALT}$${KEY}`, { ln: 15, r: 8, p: 2 })).toBe(true);
    expect(needsRehash('not a hash')).toBe(true);
    expect(NO_LOGIN_HASH).toBe('!no-login');
  });

  test('1,024 characters is the longest password; longer is refused when set and never matches', async () => {
    const longest = 'p'.repeat(1024);
    const stored = await hashPassword(longest, { ln: 10, r: 1, p: 1 });
    expect(stored).toMatch(/^scrypt\$ln=10,r=1,p=1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(await verifyPassword(longest, stored)).toBe(true);
    await expect(hashPassword('p'.repeat(1025), { ln: 10, r: 1, p: 1 })).rejects.toThrow('Password is too long');
    expect(await verifyPassword('p'.repeat(1025), stored)).toBe(false);
  });

  test('a stored key of another length never matches', async () => {
    const stored = await hashPassword('correct horse battery', { ln: 10, r: 1, p: 1 });
    const short = stored.replace(/\$[^$]+$/, `$${Buffer.alloc(16, 0).toString('base64')}`);
    expect(await verifyPassword('correct horse battery', short)).toBe(false);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
  });
});

describe('cookies', () => {
  test('finds the named cookie among others, trimmed and decoded', () => {
    expect(readCookie(req({ cookie: 'a=1; outpost_session=abc%2Fdef ; b=2' }), 'outpost_session')).toBe('abc/def');
    expect(readCookie(req({ cookie: 'xoutpost_session=1; outpost_session=2' }), 'outpost_session')).toBe('2');
    expect(readCookie(req({ cookie: 'flag; outpost_session=3' }), 'outpost_session')).toBe('3');
    expect(readCookie(req({ cookie: '=4; outpost_session=5' }), 'outpost_session')).toBe('5');
    expect(readCookie(req({ cookie: 'a=1' }), 'outpost_session')).toBeNull();
    expect(readCookie(req({}), 'outpost_session')).toBeNull();
    expect(readCookie(req({ cookie: 'outpost_session=%E0%A4%A' }), 'outpost_session')).toBeNull();
  });

  test('https directly or through the proxy’s first X-Forwarded-Proto entry', () => {
    expect(isHttps(req({}, true))).toBe(true);
    expect(isHttps(req({}))).toBe(false);
    expect(isHttps(req({ 'x-forwarded-proto': ' HTTPS , http' }))).toBe(true);
    expect(isHttps(req({ 'x-forwarded-proto': 'http, https' }))).toBe(false);
    expect(isHttps(req({ 'x-forwarded-proto': ['https', 'http'] }))).toBe(true);
  });

  test('the session cookie’s flags', () => {
    expect(sessionCookie('tok', 43200.9, true)).toBe('outpost_session=tok; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure');
    expect(sessionCookie('tok', -5, false)).toBe('outpost_session=tok; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
    expect(clearedSessionCookie(false)).toBe('outpost_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
  });
});

describe('sign-in throttling', () => {
  const limits = { windowMs: 60_000, perPair: 2, perIp: 100, perUsername: 3 };

  test('a failure counts for exactly the window, then no longer', () => {
    let t = 1_000_000;
    const l = new LoginRateLimiter(limits, () => t);
    l.recordFailure('dr.demo', '10.0.0.1');
    l.recordFailure('dr.demo', '10.0.0.1');
    expect(l.check('dr.demo', '10.0.0.1')).toEqual({ limited: true, retryAfterSeconds: 60, scope: 'pair' });
    t += 59_999;
    expect(l.check('dr.demo', '10.0.0.1')).toEqual({ limited: true, retryAfterSeconds: 1, scope: 'pair' });
    t += 1;
    expect(l.check('dr.demo', '10.0.0.1')).toEqual({ limited: false });
  });

  test('usernames are one account whatever their case or spaces', () => {
    const l = new LoginRateLimiter(limits, () => 5);
    l.recordFailure(' Dr.Demo ', '10.0.0.1');
    l.recordFailure('dr.demo', '10.0.0.1');
    expect(l.check('DR.DEMO', '10.0.0.1')).toMatchObject({ limited: true, scope: 'pair' });
    l.recordFailure('DR.demo', '10.0.0.2');
    expect(l.check('dr.demo', '10.0.0.3')).toMatchObject({ limited: true, scope: 'username' });
  });

  test('an address that signed the user in stays exempt from the per-username ceiling for exactly the set time', () => {
    let t = 0;
    const l = new LoginRateLimiter({ ...limits, knownAddressMs: 1_000 }, () => t);
    l.recordSuccess('dr.demo', '10.0.0.9');
    for (const ip of ['1.1.1.1', '1.1.1.2', '1.1.1.3']) l.recordFailure('dr.demo', ip);
    t = 999;
    expect(l.check('dr.demo', '10.0.0.9')).toEqual({ limited: false });
    t = 1_000;
    expect(l.check('dr.demo', '10.0.0.9')).toMatchObject({ limited: true, scope: 'username' });
  });

  test('the default exemption lasts 30 days', () => {
    let t = 0;
    const l = new LoginRateLimiter({ windowMs: 100 * 86_400_000, perPair: 5, perIp: 100, perUsername: 3 }, () => t);
    l.recordSuccess('dr.demo', '10.0.0.9');
    for (const ip of ['1.1.1.1', '1.1.1.2', '1.1.1.3']) l.recordFailure('dr.demo', ip);
    t = 30 * 86_400_000 - 1;
    expect(l.check('dr.demo', '10.0.0.9')).toEqual({ limited: false });
    t = 30 * 86_400_000;
    expect(l.check('dr.demo', '10.0.0.9')).toMatchObject({ limited: true, scope: 'username' });
  });

  test('memory stays bounded when thousands of names are tried, and what is recent still counts', () => {
    let t = 0;
    const l = new LoginRateLimiter({ windowMs: 1_000, perPair: 2, perIp: 1_000_000, perUsername: 1_000_000 }, () => t);
    l.recordFailure('target', '9.9.9.9');
    t = 2_000;
    l.recordFailure('target', '9.9.9.9');
    l.recordFailure('target', '9.9.9.9');
    for (let i = 0; i < 3_400; i++) l.recordFailure(`user${i}`, '8.8.8.8');
    const failures = (l as unknown as { failures: Map<string, number[]> }).failures;
    expect(failures.size).toBeLessThanOrEqual(10_001 + 3);
    expect(l.check('target', '9.9.9.9')).toMatchObject({ limited: true, scope: 'pair' });
    // Old entries are dropped when the map grows past its bound.
    t = 10_000;
    for (let i = 0; i < 3_400; i++) l.recordFailure(`later${i}`, '7.7.7.7');
    expect(failures.has('p:9.9.9.9|target')).toBe(false);
    for (let i = 0; i < 10_005; i++) l.recordSuccess(`ok${i}`, '6.6.6.6');
    const known = (l as unknown as { known: Map<string, number> }).known;
    expect(known.size).toBe(10_000);
    expect(known.has('p:6.6.6.6|ok0')).toBe(false);
    expect(known.has('p:6.6.6.6|ok10004')).toBe(true);
  });
});
