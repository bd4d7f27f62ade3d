import { AppError } from '../domain/errors';
import type { ApiClient } from '../services/api-client';
import { fromBase64, toBase64 } from '../storage/base64';
import type { EncryptedDocStore } from '../storage/encrypted-doc-store';
import { isEmptyUpdate } from '../storage/state-vector';
import type { VaultMetaStore } from '../storage/vault-meta-store';
import * as Y from 'yjs';
import { freshClientId, reissueClient } from './client-id-reissue';
import {
  BATCH_MAX_BODY_CHARS,
  BATCH_MAX_DOCS,
  BATCH_MAX_UPDATE_BYTES,
  BATCH_MAX_UPDATES,
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
  /** The server's state vector sent with a refused or incomplete write. */
  stateVector?: Uint8Array;
  /** Write-policy rules a refused change broke. */
  rules?: string[];
  /** For `client-id-conflict`: the Yjs client id the server holds other edits under, and from which clock. */
  clientId?: number;
  clock?: number;
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
      failed.push({
        name: r.name,
        code: r.error.code,
        message: r.error.message,
        ...(r.stateVector ? { stateVector: fromBase64(r.stateVector) } : {}),
        ...(r.error.rules ? { rules: r.error.rules } : {}),
        ...(r.error.clientId !== undefined && r.error.clock !== undefined ? { clientId: r.error.clientId, clock: r.error.clock } : {})
      });
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

/** Documents whose changes the server refused by rule: not sent again from this device (they would be refused again). */
export const REFUSED_KEY = 'refusedDocs';

export interface RefusedDoc {
  rules: string[];
  message: string;
  at: string;
}

export async function refusedDocs(meta: VaultMetaStore | undefined): Promise<Record<string, RefusedDoc>> {
  const raw = meta ? await meta.getPlain(REFUSED_KEY) : undefined;
  if (!raw) return {};
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === 'object' && v !== null ? (v as Record<string, RefusedDoc>) : {};
  } catch {
    return {};
  }
}

export async function markRefused(meta: VaultMetaStore | undefined, f: DocFailure): Promise<void> {
  if (!meta) return;
  const all = await refusedDocs(meta);
  all[f.name] = { rules: f.rules ?? [], message: f.message, at: new Date().toISOString() };
  await meta.setPlain(REFUSED_KEY, JSON.stringify(all));
}

interface Part {
  name: string;
  update: string;
  seqs: number[];
}

/**
 * Sends every document's pending edits with the device's state vectors, in
 * parts the server takes (no update over BATCH_MAX_UPDATE_BYTES, no request
 * over BATCH_MAX_BODY_CHARS), applies what the server has that the device
 * lacks, and only then marks the sent rows confirmed. A failed request
 * leaves everything pending; a per-document refusal leaves that document
 * pending and is reported. A document the server says lacks earlier
 * changes is sent again whole (everything the server does not have); one
 * whose changes the server refused by rule is set aside and not sent again.
 */
export async function flushPending(deps: BatchDeps & { meta?: VaultMetaStore }): Promise<FlushResult> {
  const result: FlushResult = { confirmed: [], changed: [], failed: [] };
  const refused = await refusedDocs(deps.meta);
  const parts: Part[] = [];
  for (const name of await deps.docs.pendingDocs()) {
    if (refused[name]) {
      result.failed.push({ name, code: 'refused', message: refused[name].message, rules: refused[name].rules });
      continue;
    }
    const pending = await deps.docs.pendingParts(name, BATCH_MAX_UPDATE_BYTES);
    if (pending.length === 0) {
      await deps.docs.markConfirmed(name, []); // a stale flag; nothing to send
      continue;
    }
    const encoded = pending.map((p) => ({ name, update: toBase64(p.update), seqs: p.seqs }));
    if (encoded.some((p) => fromBase64(p.update).byteLength > BATCH_MAX_UPDATE_BYTES * 1.3)) {
      result.failed.push({ name, code: 'too-large', message: 'One change to this record is too large to send to the clinic server; it stays on this device' });
      continue;
    }
    parts.push(...encoded);
  }
  const incomplete = await sendParts(deps, parts, result);
  // The server lacks changes these parts build on: send everything it does not have, once.
  for (const f of incomplete) {
    const whole = await wholeDiff(deps, f);
    if (whole) await sendParts(deps, [whole], result);
  }
  return result;
}

