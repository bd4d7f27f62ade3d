import { AppError } from '../domain/errors';
import type { ApiClient } from '../services/api-client';
import { fromBase64, toBase64 } from '../storage/base64';
import type { EncryptedDocStore } from '../storage/encrypted-doc-store';
import { isEmptyUpdate } from '../storage/state-vector';
import type { VaultMetaStore } from '../storage/vault-meta-store';
import {
  BATCH_MAX_BODY_CHARS,
  BATCH_MAX_DOCS,
  batchResponseSchema,
  changesResponseSchema,
  type BatchRequestBody,
  type BatchResponse
} from './batch-protocol';

/**
 * Batch exchanges with the server: pushing pending local edits and
 * catching a whole panel up after time offline, in a few HTTP requests
 * instead of one websocket per document.
 */

/** Applies a diff from the server to the device: to the open document if there is one, else to the store. */
export type ApplyRemote = (items: readonly RemoteDiff[]) => Promise<void>;

export interface RemoteDiff {
  name: string;
  update: Uint8Array;
  /** The server's state vector after the exchange; the device holds at least this much once the diff is applied. */
  stateVector: Uint8Array;
}

export interface DocFailure {
  name: string;
  code: string;
  message: string;
}

export interface BatchDeps {
  docs: EncryptedDocStore;
  api: ApiClient;
  applyRemote: ApplyRemote;
}

export const CURSOR_KEY = 'changesCursor';

async function postBatch(api: ApiClient, body: BatchRequestBody): Promise<BatchResponse> {
  const raw = await api.request<unknown>('/api/sync/batch', { method: 'POST', body });
  const parsed = batchResponseSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('internal', 'The clinic server sent a sync answer this app cannot read');
  return parsed.data;
}

/** Applies the successful results of one batch; returns the names that received changes and the failures. */
async function applyResults(deps: BatchDeps, res: BatchResponse): Promise<{ changed: string[]; failed: DocFailure[] }> {
  const changed: string[] = [];
  const failed: DocFailure[] = [];
  const diffs: RemoteDiff[] = [];
  for (const r of res.docs) {
    if ('error' in r) {
      failed.push({ name: r.name, code: r.error.code, message: r.error.message });
      continue;
    }
    const update = fromBase64(r.update);
    if (isEmptyUpdate(update)) continue;
    diffs.push({ name: r.name, update, stateVector: fromBase64(r.stateVector) });
    changed.push(r.name);
  }
  await deps.applyRemote(diffs);
  return { changed, failed };
}

export interface FlushResult {
  /** Documents whose pending edits the server confirmed. */
  confirmed: string[];
  /** Documents that received the server's newer edits in the same exchange. */
  changed: string[];
  failed: DocFailure[];
}

/**
 * Sends every document's pending edits (merged into one update per
 * document) with the device's state vectors, applies what the server has
 * that the device lacks, and only then marks the sent rows confirmed. A
 * failed request leaves everything pending; a per-document refusal leaves
 * that document pending and is reported.
 */
export async function flushPending(deps: BatchDeps): Promise<FlushResult> {
  const result: FlushResult = { confirmed: [], changed: [], failed: [] };
  const names = await deps.docs.pendingDocs();
  let chunk: { name: string; update: string; stateVector: string; seqs: number[] }[] = [];
  let chars = 0;
  const send = async () => {
    if (chunk.length === 0) return;
    const sent = chunk;
    chunk = [];
    chars = 0;
    const res = await postBatch(deps.api, {
      docs: sent.map((c) => ({ name: c.name, stateVector: c.stateVector })),
      updates: sent.map((c) => ({ name: c.name, update: c.update }))
    });
    const { changed, failed } = await applyResults(deps, res);
    result.changed.push(...changed);
    result.failed.push(...failed);
    const refused = new Set(failed.map((f) => f.name));
    const answered = new Set(res.docs.map((d) => d.name));
    for (const c of sent) {
      if (refused.has(c.name) || !answered.has(c.name)) continue;
      await deps.docs.markConfirmed(c.name, c.seqs);
      result.confirmed.push(c.name);
    }
  };
  for (const name of names) {
    const pending = await deps.docs.pendingUpdate(name);
    if (!pending) {
      await deps.docs.markConfirmed(name, []); // a stale flag; nothing to send
      continue;
    }
    const update = toBase64(pending.update);
    if (update.length > BATCH_MAX_BODY_CHARS) {
      result.failed.push({ name, code: 'too-large', message: 'An edit is too large to send to the clinic server' });
      continue;
    }
    if (chunk.length >= BATCH_MAX_DOCS || chars + update.length > BATCH_MAX_BODY_CHARS) await send();
    chunk.push({ name, update, stateVector: toBase64(await deps.docs.stateVector(name)), seqs: pending.seqs });
    chars += update.length;
  }
  await send();
  return result;
}

export interface CatchUpProgress {
  done: number;
  total: number;
}

export interface CatchUpResult {
  changed: string[];
  failed: DocFailure[];
  total: number;
}

/**
 * Brings every document the server says changed since the last catch-up
 * up to date, `chunkSize` documents per request, reporting progress. The
 * cursor only moves forward once every chunk was applied, so an
 * interrupted catch-up starts again from the same point (applying a diff
 * twice is harmless).
 */
export async function catchUp(
  deps: BatchDeps & {
    meta: VaultMetaStore;
    chunkSize?: number;
    onProgress?: (p: CatchUpProgress) => void;
    /** Checked between chunks: a lock ends the catch-up early, leaving the cursor where it was. */
    stopped?: () => boolean;
  }
): Promise<CatchUpResult> {
  const chunkSize = Math.min(deps.chunkSize ?? BATCH_MAX_DOCS, BATCH_MAX_DOCS);
  const cursor = await deps.meta.getPlain(CURSOR_KEY);
  const raw = await deps.api.request<unknown>(`/api/sync/changes${cursor ? `?since=${encodeURIComponent(cursor)}` : ''}`);
  const parsed = changesResponseSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('internal', 'The clinic server sent a change list this app cannot read');
  const names = [...new Set(parsed.data.docs)];
  const result: CatchUpResult = { changed: [], failed: [], total: names.length };
  deps.onProgress?.({ done: 0, total: names.length });
  for (let i = 0; i < names.length; i += chunkSize) {
    if (deps.stopped?.()) return result;
    const chunk = names.slice(i, i + chunkSize);
    const svs = await deps.docs.stateVectors(chunk);
    const res = await postBatch(deps.api, {
      docs: chunk.map((name, j) => ({ name, stateVector: toBase64(svs[j]) })),
      updates: []
    });
    const { changed, failed } = await applyResults(deps, res);
    result.changed.push(...changed);
    result.failed.push(...failed);
    deps.onProgress?.({ done: Math.min(i + chunkSize, names.length), total: names.length });
  }
  // A document the server refuses (access changed) will not succeed on retry; anything else should be retried.
  if (result.failed.every((f) => f.code === 'forbidden' || f.code === 'not-found')) {
    await deps.meta.setPlain(CURSOR_KEY, parsed.data.cursor);
  }
  return result;
}

/** Fetches named documents the device lacks (opening a record found on the server but not yet here). */
export async function pullDocs(deps: BatchDeps, names: readonly string[]): Promise<{ changed: string[]; failed: DocFailure[] }> {
  const svs = await deps.docs.stateVectors(names);
  const res = await postBatch(deps.api, {
    docs: names.map((name, j) => ({ name, stateVector: toBase64(svs[j]) })),
    updates: []
  });
  return applyResults(deps, res);
}
