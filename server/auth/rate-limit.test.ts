import { describe, expect, it } from 'vitest';
import { LoginRateLimiter } from './rate-limit';

describe('login rate limiter', () => {
  const limits = { windowMs: 15 * 60_000, perUsername: 5, perIp: 20 };

  it('limits an account after 5 failures and frees it when the window passes', () => {
    let t = 0;
    const limiter = new LoginRateLimiter(limits, () => t);
    for (let i = 0; i < 5; i++) {
      expect(limiter.check('dr.demo', '10.0.0.1').limited).toBe(false);
      limiter.recordFailure('dr.demo', '10.0.0.1');
      t += 1000;
    }
    const check = limiter.check('DR.demo', '10.0.0.2');
    expect(check).toMatchObject({ limited: true, scope: 'username' });
    if (check.limited) expect(check.retryAfterSeconds).toBe(15 * 60 - 5);
    t = 15 * 60_000 + 1;
    expect(limiter.check('dr.demo', '10.0.0.1').limited).toBe(false);
  });

  it('limits an address that tries many accounts', () => {
    const limiter = new LoginRateLimiter(limits, () => 0);
    for (let i = 0; i < 20; i++) limiter.recordFailure(`user${i}`, '10.0.0.9');
    expect(limiter.check('someone-else', '10.0.0.9')).toMatchObject({ limited: true, scope: 'ip' });
    expect(limiter.check('someone-else', '10.0.0.10').limited).toBe(false);
  });

  it('clears the account count on success but keeps the address count', () => {
    const limiter = new LoginRateLimiter({ ...limits, perIp: 5 }, () => 0);
    for (let i = 0; i < 4; i++) limiter.recordFailure('nurse.demo', '10.0.0.3');
    limiter.recordSuccess('nurse.demo');
    limiter.recordFailure('nurse.demo', '10.0.0.3');
    expect(limiter.check('nurse.demo', '10.0.0.4').limited).toBe(false);
    expect(limiter.check('nurse.demo', '10.0.0.3')).toMatchObject({ limited: true, scope: 'ip' });
  });
});
