import * as Y from 'yjs';
import { docAccess, parseDocName, type DocName } from '../../src/lib/domain/doc-names';
import type { DocumentStore } from '../store/document-store';
import type { AccessGate, Audit, BatchDocResult, SessionUser } from '../types';
import { groupBatch, parseBatchRequest, toBase64, type BatchItem } from './batch-request';
import { isStoreUnavailable, OtherClinicError, QuarantinedError, type DocRegistry } from './doc-registry';
import { checkUpdate, clientIdCollision, InvalidUpdateError, isRedundant, type CheckedUpdate } from './update-check';
import { writeRows, type WriteContext } from './write-update';

export interface BatchContext extends WriteContext {
  store: DocumentStore;
  registry: DocRegistry;
  audit: Audit;
  /** Restrictions: a restricted part is exchanged only with whom it opens to. Emergency access to another clinic's record is live (websocket) only. */
  access?: AccessGate;
  maxUpdateBytes: number;
  maxDocBytes: number;
}

/** An expected per-document refusal; the other documents of the batch go on. */
class DocRefusal extends Error {
  constructor(
    readonly code: 'forbidden' | 'invalid' | 'too-large' | 'unavailable',
    message: string
  ) {
    super(message);
  }
}

const EMPTY_UPDATE = Y.encodeStateAsUpdate(new Y.Doc());
const QUARANTINED = 'This record is held for review on the clinic server and cannot be opened now.';

/**
 * The catch-up exchange: for each document, apply what the client pushes,
 * then answer what the client lacks (a diff against its state vector) and the
 * server's state vector. Documents nobody has open and the client does not
 * write to are answered from the stored merged update without building a
 * Y.Doc, so catching up a whole panel stays cheap.
 */
export async function exchangeBatch(ctx: BatchContext, user: SessionUser, body: unknown): Promise<{ docs: BatchDocResult[] }> {
  const request = parseBatchRequest(body);
  const results: BatchDocResult[] = [];
  let written = 0;
  for (const item of groupBatch(request)) {
    try {
      const { result, writes } = await exchangeOne(ctx, user, item);
      written += writes;
      results.push(result);
    } catch (err) {
      results.push({ name: item.name, error: refusalBody(err) });
      if (err instanceof DocRefusal && err.code === 'forbidden') auditDenied(ctx, user, item.name);
    }
  }
  ctx.audit.record({
    action: 'doc.batch',
    outcome: 'success',
    userId: user.id,
    target: null,
    detail: {
      docs: results.length,
      updates: request.updates.length,
      written,
      errors: results.filter((r) => r.error).length,
      // Which records were served: an auditor asks who looked at a given patient.
      served: results.filter((r) => !r.error).map((r) => r.name)
    }
  });
  return { docs: results };
}

async function exchangeOne(ctx: BatchContext, user: SessionUser, item: BatchItem): Promise<{ result: BatchDocResult; writes: number }> {
  const parsed = parseDocName(item.name) as DocName; // names are validated by the request schema
  const access = docAccess(user.roles, parsed.kind);
  if (access === 'none') throw new DocRefusal('forbidden', 'Your role may not open this document.');
  if (parsed.kind === 'restricted' && ctx.access && !ctx.access.named(user.id, parsed.patientId) && !ctx.access.grant(user.id, parsed.patientId)) {
    throw new DocRefusal('forbidden', 'This part of the record is restricted at the patient\'s request.');
  }
  const owner = await ctx.registry.clinicOf(item.name);
  if (owner !== null && owner !== user.clinicId) throw new DocRefusal('forbidden', 'This document belongs to another clinic.');
  if (item.stateVector) assertStateVector(item.stateVector);
  if (await ctx.registry.isQuarantined(item.name)) throw new DocRefusal('unavailable', QUARANTINED);
  if (item.updates.length === 0) return { result: await answerWithoutWrite(ctx, item), writes: 0 };
  if (access !== 'write') {
    ctx.audit.record({
      action: 'doc.update.rejected',
      outcome: 'failure',
      userId: user.id,
      target: item.name,
      detail: { reason: 'read-only', via: 'batch', updates: item.updates.length }
    });
    // Audited as a rejected write above, not as a denied read.
    const error = { code: 'forbidden', message: 'Your role may read but not change this document.' };
    return { result: { name: item.name, error }, writes: 0 };
  }
  const checked = item.updates.map((u) => checkPushed(u, ctx.maxUpdateBytes));
  return writeAndAnswer(ctx, user, item, parsed, checked);
}

