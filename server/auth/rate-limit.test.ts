import { describe, expect, it } from 'vitest';
import { LoginRateLimiter } from './rate-limit';

describe('login rate limiter', () => {
  const limits = { windowMs: 15 * 60_000, perPair: 5, perIp: 20, perUsername: 50 };

  it('limits one address guessing one account after 5 failures, and frees it when the window passes', () => {
    let t = 0;
    const limiter = new LoginRateLimiter(limits, () => t);
    for (let i = 0; i < 5; i++) {
      expect(limiter.check('dr.demo', '10.0.0.1').limited).toBe(false);
      limiter.recordFailure('dr.demo', '10.0.0.1');
      t += 1000;
    }
    const check = limiter.check('DR.demo', '10.0.0.1');
    expect(check).toMatchObject({ limited: true, scope: 'pair' });
    if (check.limited) expect(check.retryAfterSeconds).toBe(15 * 60 - 5);
    t = 15 * 60_000 + 1;
    expect(limiter.check('dr.demo', '10.0.0.1').limited).toBe(false);
  });

  it('does not lock the account out from another address: an attacker hammering dr.demo only stops themselves', () => {
    const limiter = new LoginRateLimiter(limits, () => 0);
    for (let i = 0; i < 5; i++) limiter.recordFailure('dr.demo', '203.0.113.66');
    expect(limiter.check('dr.demo', '203.0.113.66')).toMatchObject({ limited: true, scope: 'pair' });
    expect(limiter.check('dr.demo', '10.0.0.7')).toEqual({ limited: false });
  });

  it('limits an address that tries many accounts', () => {
    const limiter = new LoginRateLimiter(limits, () => 0);
    for (let i = 0; i < 20; i++) limiter.recordFailure(`user${i}`, '10.0.0.9');
    expect(limiter.check('someone-else', '10.0.0.9')).toMatchObject({ limited: true, scope: 'ip' });
    expect(limiter.check('someone-else', '10.0.0.10').limited).toBe(false);
  });

  it('caps guesses at one account from many addresses, but not from an address that signed the user in before', () => {
    const limiter = new LoginRateLimiter(limits, () => 0);
    limiter.recordSuccess('nurse.demo', '10.0.0.5');
    for (let i = 0; i < 50; i++) limiter.recordFailure('nurse.demo', `198.51.100.${i}`);
    expect(limiter.check('nurse.demo', '192.0.2.1')).toMatchObject({ limited: true, scope: 'username' });
    expect(limiter.check('nurse.demo', '10.0.0.5')).toEqual({ limited: false });
  });

  it('forgets a known address after knownAddressMs', () => {
    let t = 0;
    const limiter = new LoginRateLimiter({ ...limits, windowMs: 10 * 24 * 3_600_000, knownAddressMs: 24 * 3_600_000 }, () => t);
    limiter.recordSuccess('nurse.demo', '10.0.0.5');
    t = 2 * 24 * 3_600_000;
    for (let i = 0; i < 50; i++) limiter.recordFailure('nurse.demo', `198.51.100.${i}`);
    expect(limiter.check('nurse.demo', '10.0.0.5')).toMatchObject({ limited: true, scope: 'username' });
  });

  it('clears the pair count on success but keeps the address count', () => {
    const limiter = new LoginRateLimiter({ ...limits, perIp: 5 }, () => 0);
    for (let i = 0; i < 4; i++) limiter.recordFailure('nurse.demo', '10.0.0.3');
    limiter.recordSuccess('nurse.demo', '10.0.0.3');
    limiter.recordFailure('nurse.demo', '10.0.0.3');
    expect(limiter.check('nurse.demo', '10.0.0.4').limited).toBe(false);
    expect(limiter.check('nurse.demo', '10.0.0.3')).toMatchObject({ limited: true, scope: 'ip' });
  });
});
