import { describe, expect, it } from 'vitest';
import { originAllowed, webAuthnConfigFrom } from './passkey-config';

describe('the passkeys relying party', () => {
  const pub = webAuthnConfigFrom('https://outpost.clinic.example');
  const local = webAuthnConfigFrom(undefined);

  it('takes the RP ID and the one origin from the public URL, else localhost', () => {
    expect(pub).toEqual({ rpId: 'outpost.clinic.example', rpName: 'Outpost', origins: ['https://outpost.clinic.example'] });
    expect(local).toEqual({ rpId: 'localhost', rpName: 'Outpost', origins: [] });
  });

  it.each([
    ['https://outpost.clinic.example', true],
    ['http://outpost.clinic.example', false],
    ['https://outpost.clinic.example:8443', false],
    ['https://evil.clinic.example', false],
    ['https://outpost.clinic.example.evil.example', false],
    ['http://localhost:5173', false]
  ])('with a public URL, %s → %s', (origin, allowed) => {
    expect(originAllowed(pub, origin)).toBe(allowed);
  });

  it.each([
    ['http://localhost:5173', true],
    ['http://localhost', true],
    ['https://localhost:8443', true],
    ['http://127.0.0.1:5173', false],
    ['http://localhost.evil.example', false],
    ['http://evil.example/localhost', false],
    ['http://localhost:5173/path', false]
  ])('without one, %s → %s', (origin, allowed) => {
    expect(originAllowed(local, origin)).toBe(allowed);
  });
});
