import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * A software passkey authenticator for server tests: it makes real P-256
 * key pairs and answers WebAuthn ceremonies byte for byte as a browser and
 * an authenticator would (clientDataJSON, authenticator data, CBOR
 * attestation object with `none` attestation, DER ECDSA signatures), so
 * the server's checks run on genuine cryptography. Every field a test may
 * want to forge (origin, RP ID, counter, flags, challenge) can be set.
 */

type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>;

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

/** Just the CBOR (RFC 8949) WebAuthn needs: integers, byte and text strings, maps. */
export function cbor(v: Cbor): Buffer {
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === 'string') {
    const bytes = Buffer.from(v, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), Buffer.from(v)]);
  return Buffer.concat([head(5, v.size), ...[...v].flatMap(([k, val]) => [cbor(k), cbor(val)])]);
}

const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();

export interface SoftCredential {
  id: string;
  privateKey: KeyObject;
  coseKey: Buffer;
  userHandle: string;
  counter: number;
}

export interface CeremonyOverrides {
  origin?: string;
  rpId?: string;
  challenge?: string;
  /** User verified (fingerprint, PIN): default true. */
  uv?: boolean;
  /** The counter to report (default: one more than the last). */
  counter?: number;
  type?: string;
}

export class SoftAuthenticator {
  readonly credentials = new Map<string, SoftCredential>();

  constructor(
    readonly origin: string,
    readonly rpId = 'localhost'
  ) {}

  /** Answers `navigator.credentials.create()` with the server's options (PublicKeyCredentialCreationOptionsJSON). */
  register(options: { challenge: string; user: { id: string } }, o: CeremonyOverrides = {}): { response: Record<string, unknown>; credential: SoftCredential } {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const coseKey = cbor(
      new Map<Cbor, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')]
      ])
    );
    const rawId = randomBytes(32);
    const credential: SoftCredential = { id: b64url(rawId), privateKey, coseKey, userHandle: options.user.id, counter: o.counter ?? 0 };
    const attested = Buffer.concat([Buffer.alloc(16), Buffer.from([rawId.length >> 8, rawId.length & 0xff]), rawId, coseKey]);
    const authData = this.authData(o, credential.counter, 0x40, attested);
    const clientDataJSON = this.clientData('webauthn.create', options.challenge, o);
    const attestationObject = cbor(new Map<Cbor, Cbor>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    this.credentials.set(credential.id, credential);
    return {
      credential,
      response: {
        id: credential.id,
        rawId: credential.id,
        type: 'public-key',
        response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ['internal'] },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform'
      }
    };
  }

  /** Answers `navigator.credentials.get()` with `credential` (one of this authenticator's, or any the test made). */
  assert(options: { challenge: string }, credential: SoftCredential, o: CeremonyOverrides = {}): Record<string, unknown> {
    const counter = o.counter ?? credential.counter + 1;
    credential.counter = Math.max(credential.counter, counter);
    const authData = this.authData(o, counter, 0);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, o);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: credential.userHandle
      },
      clientExtensionResults: {}
    };
  }

  private authData(o: CeremonyOverrides, counter: number, extraFlags: number, attested?: Buffer): Buffer {
    const flags = 0x01 | ((o.uv ?? true) ? 0x04 : 0) | extraFlags;
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    return Buffer.concat([sha256(o.rpId ?? this.rpId), Buffer.from([flags]), c, ...(attested ? [attested] : [])]);
  }

  private clientData(type: string, challenge: string, o: CeremonyOverrides): Buffer {
    return Buffer.from(JSON.stringify({ type: o.type ?? type, challenge: o.challenge ?? challenge, origin: o.origin ?? this.origin, crossOrigin: false }));
  }
}
