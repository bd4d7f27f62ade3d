import * as Y from 'yjs';
import { z } from 'zod';
import * as messagesDoc from '../chart/messages-doc';
import type { Actor } from '../domain/chart';
import { docAccess, isUuid, messagesName, parseDocName, type DocAccess } from '../domain/doc-names';
import { AppError } from '../domain/errors';
import { lastActivity, unreadFor, type Thread } from '../domain/messages';
import { toBase64 } from '../storage/base64';
import type { LiveDoc } from '../sync/live-doc';
import { reportError } from './report-error';
import { actorOf, currentWorkspace, type Workspace } from './workspace';

/**
 * A patient's secure messages on a staff device (`messages:<patientId>`,
 * chart/messages-doc.ts): live while online, answered offline too — a
 * reply, or a conversation staff start, is kept on the device and syncs with the document when the device
 * reconnects. Opening a thread marks the patient's messages in it read by
 * the clinic (once; the server keeps the first receipt).
 */
export class LivePatientMessages {
  #version = $state(0);
  readonly #live: LiveDoc;
  readonly #actor: Actor;
  readonly #release: (doc: LiveDoc) => Promise<void>;
  readonly #cleanup: (() => void)[] = [];
  readonly access: DocAccess;
  #closed = false;

  constructor(live: LiveDoc, access: DocAccess, actor: Actor, release: (doc: LiveDoc) => Promise<void>) {
    this.#live = live;
    this.access = access;
    this.#actor = actor;
    this.#release = release;
    const bump = () => this.#version++;
    live.doc.on('update', bump);
    this.#cleanup.push(() => live.doc.off('update', bump));
  }

  get threads(): Thread[] {
    void this.#version;
    return messagesDoc.listThreads(this.#live.doc);
  }
  thread(id: string): Thread | null {
    return this.threads.find((t) => t.id === id) ?? null;
  }
  get canReply(): boolean {
    return this.access === 'write';
  }

  /** Adds the signed-in user's reply to a thread; returns its id. */
  reply(threadId: string, text: string): string {
    if (!this.canReply) throw new AppError('forbidden', "Your role does not answer patients' messages");
    return messagesDoc.addMessage(this.#live.doc, { threadId, text, authorKind: 'staff' }, this.#actor);
  }

  /** Starts a conversation with the patient (a topic and the first message); returns the thread's id. Works offline like a reply. */
  startConversation(topic: string, text: string): string {
    if (!this.canReply) throw new AppError('forbidden', "Your role does not answer patients' messages");
    return messagesDoc.startStaffConversation(this.#live.doc, { topic, text }, this.#actor);
  }

  /** Marks the patient's messages in the thread read by the clinic; returns how many were new. */
  markRead(threadId: string): number {
    if (!this.canReply) return 0;
    return messagesDoc.markClinicRead(this.#live.doc, threadId, this.#actor);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.#cleanup.splice(0)) c();
    this.#release(this.#live).catch((err: unknown) => reportError("Closing the patient's messages", err));
  }
}

export async function openPatientMessages(patientId: string, ws: Workspace = currentWorkspace()): Promise<LivePatientMessages> {
  if (!isUuid(patientId)) throw new AppError('not-found', 'There is no patient with this id');
  const access = docAccess(ws.user.roles, 'messages');
  if (access === 'none') throw new AppError('forbidden', "Your role does not read patients' messages");
  const name = messagesName(patientId);
  // Already open on another part of the screen (the chart's card, when the first conversation was started there offline): shared, not fetched again.
  if (!ws.engine.isOpen(name) && !(await ws.vault.docs.has(name))) {
    try {
      const failed = await ws.engine.pull([name]);
      if (failed.some((f) => f.code === 'forbidden')) throw new AppError('forbidden', "You do not have access to this patient's messages");
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'unavailable')) throw err;
      throw new AppError('not-found', "This patient's messages are not on this device yet, and the clinic server cannot be reached to fetch them.");
    }
  }
  const live = await ws.engine.acquire(name);
  return new LivePatientMessages(live, access, actorOf(ws.user), (d) => ws.engine.release(d));
}

/**
 * What the inbox shows of each thread on this device (the topic, whether
 * the patient's last words are unread): a worklist built like the others
 * (worklist.svelte.ts), sealed in the vault with each record's state
 * vector, so a rebuild after a sync round re-reads only what changed.
 */
const CACHE_KEY = 'worklist:message-threads';
const rowSchema = z.object({ patientId: z.string(), threadId: z.string(), topic: z.string(), lastAt: z.string(), unread: z.number(), lastFromPatient: z.boolean() });
export type ThreadRow = z.infer<typeof rowSchema>;
const cacheSchema = z.object({ docs: z.record(z.string(), z.object({ sv: z.string(), rows: z.array(rowSchema) })) });
type Cache = z.infer<typeof cacheSchema>;

const rowsOfCache = (cache: Cache): ThreadRow[] => Object.values(cache.docs).flatMap((d) => d.rows);

export async function cachedThreadRows(ws: Workspace = currentWorkspace()): Promise<ThreadRow[]> {
  return rowsOfCache((await ws.vault.meta.getSealed(CACHE_KEY, cacheSchema, 'message threads')) ?? { docs: {} });
}

export async function rebuildThreadRows(ws: Workspace = currentWorkspace()): Promise<ThreadRow[]> {
  const previous = (await ws.vault.meta.getSealed(CACHE_KEY, cacheSchema, 'message threads')) ?? { docs: {} };
  const names = (await ws.vault.docs.docNames()).filter((n) => parseDocName(n)?.kind === 'messages');
  const vectors = await ws.vault.docs.stateVectors(names);
  const next: Cache = { docs: {} };
  let changed = names.length !== Object.keys(previous.docs).length;
  for (const [i, name] of names.entries()) {
    const sv = toBase64(vectors[i]);
    const known = previous.docs[name];
    if (known && known.sv === sv) {
      next.docs[name] = known;
      continue;
    }
    changed = true;
    next.docs[name] = { sv, rows: await rowsOf(ws, name) };
  }
  if (changed) await ws.vault.meta.setSealed(CACHE_KEY, next);
  return rowsOfCache(next);
}

export function rowsOfThreads(patientId: string, threads: readonly Thread[]): ThreadRow[] {
  return threads.map((t) => ({ patientId, threadId: t.id, topic: t.topic, lastAt: lastActivity(t), unread: unreadFor(t, 'staff'), lastFromPatient: t.messages.at(-1)?.authorKind === 'patient' }));
}

async function rowsOf(ws: Workspace, name: string): Promise<ThreadRow[]> {
  const parsed = parseDocName(name);
  if (!parsed || !('patientId' in parsed)) return [];
  const doc = new Y.Doc();
  try {
    if (!(await ws.vault.docs.loadInto(name, doc, null))) return [];
    return rowsOfThreads(parsed.patientId, messagesDoc.listThreads(doc));
  } finally {
    doc.destroy();
  }
}
