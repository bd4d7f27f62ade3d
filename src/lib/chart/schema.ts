import * as Y from 'yjs';

/**
 * Layout version of the shared documents. Migrations only move forward and
 * are idempotent, so a device that was offline for a month can still merge.
 */
export const SCHEMA_VERSION = 1;

/** The `meta` map every document carries. */
export function metaOf(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap('meta');
}

/**
 * Brings a document up to SCHEMA_VERSION. Safe to run on every open, on any
 * device, concurrently: each step checks before it writes and a version is
 * only ever raised.
 */
export function migrate(doc: Y.Doc): void {
  const meta = metaOf(doc);
  const current = typeof meta.get('schemaVersion') === 'number' ? (meta.get('schemaVersion') as number) : 0;
  if (current >= SCHEMA_VERSION) return;
  doc.transact(() => {
    // v0 → v1: nothing to reshape; stamp the version.
    meta.set('schemaVersion', SCHEMA_VERSION);
  }, 'migration');
}

/** Current time as an ISO string; one place so tests can reason about it. */
export function nowIso(): string {
  return new Date().toISOString();
}

/** Reads a string field of a Y.Map, tolerating absent or mistyped values written by older clients. */
export function str(m: Y.Map<unknown>, key: string, fallback = ''): string {
  const v = m.get(key);
  return typeof v === 'string' ? v : fallback;
}

export function newId(): string {
  return crypto.randomUUID();
}
