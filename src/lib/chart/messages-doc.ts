import * as Y from 'yjs';
import type { Actor } from '../domain/chart';
import { AppError } from '../domain/errors';
import {
  AUTHOR_KINDS,
  MESSAGE_PHOTO_TYPES,
  messageTextSchema,
  messageTopicSchema,
  sortThreads,
  type Message,
  type MessageAuthorKind,
  type MessagePhoto,
  type Thread
} from '../domain/messages';
import { metaOf, migrate, newId, nowIso, SCHEMA_VERSION, str } from './schema';

/**
 * Typed access to a patient's `messages:<patientId>` document
 * (domain/messages.ts): `threads` (one entry per topic) and `messages`
 * (one entry per message, naming its thread), each a Y.Map of flat fields
 * keyed by id. Nothing is ever removed or rewritten; a message only gains
 * its read receipt.
 */

type Entry = Y.Map<unknown>;

function threadsMap(doc: Y.Doc): Y.Map<Entry> {
  return doc.getMap('threads') as Y.Map<Entry>;
}
function messagesMap(doc: Y.Doc): Y.Map<Entry> {
  return doc.getMap('messages') as Y.Map<Entry>;
}

export function initMessagesDoc(doc: Y.Doc, patientId: string): void {
  doc.transact(() => {
    const meta = metaOf(doc);
    if (meta.get('schemaVersion') === undefined) meta.set('schemaVersion', SCHEMA_VERSION);
    meta.set('kind', 'messages');
    meta.set('patientId', patientId);
  }, 'local');
}

export function isMessagesDoc(doc: Y.Doc): boolean {
  return metaOf(doc).get('kind') === 'messages';
}

function invalid(issues: { path: PropertyKey[]; message: string }[], field: string): AppError {
  return new AppError('invalid', issues[0]?.message ?? 'The message is not complete', issues.map((i) => ({ path: field, message: i.message })));
}

/** Starts a thread on a topic; returns its id. */
export function startThread(doc: Y.Doc, input: { topic: string; startedByKind: MessageAuthorKind }, actor: Actor, id: string = newId(), at: string = nowIso()): string {
  const topic = messageTopicSchema.safeParse(input.topic);
  if (!topic.success) throw invalid(topic.error.issues, 'topic');
  migrate(doc);
  doc.transact(() => {
    const e = new Y.Map<unknown>();
    threadsMap(doc).set(id, e);
    e.set('id', id);
    e.set('topic', topic.data);
    e.set('startedByKind', input.startedByKind);
    e.set('startedAt', at);
    e.set('startedBy', actor.name);
    e.set('startedById', actor.id);
  }, 'local');
  return id;
}

/**
 * A staff member starts a conversation with the patient: the thread (a staff
 * thread on `topic`) and its first message, written together or not at all
 * (both are checked before either is written). Returns the thread's id.
 */
export function startStaffConversation(doc: Y.Doc, input: { topic: string; text: string }, actor: Actor, ids: { threadId?: string; messageId?: string } = {}, at: string = nowIso()): string {
  const topic = messageTopicSchema.safeParse(input.topic);
  if (!topic.success) throw invalid(topic.error.issues, 'topic');
  const text = messageTextSchema.safeParse(input.text);
  if (!text.success) throw invalid(text.error.issues, 'text');
  let threadId = '';
  doc.transact(() => {
    threadId = startThread(doc, { topic: topic.data, startedByKind: 'staff' }, actor, ids.threadId ?? newId(), at);
    addMessage(doc, { threadId, text: text.data, authorKind: 'staff' }, actor, ids.messageId ?? newId(), at);
  }, 'local');
  return threadId;
}

/** Adds a message to an existing thread; returns its id. */
export function addMessage(
  doc: Y.Doc,
  input: { threadId: string; text: string; authorKind: MessageAuthorKind; photo?: MessagePhoto | null; relation?: 'self' | 'proxy' },
  actor: Actor,
  id: string = newId(),
  at: string = nowIso()
): string {
  const text = messageTextSchema.safeParse(input.text);
  if (!text.success) throw invalid(text.error.issues, 'text');
  if (!(threadsMap(doc).get(input.threadId) instanceof Y.Map)) throw new AppError('not-found', 'This conversation is not on this device');
  if (messagesMap(doc).has(id)) throw new AppError('conflict', 'A message with this id is already recorded');
  migrate(doc);
  doc.transact(() => {
    const e = new Y.Map<unknown>();
    messagesMap(doc).set(id, e);
    e.set('id', id);
    e.set('threadId', input.threadId);
    e.set('text', text.data);
    e.set('authorKind', input.authorKind);
    e.set('sentAt', at);
    e.set('sentBy', actor.name);
    e.set('sentById', actor.id);
    if (input.relation) e.set('sentByRelation', input.relation);
    if (input.photo) {
      e.set('photoId', input.photo.id);
      e.set('photoType', input.photo.contentType);
      e.set('photoSize', input.photo.size);
    }
  }, 'local');
  return id;
}

