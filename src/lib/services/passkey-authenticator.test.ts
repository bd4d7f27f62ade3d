import { describe, expect, test } from 'vitest';
import { failureOf, prfFirst, webAuthnAvailable } from './passkey-authenticator';

/**
 * How the authenticator's answers are read. The WebAuthn ceremonies
 * themselves need a browser and an authenticator: they run in Chromium
 * with its virtual authenticator (tests/passkey-unlock.spec.ts).
 */
describe('reading the PRF result', () => {
  test('the first 32-byte result is the key material, from an ArrayBuffer or a view', () => {
    const bytes = new Uint8Array(32).map((_, i) => i);
    expect(prfFirst({ prf: { enabled: true, results: { first: bytes.buffer } } })).toEqual(bytes);
    const inside = new Uint8Array(40);
    inside.set(bytes, 4);
    expect(prfFirst({ prf: { results: { first: new Uint8Array(inside.buffer, 4, 32) } } })).toEqual(bytes);
  });

  test.each([
    ['no prf extension answer', {}],
    ['prf enabled but no result (answered only at sign-in)', { prf: { enabled: true } }],
    ['prf not enabled', { prf: { enabled: false } }],
    ['a result too short to be a key', { prf: { results: { first: new Uint8Array(16).buffer } } }]
  ])('%s gives no key', (_, results) => {
    expect(prfFirst(results as AuthenticationExtensionsClientOutputs)).toBeNull();
  });
});

describe('WebAuthn errors as outcomes', () => {
  test.each([
    ['NotAllowedError', 'cancelled'],
    ['AbortError', 'cancelled'],
    ['NotSupportedError', 'no-prf'],
    ['InvalidStateError', 'failed'],
    ['SecurityError', 'failed'],
    ['UnknownError', 'failed'],
    ['ConstraintError', 'failed']
  ])('%s → %s', (name, status) => {
    expect(failureOf(new DOMException('whatever the browser says', name))).toEqual({ status });
  });

  test('a programmer error is not dressed up as a passkey outcome', () => {
    const bug = new TypeError('x is undefined');
    expect(() => failureOf(bug)).toThrow(bug);
  });

  test('Node has no WebAuthn: the app offers the password only', () => {
    expect(webAuthnAvailable()).toBe(false);
  });
});
