import { createHash } from 'node:crypto';
import { isUuid } from '../../src/lib/domain/doc-names';

/**
 * Deterministic ids for imported records. The same bundle imported twice
 * must land on the same chart entries, so an entry's id is derived from the
 * resource's own identity, never drawn at random: its UUID id as-is (Synthea
 * resource ids are UUIDs), else a name-based UUID (RFC 4122 version 5) of
 * `Type/id`, else of its fullUrl.
 */

/** Namespace of Outpost's name-based ids (a fixed random UUID). */
const NAMESPACE = '6f1c3c1e-2f4b-4d0b-9a47-3f0d5a7c8e21';

export function nameUuid(name: string): string {
  const ns = Buffer.from(NAMESPACE.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const URN_UUID = /^urn:uuid:([0-9a-fA-F-]{36})$/;

/**
 * The chart entry id for a resource of a bundle. `fallback` names the entry
 * when the resource has neither id nor fullUrl (its position and content),
 * which still gives the same id for the same bundle.
 */
export function entryIdFor(type: string, id: string | undefined, fullUrl: string | undefined, fallback: () => string): string {
  if (id) return isUuid(id.toLowerCase()) ? id.toLowerCase() : nameUuid(`${type}/${id}`);
  const urn = fullUrl ? URN_UUID.exec(fullUrl) : null;
  if (urn && isUuid(urn[1].toLowerCase())) return urn[1].toLowerCase();
  return nameUuid(fullUrl ? `fullUrl:${fullUrl}` : `entry:${fallback()}`);
}