async function writeAndAnswer(
  ctx: BatchContext,
  user: SessionUser,
  item: BatchItem,
  parsed: DocName,
  updates: CheckedUpdate[]
): Promise<{ result: BatchDocResult; writes: number }> {
  let live;
  try {
    live = await ctx.registry.acquire(item.name, parsed, user.clinicId);
  } catch (err) {
    if (err instanceof OtherClinicError) throw new DocRefusal('forbidden', 'This document belongs to another clinic.');
    if (err instanceof QuarantinedError) throw new DocRefusal('unavailable', QUARANTINED);
    throw err;
  }
  const auditKey = {};
  let writes = 0;
  try {
    const author = ctx.pipeline.userAuthor(user, 'batch');
    let error: BatchDocResult['error'];
    for (const update of updates) {
      const held = live.shadow ?? live.doc;
      const collision = clientIdCollision(update, held);
      if (collision) {
        ctx.pipeline.refuseCollision(live, author, collision);
        error = {
          code: 'client-id-conflict',
          message: 'This device wrote under an identity another device already used (a restored backup or a copied device); it must send its changes again under a new one.',
          clientId: collision.client,
          clock: collision.clock
        };
        break;
      }
      if (isRedundant(update, held)) continue;
      if (live.storedBytes + update.bytes.byteLength > ctx.maxDocBytes) {
        error = { code: 'too-large', message: 'This record has reached the size the clinic server keeps; the change was not stored.' };
        break;
      }
      const outcome = ctx.pipeline.admit(live, update, author);
      if (outcome.kind === 'incomplete') {
        // The device sent changes that build on others it did not send: it sends everything the server lacks (see the state vector).
        error = { code: 'missing-dependencies', message: 'Some earlier changes to this record have not reached the clinic server yet.' };
        break;
      }
      if (outcome.kind === 'refused') {
        error = { code: 'refused', message: `The clinic server refused a change to this record: ${outcome.message}.`, rules: outcome.rules };
        break;
      }
      await writeRows(ctx, live, outcome.rows, outcome.audit, { userId: user.id }, { docName: item.name, userId: user.id, via: 'batch' }, auditKey);
      writes += 1;
    }
    const result: BatchDocResult = { name: item.name, stateVector: toBase64(Y.encodeStateVector(live.doc)) };
    if (error) result.error = error;
    else if (item.stateVector) result.update = toBase64(Y.encodeStateAsUpdate(live.doc, item.stateVector));
    return { result, writes };
  } finally {
    ctx.updateAudit.flush(auditKey);
    ctx.registry.release(live);
  }
}

async function answerWithoutWrite(ctx: BatchContext, item: BatchItem): Promise<BatchDocResult> {
  const live = ctx.registry.get(item.name);
  if (live) {
    const result: BatchDocResult = { name: item.name, stateVector: toBase64(Y.encodeStateVector(live.doc)) };
    if (item.stateVector) result.update = toBase64(Y.encodeStateAsUpdate(live.doc, item.stateVector));
    return result;
  }
  try {
    const stored = (await ctx.store.load(item.name))?.update ?? EMPTY_UPDATE;
    const result: BatchDocResult = { name: item.name, stateVector: toBase64(Y.encodeStateVectorFromUpdate(stored)) };
    if (item.stateVector) result.update = toBase64(Y.diffUpdate(stored, item.stateVector));
    return result;
  } catch (err) {
    // The store could not be read (connection lost): this document fails now, nothing is set aside.
    if (isStoreUnavailable(err)) throw err;
    await ctx.registry.quarantine(item.name, err);
    throw new DocRefusal('unavailable', QUARANTINED);
  }
}

function checkPushed(bytes: Uint8Array, maxBytes: number): CheckedUpdate {
  if (bytes.byteLength > maxBytes) throw new DocRefusal('too-large', 'An update for this document is too large.');
  try {
    return checkUpdate(bytes);
  } catch (err) {
    if (err instanceof InvalidUpdateError) throw new DocRefusal('invalid', 'An update for this document is not valid.');
    throw err;
  }
}

/** Refuses a malformed state vector before anything of the document is written. */
function assertStateVector(stateVector: Uint8Array): void {
  try {
    Y.decodeStateVector(stateVector);
  } catch {
    throw new DocRefusal('invalid', 'The state vector for this document is not valid.');
  }
}

function refusalBody(err: unknown): { code: string; message: string } {
  if (err instanceof DocRefusal) return { code: err.code, message: err.message };
  console.error('[sync] batch exchange failed for one document', err);
  return { code: 'internal', message: 'The server could not process this document.' };
}

function auditDenied(ctx: BatchContext, user: SessionUser, name: string): void {
  ctx.audit.record({
    action: 'authz.denied',
    outcome: 'failure',
    userId: user.id,
    target: name,
    detail: { via: 'batch' }
  });
}
