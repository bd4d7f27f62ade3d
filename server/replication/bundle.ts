import { z } from 'zod';
import { AppError } from '../../src/lib/domain/errors';
import { canonicalJson } from '../audit/canonical-json';
import { openSealed, packJson, publicKeyFrom, randomToken, sealTo, signText, unpackJson, verifyText, type ReplicationKeys } from './replication-crypto';

/**
 * Sneakernet: the same exchange as the link, carried by hand in one file.
 * The payload is compressed, encrypted to the recipient's X25519 key
 * (ephemeral key agreement, AES-256-GCM) and the whole file signed with
 * the sender's Ed25519 key. Each file has an id; the recipient records the
 * ids it imported, and what it carries merges idempotently anyway (Yjs
 * updates, audit entries checked against the held chain), so importing a
 * file twice changes nothing.
 */

export const BUNDLE_FORMAT = 'outpost-replication-bundle';
const MAX_PLAIN_BYTES = 512 * 1024 * 1024;

const bundleSchema = z.object({
  format: z.literal(BUNDLE_FORMAT, { error: 'Not an Outpost replication file' }),
  version: z.literal(1, { error: 'This replication file was made by a newer version' }),
  id: z.string().regex(/^[0-9a-f]{32}$/),
  from: z.enum(['edge', 'hub']),
  edgeId: z.string().uuid(),
  createdAt: z.string().max(40),
  sealed: z.object({ ephemeralKey: z.string().max(200), iv: z.string().max(40), tag: z.string().max(40), ciphertext: z.string() }).strict(),
  signature: z.string().max(200)
}).strict();

export type BundleHeader = Omit<z.infer<typeof bundleSchema>, 'sealed' | 'signature'>;

export function makeBundle(sender: ReplicationKeys, recipientBoxKey: string, header: { from: 'edge' | 'hub'; edgeId: string }, payload: unknown): string {
  const unsigned = {
    format: BUNDLE_FORMAT,
    version: 1 as const,
    id: randomToken(16),
    from: header.from,
    edgeId: header.edgeId,
    createdAt: new Date().toISOString(),
    sealed: sealTo(recipientBoxKey, packJson(payload))
  };
  return JSON.stringify({ ...unsigned, signature: signText(sender.signPrivate, canonicalJson(unsigned)) });
}

/**
 * Checks a file's signature with the key `senderSignKey` gives for its
 * header (null: no such sender), then decrypts it with the recipient's keys.
 */
export function openBundle(text: string, recipient: ReplicationKeys, expectFrom: 'edge' | 'hub', senderSignKey: (header: BundleHeader) => string | null): { header: BundleHeader; payload: unknown } {
  let raw: unknown;
  try {
    raw = JSON.parse(text) as unknown;
  } catch {
    throw new AppError('invalid', 'This file is not an Outpost replication file.');
  }
  const parsed = bundleSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('invalid', parsed.error.issues[0]?.message === 'Not an Outpost replication file' ? 'This file is not an Outpost replication file.' : 'This replication file is damaged or not complete.');
  const { signature, ...unsigned } = parsed.data;
  if (unsigned.from !== expectFrom) throw new AppError('invalid', `This file was made by ${unsigned.from === 'edge' ? 'a clinic box' : 'the hub'}; import it on the other side.`);
  const { sealed, ...header } = unsigned;
  const key = senderSignKey(header);
  if (!key) throw new AppError('forbidden', 'This file comes from a clinic box this server does not know, or one that was revoked.');
  if (!verifyText(publicKeyFrom(key, 'ed25519'), canonicalJson(unsigned), signature)) throw new AppError('forbidden', 'The file’s signature does not match: it was changed, or not made by whom it names.');
  let plain: Buffer;
  try {
    plain = openSealed(recipient, sealed);
  } catch {
    throw new AppError('forbidden', 'This file was not encrypted for this server.');
  }
  return { header, payload: unpackJson(plain, MAX_PLAIN_BYTES) };
}
