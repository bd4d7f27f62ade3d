import * as Y from 'yjs';
import type { Actor } from '../domain/chart';
import {
  attachmentInputSchema,
  isAttachmentContentType,
  type Attachment,
  type AttachmentInput
} from '../domain/attachments';
import { AppError } from '../domain/errors';
import { migrate, newId, nowIso, str } from './schema';

/**
 * The `attachments` collection of a chart document: one Y.Map per file,
 * shaped like a FHIR DocumentReference (title, content type, size and
 * SHA-256 of the bytes). The bytes themselves are not in the document, which
 * stays small enough to sync over a rural link; they travel separately and
 * the hash ties them to this entry.
 */

type Entry = Y.Map<unknown>;

function attachments(doc: Y.Doc): Y.Map<Entry> {
  return doc.getMap('attachments') as Y.Map<Entry>;
}

/** Records a new file in the chart; returns its id (also the id of its bytes). */
export function addAttachment(doc: Y.Doc, input: AttachmentInput, actor: Actor, id: string = newId()): string {
  const parsed = attachmentInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError(
      'invalid',
      parsed.error.issues[0]?.message ?? 'The file cannot be attached',
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
    );
  }
  const a = parsed.data;
  migrate(doc);
  const now = nowIso();
  doc.transact(() => {
    const e = new Y.Map<unknown>();
    attachments(doc).set(id, e);
    e.set('resourceType', 'DocumentReference');
    e.set('id', id);
    e.set('title', a.title);
    e.set('contentType', a.contentType);
    e.set('size', a.size);
    e.set('sha256', a.sha256);
    e.set('status', 'current');
    e.set('uploaded', false);
    e.set('createdAt', now);
    e.set('createdBy', actor.name);
    e.set('updatedAt', now);
    e.set('updatedBy', actor.name);
  }, 'local');
  return id;
}

/**
 * Notes that the clinic server now holds the bytes, so other devices can
 * fetch them. Only ever goes from false to true; doing it twice is harmless.
 */
export function markAttachmentUploaded(doc: Y.Doc, id: string, at: string = nowIso()): void {
  const e = attachments(doc).get(id);
  if (!(e instanceof Y.Map)) throw new AppError('not-found', 'That file is not in this chart');
  if (e.get('uploaded') === true) return;
  doc.transact(() => {
    e.set('uploaded', true);
    e.set('uploadedAt', at);
  }, 'local');
}

export function markAttachmentEnteredInError(doc: Y.Doc, id: string, reason: string, actor: Actor): void {
  const why = reason.trim();
  if (!why) throw new AppError('invalid', 'Say why the file was attached in error', [{ path: 'reason', message: 'Required' }]);
  const e = attachments(doc).get(id);
  if (!(e instanceof Y.Map)) throw new AppError('not-found', 'That file is not in this chart');
  const now = nowIso();
  doc.transact(() => {
    e.set('status', 'entered-in-error');
    e.set('enteredInErrorAt', now);
    e.set('enteredInErrorBy', actor.name);
    e.set('enteredInErrorReason', why.slice(0, 500));
    e.set('updatedAt', now);
    e.set('updatedBy', actor.name);
  }, 'local');
}

/** Every file of the chart, newest first. Entries an older or damaged client wrote without a usable type are skipped. */
export function listAttachments(doc: Y.Doc): Attachment[] {
  const out: Attachment[] = [];
  attachments(doc).forEach((e, id) => {
    if (!(e instanceof Y.Map)) return;
    const contentType = e.get('contentType');
    const size = e.get('size');
    if (!isAttachmentContentType(contentType) || typeof size !== 'number') return;
    out.push({
      id,
      title: str(e, 'title', 'Attachment'),
      contentType,
      size,
      sha256: str(e, 'sha256'),
      status: e.get('status') === 'entered-in-error' ? 'entered-in-error' : 'current',
      uploaded: e.get('uploaded') === true,
      uploadedAt: str(e, 'uploadedAt'),
      createdAt: str(e, 'createdAt'),
      createdBy: str(e, 'createdBy'),
      updatedAt: str(e, 'updatedAt'),
      updatedBy: str(e, 'updatedBy')
    });
  });
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

export function findAttachment(doc: Y.Doc, id: string): Attachment | null {
  return listAttachments(doc).find((a) => a.id === id) ?? null;
}
