import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import * as Y from 'yjs';
import { findAttachment } from '../../src/lib/chart/attachment-doc';
import {
  hasSignatureOf,
  isAttachmentContentType,
  MAX_ATTACHMENT_BYTES,
  sha256HexSchema,
  type AttachmentContentType
} from '../../src/lib/domain/attachments';
import { docAccess, docName, isUuid } from '../../src/lib/domain/doc-names';
import { AppError } from '../../src/lib/domain/errors';
import { requireUser, type RequestContext, type Route } from '../http/context';
import { sendJson } from '../http/errors';
import type { Audit, SessionUser, SyncService } from '../types';
import type { AttachmentStore } from './attachment-store';

/**
 * The bytes of chart attachments (photos, scanned letters):
 *
 * - `POST /api/charts/:patientId/attachments/:id` — body is the file itself
 *   with its own media type (JPEG, PNG, WebP or PDF only, up to 10 MiB) and
 *   `X-Content-SHA256` naming its hash; the server recomputes the hash and
 *   checks the file's signature before storing. Uploading the same file
 *   again is a no-op, so a device may retry after a lost answer.
 * - `GET` the same path — the bytes, for another device of the clinic.
 *
 * Clinical roles of the chart's clinic only. The chart entry naming the file
 * must already be on the server (it ties the file to a clinic and a patient)
 * and the bytes must be the ones it names: same SHA-256, size and type, so
 * the server never holds a file the chart does not account for. Every upload, read and refusal
 * is audited by ids and sizes, never by title. A cross-site form cannot send
 * these media types, and the SameSite cookie and Origin check cover the rest.
 */
