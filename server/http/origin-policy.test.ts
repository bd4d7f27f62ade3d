import { describe, expect, it } from 'vitest';
import { checkOrigin, parseAllowedOrigins } from './origin-policy';

describe('checkOrigin', () => {
  const allowed = ['https://outpost.clinic.example'];

  it.each([
    // [origin, host, expected]
    [undefined, 'outpost.lan:8080', { allowed: true, why: 'no-origin' }],
    ['', 'outpost.lan:8080', { allowed: true, why: 'no-origin' }],
    ['http://outpost.lan:8080', 'outpost.lan:8080', { allowed: true, why: 'same-origin' }],
    ['http://OUTPOST.lan:8080', 'outpost.LAN:8080', { allowed: true, why: 'same-origin' }],
    ['https://outpost.lan', 'outpost.lan:443', { allowed: true, why: 'same-origin' }],
    ['http://[::1]:8080', '[::1]:8080', { allowed: true, why: 'same-origin' }],
    ['https://outpost.clinic.example', '127.0.0.1:8080', { allowed: true, why: 'configured' }],
    ['https://evil.example', 'outpost.lan:8080', { allowed: false, why: 'other-origin' }],
    ['http://outpost.lan:9999', 'outpost.lan:8080', { allowed: false, why: 'other-origin' }],
    ['http://outpost.lan.evil.example:8080', 'outpost.lan:8080', { allowed: false, why: 'other-origin' }],
    ['https://evil.example', undefined, { allowed: false, why: 'other-origin' }],
    ['https://evil.example', 'evil.example@outpost.lan', { allowed: false, why: 'other-origin' }],
    ['null', 'outpost.lan:8080', { allowed: false, why: 'malformed' }],
    ['file:///tmp/x.html', 'outpost.lan:8080', { allowed: false, why: 'malformed' }],
    ['not a url', 'outpost.lan:8080', { allowed: false, why: 'malformed' }]
  ] as const)('Origin %j to Host %j → %j', (origin, host, expected) => {
    expect(checkOrigin(origin, host, allowed)).toEqual(expected);
  });
});

describe('parseAllowedOrigins', () => {
  it('reads comma-separated origins as URL writes them', () => {
    expect(parseAllowedOrigins(' https://Outpost.Clinic.example , http://10.0.0.5:8080/ ')).toEqual(['https://outpost.clinic.example', 'http://10.0.0.5:8080']);
    expect(parseAllowedOrigins(undefined)).toEqual([]);
    expect(parseAllowedOrigins('  ')).toEqual([]);
  });

  it.each(['outpost.clinic.example', 'https://outpost.clinic.example/app', 'ftp://files.example', 'https://a.example?x=1'])('refuses %j at start-up', (entry) => {
    expect(() => parseAllowedOrigins(entry)).toThrow(/OUTPOST_ALLOWED_ORIGINS/);
  });
});