/** Staff opened the thread: each of the patient's messages not yet marked gets "read by the clinic" (once). Returns how many. */
export function markClinicRead(doc: Y.Doc, threadId: string, actor: Actor, at: string = nowIso()): number {
  const unread = [...messagesMap(doc).values()].filter((e) => str(e, 'threadId') === threadId && str(e, 'authorKind') === 'patient' && !e.get('clinicReadAt'));
  if (unread.length === 0) return 0;
  doc.transact(() => {
    for (const e of unread) {
      e.set('clinicReadAt', at);
      e.set('clinicReadBy', actor.name);
      e.set('clinicReadById', actor.id);
    }
  }, 'local');
  return unread.length;
}

/** The patient opened the thread: each staff reply not yet marked gets its "read by the patient" time (server side). Returns how many. */
export function markPatientRead(doc: Y.Doc, threadId: string, at: string = nowIso()): number {
  const unread = [...messagesMap(doc).values()].filter((e) => str(e, 'threadId') === threadId && str(e, 'authorKind') === 'staff' && !e.get('patientReadAt'));
  if (unread.length === 0) return 0;
  doc.transact(() => {
    for (const e of unread) e.set('patientReadAt', at);
  }, 'local');
  return unread.length;
}

function readMessage(e: Entry, id: string): Message | null {
  const authorKind = str(e, 'authorKind');
  if (!(AUTHOR_KINDS as readonly string[]).includes(authorKind)) return null;
  const photoType = str(e, 'photoType');
  const photoSize = e.get('photoSize');
  const photo =
    str(e, 'photoId') && (MESSAGE_PHOTO_TYPES as readonly string[]).includes(photoType) && typeof photoSize === 'number'
      ? { id: str(e, 'photoId'), contentType: photoType as MessagePhoto['contentType'], size: photoSize }
      : null;
  return {
    id,
    threadId: str(e, 'threadId'),
    text: str(e, 'text'),
    authorKind: authorKind as MessageAuthorKind,
    sentAt: str(e, 'sentAt'),
    sentBy: str(e, 'sentBy'),
    sentById: str(e, 'sentById'),
    sentByRelation: authorKind === 'patient' && (str(e, 'sentByRelation') === 'self' || str(e, 'sentByRelation') === 'proxy') ? (str(e, 'sentByRelation') as 'self' | 'proxy') : '',
    photo,
    clinicReadAt: str(e, 'clinicReadAt'),
    clinicReadBy: str(e, 'clinicReadBy'),
    patientReadAt: str(e, 'patientReadAt')
  };
}

export function findMessage(doc: Y.Doc, id: string): Message | null {
  const e = messagesMap(doc).get(id);
  return e instanceof Y.Map ? readMessage(e, id) : null;
}

export function hasThread(doc: Y.Doc, id: string): boolean {
  return threadsMap(doc).get(id) instanceof Y.Map;
}

/** Every thread with its messages (oldest first), newest activity first. */
export function listThreads(doc: Y.Doc): Thread[] {
  const byThread = new Map<string, Message[]>();
  for (const [id, e] of messagesMap(doc)) {
    if (!(e instanceof Y.Map)) continue;
    const msg = readMessage(e, id);
    if (!msg) continue;
    const list = byThread.get(msg.threadId) ?? [];
    list.push(msg);
    byThread.set(msg.threadId, list);
  }
  const threads: Thread[] = [];
  for (const [id, e] of threadsMap(doc)) {
    if (!(e instanceof Y.Map)) continue;
    const kind = str(e, 'startedByKind');
    threads.push({
      id,
      topic: str(e, 'topic'),
      startedAt: str(e, 'startedAt'),
      startedByKind: (AUTHOR_KINDS as readonly string[]).includes(kind) ? (kind as MessageAuthorKind) : 'patient',
      messages: (byThread.get(id) ?? []).sort((a, b) => a.sentAt.localeCompare(b.sentAt) || a.id.localeCompare(b.id))
    });
  }
  return sortThreads(threads);
}