export function attachmentRoutes(store: AttachmentStore, audit: Audit, sync: Pick<SyncService, 'readState'>): Route[] {
  return [
    {
      method: 'POST',
      path: '/api/charts/:patientId/attachments/:id',
      async handler(ctx) {
        const { user, patientId, id, target } = drainOnError(ctx.req, () => authorize(ctx, store, audit));
        const contentType = (ctx.req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
        if (!isAttachmentContentType(contentType)) {
          ctx.req.resume();
          throw new AppError('invalid', 'Only JPEG, PNG or WebP photos and PDF documents can be attached.', [
            { path: 'content-type', message: 'Not an allowed file type' }
          ]);
        }
        const declared = sha256HexSchema.safeParse(String(ctx.req.headers['x-content-sha256'] ?? '').toLowerCase());
        if (!declared.success) {
          ctx.req.resume();
          throw new AppError('invalid', 'Send the file’s SHA-256 (hex) in X-Content-SHA256.', [{ path: 'x-content-sha256', message: 'Missing or malformed' }]);
        }
        const data = await readBytes(ctx.req, MAX_ATTACHMENT_BYTES);
        if (data.length === 0) throw new AppError('invalid', 'The file is empty.');
        const sha256 = createHash('sha256').update(data).digest('hex');
        if (sha256 !== declared.data) {
          audit.record({ action: 'attachment.upload', outcome: 'failure', userId: user.id, target, ip: ctx.ip, detail: { attachment: id, reason: 'hash-mismatch' } });
          throw new AppError('invalid', 'The file arrived damaged (its SHA-256 does not match). It stays on the device and is sent again.');
        }
        if (!hasSignatureOf(data, contentType as AttachmentContentType)) {
          audit.record({ action: 'attachment.upload', outcome: 'failure', userId: user.id, target, ip: ctx.ip, detail: { attachment: id, reason: 'not-that-type' } });
          throw new AppError('invalid', `The file is not a ${contentType} file.`);
        }
        try {
          await matchChartEntry(sync, target, user.clinicId, id, { sha256, size: data.length, contentType });
        } catch (err) {
          if (err instanceof AppError && err.code === 'conflict') {
            audit.record({ action: 'attachment.upload', outcome: 'failure', userId: user.id, target, ip: ctx.ip, detail: { attachment: id, reason: 'chart-mismatch' } });
          }
          throw err;
        }
        const existing = store.find(id);
        if (existing) {
          if (existing.sha256 !== sha256 || existing.patientId !== patientId || existing.clinicId !== user.clinicId) {
            throw new AppError('conflict', 'Another file is already stored under this id.');
          }
          sendJson(ctx.res, 200, { id, sha256, size: existing.size, stored: false });
          return;
        }
        store.insert(
          { id, clinicId: user.clinicId, patientId, contentType, size: data.length, sha256, createdBy: user.id, createdAt: new Date().toISOString() },
          data
        );
        audit.record({ action: 'attachment.upload', outcome: 'success', userId: user.id, target, ip: ctx.ip, detail: { attachment: id, contentType, size: data.length } });
        sendJson(ctx.res, 201, { id, sha256, size: data.length, stored: true });
      }
    },
    {
      method: 'GET',
      path: '/api/charts/:patientId/attachments/:id',
      handler(ctx) {
        const { user, patientId, id, target } = authorize(ctx, store, audit);
        const row = store.find(id);
        const data = row && row.patientId === patientId && row.clinicId === user.clinicId ? store.bytes(id) : null;
        if (!row || !data) throw new AppError('not-found', 'This file is not on the clinic server.');
        audit.record({ action: 'attachment.read', outcome: 'success', userId: user.id, target, ip: ctx.ip, detail: { attachment: id, size: row.size } });
        const res = ctx.res;
        res.statusCode = 200;
        res.setHeader('Content-Type', row.contentType);
        res.setHeader('Content-Length', String(data.length));
        res.setHeader('Content-Disposition', 'attachment');
        // Opened directly, a stored file can never run script or be framed.
        res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
        res.end(data);
      }
    }
  ];
}

/** Signed in, clinical role, well-formed ids, and a chart of the user's own clinic. */
function authorize(
  ctx: RequestContext,
  store: AttachmentStore,
  audit: Audit
): { user: SessionUser; patientId: string; id: string; target: string } {
  const user = requireUser(ctx);
  const { patientId, id } = ctx.params;
  if (!isUuid(patientId) || !isUuid(id)) throw new AppError('invalid', 'Malformed attachment address.');
  const target = docName('chart', patientId);
  if (docAccess(user.roles, 'chart') !== 'write') {
    audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target, ip: ctx.ip, detail: { reason: 'role', attachment: id } });
    throw new AppError('forbidden', 'Only clinicians and nurses may see or add chart attachments.');
  }
  const owner = store.clinicOfDoc(target);
  if (owner === null) throw new AppError('not-found', 'This chart is not on the clinic server yet; the file is sent after the chart syncs.');
  if (owner !== user.clinicId) {
    audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target, ip: ctx.ip, detail: { reason: 'other-clinic', attachment: id } });
    throw new AppError('forbidden', 'This chart belongs to another clinic.');
  }
  return { user, patientId, id, target };
}

/** The chart entry must name exactly these bytes; until it has synced, the device retries (404). */
async function matchChartEntry(
  sync: Pick<SyncService, 'readState'>,
  chartName: string,
  clinicId: string,
  id: string,
  file: { sha256: string; size: number; contentType: string }
): Promise<void> {
  const state = await sync.readState(chartName, clinicId);
  const doc = new Y.Doc();
  try {
    if (state) Y.applyUpdate(doc, state);
    const entry = findAttachment(doc, id);
    if (!entry) throw new AppError('not-found', 'The chart entry for this file is not on the clinic server yet; the file is sent after the chart syncs.');
    if (entry.sha256 !== file.sha256 || entry.size !== file.size || entry.contentType !== file.contentType) {
      throw new AppError('conflict', 'The file does not match its chart entry (hash, size or type), so it was not stored.');
    }
  } finally {
    doc.destroy();
  }
}

/** A refusal before the body is read still lets the client finish sending, so it sees the answer. */
function drainOnError<T>(req: IncomingMessage, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    req.resume();
    throw err;
  }
}

/**
 * Buffers the body up to `limit` bytes. Past the limit it stops keeping data
 * but keeps draining, so the 413 answer still reaches the client.
 */
function readBytes(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (over) return;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function tooLarge(): AppError {
  return new AppError('too-large', `Files up to ${MAX_ATTACHMENT_BYTES / (1024 * 1024)} MB can be attached.`);
}
