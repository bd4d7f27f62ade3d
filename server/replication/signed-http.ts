import type { KeyObject } from 'node:crypto';
import { packJson, randomToken, sha256Hex, signText, unpackJson, verifyText } from './replication-crypto';

/**
 * The replication protocol's envelope. Every request from an edge carries
 * its id, a timestamp, a one-time nonce and an Ed25519 signature over them,
 * the path and the SHA-256 of the exact body bytes; the hub refuses a stale
 * timestamp or a nonce it has seen (replay). Every answer the hub sends is
 * signed over the request's nonce, the status and the body's SHA-256, so an
 * answer can neither be forged nor replayed to another request.
 * Bodies are JSON compressed with brotli.
 */

export const REPLICATION_MEDIA_TYPE = 'application/vnd.outpost.replication';
export const HEADER = {
  edge: 'x-outpost-edge',
  timestamp: 'x-outpost-timestamp',
  nonce: 'x-outpost-nonce',
  signature: 'x-outpost-signature'
} as const;

/** How far a request's timestamp may be from the hub's clock. */
export const CLOCK_SKEW_MS = 5 * 60_000;
export const NONCE_RE = /^[0-9a-f]{32}$/;

export function requestText(path: string, edgeId: string, ts: string, nonce: string, body: Uint8Array): string {
  return `outpost-replication-v1 request\n${path}\n${edgeId}\n${ts}\n${nonce}\n${sha256Hex(body)}`;
}

export function responseText(path: string, nonce: string, status: number, body: Uint8Array): string {
  return `outpost-replication-v1 response\n${path}\n${nonce}\n${status}\n${sha256Hex(body)}`;
}

export class ReplicationHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message);
    this.name = 'ReplicationHttpError';
  }
}

/**
 * The edge's side: posts one signed request and returns the hub's answer,
 * after checking the answer's signature with the hub's key. A refusal
 * (4xx/5xx) throws ReplicationHttpError with the hub's code.
 */
export async function signedPost(opts: {
  hubUrl: string;
  path: string;
  edgeId: string;
  signKey: KeyObject;
  hubSignKey: KeyObject;
  payload: unknown;
  maxAnswerBytes?: number;
  fetchImpl?: typeof fetch;
  timeoutMs?: number;
}): Promise<unknown> {
  const body = packJson(opts.payload);
  const ts = String(Date.now());
  const nonce = randomToken(16);
  const signature = signText(opts.signKey, requestText(opts.path, opts.edgeId, ts, nonce, body));
  const res = await (opts.fetchImpl ?? fetch)(new URL(opts.path, opts.hubUrl), {
    method: 'POST',
    headers: {
      'content-type': REPLICATION_MEDIA_TYPE,
      [HEADER.edge]: opts.edgeId,
      [HEADER.timestamp]: ts,
      [HEADER.nonce]: nonce,
      [HEADER.signature]: signature
    },
    body: new Uint8Array(body),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000)
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200) {
    let code = 'unavailable';
    let message = `The hub answered ${res.status}.`;
    try {
      const err = JSON.parse(Buffer.from(bytes).toString('utf8')) as { error?: { code?: string; message?: string } };
      code = err.error?.code ?? code;
      message = err.error?.message ?? message;
    } catch {
      // not JSON: keep the status
    }
    throw new ReplicationHttpError(res.status, code, message);
  }
  const sig = res.headers.get(HEADER.signature) ?? '';
  if (!verifyText(opts.hubSignKey, responseText(opts.path, nonce, res.status, bytes), sig)) {
    throw new ReplicationHttpError(502, 'bad-signature', 'The answer is not signed by the enrolled hub.');
  }
  return unpackJson(bytes, opts.maxAnswerBytes ?? 256 * 1024 * 1024);
}
