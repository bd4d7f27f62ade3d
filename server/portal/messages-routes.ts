import { createHash, randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import { z } from 'zod';
import { addMessage, findMessage, hasThread, initMessagesDoc, isMessagesDoc, listThreads, markPatientRead, startThread } from '../../src/lib/chart/messages-doc';
import { listTasks } from '../../src/lib/chart/tasks-doc';
import { docAccess, isUuid, messagesName, tasksName } from '../../src/lib/domain/doc-names';
import { AppError } from '../../src/lib/domain/errors';
import { portalRefusal } from '../../src/lib/domain/portal-refusals';
import { MAX_MESSAGE_PHOTO_BYTES, messageTextSchema, messageTopicSchema, sniffPhotoType, type Message, type Thread } from '../../src/lib/domain/messages';
import { isOpen } from '../../src/lib/domain/tasks';
import type { AttachmentStore } from '../attachments/attachment-store';
import { readJson } from '../http/body';
import { requireUser, type RequestContext, type Route } from '../http/context';
import { sendJson } from '../http/errors';
import type { Audit, SessionUser, SyncService } from '../types';
import { isPatientSession } from './patient-gate';
import { raiseInboxItem } from './inbox';
import type { PortalStore } from './portal-store';
import { PortalWriteLimiter } from './write-limiter';

/**
 * Secure messages between a patient and the care team
 * (domain/messages.ts), patient side over HTTP; staff answer from their
 * devices through the `messages:<patientId>` document.
 *
 * - `GET  /api/portal/records/:patientId/messages` — the threads, as the
 *   patient may see them (whether the clinic has read each message, no
 *   staff-only fields).
 * - `POST /api/portal/records/:patientId/messages` — a new thread (topic)
 *   or a reply (threadId), with an optional photo (JPEG or PNG, at most
 *   3 MiB, its type read from its first bytes). The body's `id` is the
 *   message's: sent again, it answers 200 with what was kept, and nothing is
 *   written twice. A new thread, or a reply on a thread whose inbox item is
 *   done, raises an inbox item for the clinic (inbox.ts).
 * - `POST /api/portal/records/:patientId/messages/read` — the patient
 *   opened a thread: the clinic's replies in it are marked read (once).
 * - `GET  /api/portal/records/:patientId/messages/photos/:photoId` — a
 *   photo of one of the record's messages.
 * - `GET  /api/messages/:patientId/photos/:photoId` — the same, for the
 *   front desk and clinical staff of the record's clinic.
 *
 * Photo bytes live in the server's attachments table (attachment-store.ts),
 * bound to the clinic and patient. Every call is checked against the
 * account's live grant, and audited by ids and counts, never by content.
 */
export interface MessageRouteDeps {
  store: Pick<PortalStore, 'grant'>;
  attachments: AttachmentStore;
  audit: Audit;
  sync: Pick<SyncService, 'readState' | 'applyServerUpdate'>;
  now?: () => number;
  /** Bounds new writes per account (write-limiter.ts); one is made when not given. */
  limiter?: PortalWriteLimiter;
}

export const MESSAGES_PATIENT_ROUTES = [
  'GET /api/portal/records/:patientId/messages',
  'POST /api/portal/records/:patientId/messages',
  'POST /api/portal/records/:patientId/messages/read',
  'GET /api/portal/records/:patientId/messages/photos/:photoId'
] as const;

/** Base64 of at most MAX_MESSAGE_PHOTO_BYTES. */
const MAX_PHOTO_BASE64 = Math.ceil(MAX_MESSAGE_PHOTO_BYTES / 3) * 4;
/** The JSON body: the photo as base64, the text and a little framing. */
const BODY_LIMIT = MAX_PHOTO_BASE64 + 64 * 1024;
const PHOTO_TOO_LARGE = `Photos up to ${MAX_MESSAGE_PHOTO_BYTES / (1024 * 1024)} MB can be sent. Take a smaller photo, or send the message without it.`;

const sendSchema = z
  .object({
    id: z.string().refine(isUuid, 'The message needs its id (a UUID made on the device)'),
    threadId: z.string().refine(isUuid, 'Choose the conversation to reply to').optional(),
    topic: messageTopicSchema.optional(),
    text: messageTextSchema,
    photo: z
      .object({
        data: z.string().max(MAX_PHOTO_BASE64, PHOTO_TOO_LARGE).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'The photo did not arrive whole. Try attaching it again.')
      })
      .strict()
      .optional()
  })
  .strict()
  .refine((b) => (b.threadId === undefined) !== (b.topic === undefined), { message: 'Start a new conversation with a topic, or reply in one', path: ['topic'] });