/** Everything of a document the server lacks, given the state vector it sent, with every pending row. */
async function wholeDiff(deps: BatchDeps, f: DocFailure): Promise<Part | null> {
  if (!f.stateVector) return null;
  const seqs = (await deps.docs.pendingParts(f.name, Number.MAX_SAFE_INTEGER)).flatMap((p) => p.seqs);
  const doc = new Y.Doc();
  try {
    await deps.docs.loadInto(f.name, doc, null);
    const update = Y.encodeStateAsUpdate(doc, f.stateVector);
    return { name: f.name, update: toBase64(update), seqs };
  } finally {
    doc.destroy();
  }
}

/** Sends parts in requests under the limits; returns the documents the server answered `missing-dependencies` for. */
async function sendParts(deps: BatchDeps & { meta?: VaultMetaStore }, parts: readonly Part[], result: FlushResult): Promise<DocFailure[]> {
  const incomplete: DocFailure[] = [];
  let chunk: Part[] = [];
  let chars = 0;
  const docsIn = () => new Set(chunk.map((p) => p.name));
  const send = async () => {
    if (chunk.length === 0) return;
    const sent = chunk;
    chunk = [];
    chars = 0;
    const names = [...new Set(sent.map((p) => p.name))];
    const svs = await deps.docs.stateVectors(names);
    const res = await postBatch(deps.api, {
      docs: names.map((name, i) => ({ name, stateVector: toBase64(svs[i]) })),
      updates: sent.map((p) => ({ name: p.name, update: p.update }))
    });
    const { changed, failed } = await applyResults(deps, res);
    result.changed.push(...changed);
    const answered = new Set(res.docs.map((d) => d.name));
    const refusedNow = new Set(failed.map((f) => f.name));
    for (const f of failed) {
      if (f.code === 'missing-dependencies' && f.stateVector && !incomplete.some((i) => i.name === f.name)) incomplete.push(f);
      else result.failed.push(f);
      if (f.code === 'refused') await markRefused(deps.meta, f);
    }
    for (const name of names) {
      if (refusedNow.has(name) || !answered.has(name)) continue;
      await deps.docs.markConfirmed(name, sent.filter((p) => p.name === name).flatMap((p) => p.seqs));
      if (!result.confirmed.includes(name)) result.confirmed.push(name);
    }
  };
  for (const p of parts) {
    const newDoc = !docsIn().has(p.name);
    if ((newDoc && docsIn().size >= BATCH_MAX_DOCS) || chunk.length >= BATCH_MAX_UPDATES || chars + p.update.length > BATCH_MAX_BODY_CHARS) await send();
    chunk.push(p);
    chars += p.update.length;
  }
  await send();
  // Failures reported for a document are final for this flush; a later part's success must not hide them.
  return incomplete;
}

export interface CatchUpProgress {
  done: number;
  total: number;
}

export interface CatchUpResult {
  changed: string[];
  failed: DocFailure[];
  total: number;
  /** Changed documents left on the server by the panel policy (fetched on demand). */
  skipped: number;
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
    /** The panel policy's filter (panel-policy.ts catchUpFilter): documents it leaves out are not fetched. */
    include?: (name: string) => boolean;
  }
): Promise<CatchUpResult> {
  const chunkSize = Math.min(deps.chunkSize ?? BATCH_MAX_DOCS, BATCH_MAX_DOCS);
  const cursor = await deps.meta.getPlain(CURSOR_KEY);
  const raw = await deps.api.request<unknown>(`/api/sync/changes${cursor ? `?since=${encodeURIComponent(cursor)}` : ''}`);
  const parsed = changesResponseSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('internal', 'The clinic server sent a change list this app cannot read');
  const listed = [...new Set(parsed.data.docs)];
  const names = deps.include ? listed.filter(deps.include) : listed;
  const result: CatchUpResult = { changed: [], failed: [], total: names.length, skipped: listed.length - names.length };
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

/**
 * Re-expresses a document this device holds so that its edits under a
 * client id another device also used move to a fresh one (see
 * client-id-reissue.ts). Given the server's state vector, only what the
 * server lacks is marked pending (the rewritten edits and anything else
 * unsent); without it the whole copy is. Only for a document that is not
 * open: an open one keeps its in-memory copy and is repaired once closed.
 */
export async function reissueDocument(docs: EncryptedDocStore, name: string, client: number, clock: number, serverStateVector?: Uint8Array): Promise<void> {
  const state = await docs.load(name);
  if (!state) return;
  const rewritten = reissueClient(state, client, clock, freshClientId(state));
  await docs.replaceAll(name, rewritten, serverStateVector ? Y.diffUpdate(rewritten, serverStateVector) : undefined);
}