const readSchema = z
  .object({
    id: z.string().refine(isUuid, 'The request needs its id (a UUID made on the device)'),
    threadId: z.string().refine(isUuid, 'Choose the conversation')
  })
  .strict();

/** What the patient sees of one message. */
function patientMessage(m: Message, userId: string) {
  return {
    id: m.id,
    text: m.text,
    fromClinic: m.authorKind === 'staff',
    mine: m.authorKind === 'patient' && m.sentById === userId,
    sentBy: m.sentBy,
    sentAt: m.sentAt,
    photo: m.photo,
    readByClinic: m.authorKind === 'patient' ? !!m.clinicReadAt : null,
    readByPatient: m.authorKind === 'staff' ? !!m.patientReadAt : null
  };
}

/** Validates a body; the first problem is the message the patient reads (the outbox keeps it), all of them are the details. */
function parseBody<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues;
    throw new AppError('invalid', issues[0]?.message ?? 'The request is not valid', issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })));
  }
  return result.data;
}

function patientThread(t: Thread, userId: string) {
  return { id: t.id, topic: t.topic, startedAt: t.startedAt, messages: t.messages.map((m) => patientMessage(m, userId)) };
}

function sendPhoto(ctx: RequestContext, contentType: string, data: Buffer): void {
  const res = ctx.res;
  res.statusCode = 200;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', String(data.length));
  res.setHeader('Cache-Control', 'private, no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // Opened directly, a stored file can never run script or be framed.
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  res.end(data);
}

export function messageRoutes(deps: MessageRouteDeps): Route[] {
  const { store, audit, sync, attachments } = deps;
  const now = deps.now ?? Date.now;
  const limiter = deps.limiter ?? new PortalWriteLimiter({ audit, now });
  /** One write at a time per record, so a message sent twice at once is kept once. */
  const queues = new Map<string, Promise<unknown>>();
  function serial<T>(key: string, work: () => Promise<T>): Promise<T> {
    const next = (queues.get(key) ?? Promise.resolve()).then(work, work);
    const tail = next.catch(() => undefined);
    queues.set(key, tail);
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key);
    });
    return next;
  }

  function grantFor(ctx: RequestContext) {
    const user = requireUser(ctx);
    const patientId = ctx.params.patientId;
    const grant = isPatientSession(user.roles) && isUuid(patientId) ? store.grant(user.id, patientId) : null;
    if (!grant || grant.clinicId !== user.clinicId) {
      audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: 'portal:messages', ip: ctx.ip, detail: { reason: 'no-grant' } });
      throw portalRefusal('record.not-yours');
    }
    return { user, grant };
  }

  async function load(clinicId: string, patientId: string): Promise<Y.Doc> {
    const doc = new Y.Doc();
    const state = await sync.readState(messagesName(patientId), clinicId);
    if (state) Y.applyUpdate(doc, state);
    return doc;
  }

  async function write(doc: Y.Doc, before: Uint8Array, clinicId: string, patientId: string, userId: string): Promise<void> {
    const update = Y.encodeStateAsUpdate(doc, before);
    await sync.applyServerUpdate(messagesName(patientId), clinicId, update, userId, 'system');
  }

  /** The inbox items raised for this thread, open or done. */
  async function itemsFor(clinicId: string, threadId: string) {
    const state = await sync.readState(tasksName(clinicId), clinicId);
    if (!state) return [];
    const doc = new Y.Doc();
    try {
      Y.applyUpdate(doc, state);
      return listTasks(doc).filter((t) => t.focus.kind === 'message' && t.focus.ref === threadId);
    } finally {
      doc.destroy();
    }
  }

  function raise(grant: { clinicId: string; patientId: string }, user: SessionUser, threadId: string, isNew: boolean): Promise<string> {
    return raiseInboxItem(
      sync,
      { clinicId: grant.clinicId, patientId: grant.patientId, kind: 'message', ref: threadId, label: 'Patient message', description: isNew ? 'New message from the patient' : 'New reply from the patient' },
      { userId: user.id, name: user.name },
      new Date(now())
    );
  }

  function photoOf(doc: Y.Doc, photoId: string): { id: string } | null {
    return listThreads(doc)
      .flatMap((t) => t.messages)
      .find((m) => m.photo?.id === photoId)?.photo ?? null;
  }

  function staffReader(ctx: RequestContext): SessionUser {
    const user = requireUser(ctx);
    if (isPatientSession(user.roles) || docAccess(user.roles, 'messages') === 'none') {
      audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: 'messages', ip: ctx.ip, detail: { reason: 'role' } });
      throw new AppError('forbidden', "Only the clinic's front desk and clinical staff read patients' messages.");
    }
    return user;
  }

  return [
    {
      method: 'GET',
      path: '/api/portal/records/:patientId/messages',
      async handler(ctx) {
        const { user, grant } = grantFor(ctx);
        const doc = await load(grant.clinicId, grant.patientId);
        const threads = listThreads(doc).map((t) => patientThread(t, user.id));
        doc.destroy();
        audit.record({ action: 'portal.messages', outcome: 'success', userId: user.id, target: messagesName(grant.patientId), ip: ctx.ip, detail: { interaction: 'read', count: threads.length, relation: grant.relation } });
        sendJson(ctx.res, 200, { threads, generatedAt: new Date(now()).toISOString() });
      }
    },
    {
      method: 'POST',
      path: '/api/portal/records/:patientId/messages',
      async handler(ctx) {
        let checked: ReturnType<typeof grantFor>;
        try {
          checked = grantFor(ctx);
        } catch (err) {
          ctx.req.resume();
          throw err;
        }
        const { user, grant } = checked;
        const body = parseBody(sendSchema, await readJson(ctx.req, BODY_LIMIT));
        let photo: { data: Buffer; contentType: 'image/jpeg' | 'image/png' } | null = null;
        if (body.photo) {
          const data = Buffer.from(body.photo.data, 'base64');
          if (data.length === 0) throw portalRefusal('message.photo-empty', {}, [{ path: 'photo', message: 'Empty' }]);
          if (data.length > MAX_MESSAGE_PHOTO_BYTES) throw portalRefusal('message.photo-too-large', { megabytes: MAX_MESSAGE_PHOTO_BYTES / (1024 * 1024) }, [{ path: 'photo', message: 'Too large' }]);
          const contentType = sniffPhotoType(data);
          if (!contentType) {
            audit.record({ action: 'portal.message', outcome: 'failure', userId: user.id, target: messagesName(grant.patientId), ip: ctx.ip, detail: { message: body.id, reason: 'not-a-photo' } });
            throw portalRefusal('message.not-photo', {}, [{ path: 'photo', message: 'Not a JPEG or PNG file' }]);
          }
          photo = { data, contentType };
        }
        const result = await serial(grant.patientId, async () => {
          const doc = await load(grant.clinicId, grant.patientId);
          try {
            const kept = findMessage(doc, body.id);
            if (kept) {
              if (kept.authorKind !== 'patient' || kept.sentById !== user.id) throw portalRefusal('message.id-taken');
              // Kept, but the answer (and the inbox item after it) may have been lost: the clinic is told once.
              if ((await itemsFor(grant.clinicId, kept.threadId)).length === 0) await raise(grant, user, kept.threadId, listThreads(doc).find((t) => t.id === kept.threadId)?.messages[0]?.id === kept.id);
              return { status: 200, answer: { id: kept.id, threadId: kept.threadId, sentAt: kept.sentAt } };
            }
            limiter.assertAllowed(ctx, user, 'messages', messagesName(grant.patientId));
            if (body.threadId && !hasThread(doc, body.threadId)) throw portalRefusal('message.thread-unknown');
            const before = Y.encodeStateVector(doc);
            if (!isMessagesDoc(doc)) initMessagesDoc(doc, grant.patientId);
            const actor = { id: user.id, name: user.name };
            const at = new Date(now()).toISOString();
            const isNew = !body.threadId;
            const threadId = body.threadId ?? startThread(doc, { topic: body.topic ?? '', startedByKind: 'patient' }, actor, randomUUID(), at);
            let stored: { id: string; contentType: 'image/jpeg' | 'image/png'; size: number } | null = null;
            if (photo) {
              const id = randomUUID();
              attachments.insert(
                { id, clinicId: grant.clinicId, patientId: grant.patientId, contentType: photo.contentType, size: photo.data.length, sha256: createHash('sha256').update(photo.data).digest('hex'), createdBy: user.id, createdAt: at },
                photo.data
              );
              stored = { id, contentType: photo.contentType, size: photo.data.length };
            }
            addMessage(doc, { threadId, text: body.text, authorKind: 'patient', photo: stored, relation: grant.relation }, actor, body.id, at);
            const itemNeeded = isNew || !(await itemsFor(grant.clinicId, threadId)).some(isOpen);
            await write(doc, before, grant.clinicId, grant.patientId, user.id);
            limiter.record(user, 'messages');
            if (itemNeeded) await raise(grant, user, threadId, isNew);
            audit.record({ action: 'portal.message', outcome: 'success', userId: user.id, target: messagesName(grant.patientId), ip: ctx.ip, detail: { message: body.id, thread: threadId, newThread: isNew, photo: stored ? stored.size : 0, relation: grant.relation } });
            return { status: 201, answer: { id: body.id, threadId, sentAt: at } };
          } finally {
            doc.destroy();
          }
        });
        sendJson(ctx.res, result.status, result.answer);
      }
    },
    {
      method: 'POST',
      path: '/api/portal/records/:patientId/messages/read',
      async handler(ctx) {
        const { user, grant } = grantFor(ctx);
        const body = parseBody(readSchema, await readJson(ctx.req));
        const marked = await serial(grant.patientId, async () => {
          const doc = await load(grant.clinicId, grant.patientId);
          try {
            if (!hasThread(doc, body.threadId)) throw new AppError('not-found', 'This conversation is not on your record.');
            const before = Y.encodeStateVector(doc);
            const n = markPatientRead(doc, body.threadId, new Date(now()).toISOString());
            if (n > 0) await write(doc, before, grant.clinicId, grant.patientId, user.id);
            return n;
          } finally {
            doc.destroy();
          }
        });
        if (marked > 0) audit.record({ action: 'portal.messages', outcome: 'success', userId: user.id, target: messagesName(grant.patientId), ip: ctx.ip, detail: { interaction: 'read-receipt', thread: body.threadId, count: marked } });
        sendJson(ctx.res, 200, { threadId: body.threadId, marked });
      }
    },
    {
      method: 'GET',
      path: '/api/portal/records/:patientId/messages/photos/:photoId',
      async handler(ctx) {
        const { user, grant } = grantFor(ctx);
        const photoId = ctx.params.photoId;
        const doc = await load(grant.clinicId, grant.patientId);
        const named = isUuid(photoId) ? photoOf(doc, photoId) : null;
        doc.destroy();
        const row = named ? attachments.find(photoId) : null;
        const data = row && row.patientId === grant.patientId && row.clinicId === grant.clinicId ? attachments.bytes(photoId) : null;
        if (!row || !data) throw new AppError('not-found', 'This photo is not on the clinic server.');
        audit.record({ action: 'portal.messages', outcome: 'success', userId: user.id, target: messagesName(grant.patientId), ip: ctx.ip, detail: { interaction: 'photo', photo: photoId, size: row.size } });
        sendPhoto(ctx, row.contentType, data);
      }
    },
    {
      method: 'GET',
      path: '/api/messages/:patientId/photos/:photoId',
      async handler(ctx) {
        const user = staffReader(ctx);
        const { patientId, photoId } = ctx.params;
        if (!isUuid(patientId) || !isUuid(photoId)) throw new AppError('invalid', 'Malformed photo address.');
        const name = messagesName(patientId);
        const owner = attachments.clinicOfDoc(name);
        if (owner !== user.clinicId) {
          if (owner !== null) audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: name, ip: ctx.ip, detail: { reason: 'other-clinic', photo: photoId } });
          throw new AppError(owner === null ? 'not-found' : 'forbidden', owner === null ? 'This photo is not on the clinic server.' : 'This record belongs to another clinic.');
        }
        const doc = await load(user.clinicId, patientId);
        const named = photoOf(doc, photoId);
        doc.destroy();
        const row = named ? attachments.find(photoId) : null;
        const data = row && row.patientId === patientId && row.clinicId === user.clinicId ? attachments.bytes(photoId) : null;
        if (!row || !data) throw new AppError('not-found', 'This photo is not on the clinic server.');
        audit.record({ action: 'message.photo.read', outcome: 'success', userId: user.id, target: name, ip: ctx.ip, detail: { photo: photoId, size: row.size } });
        sendPhoto(ctx, row.contentType, data);
      }
    }
  ];
}
