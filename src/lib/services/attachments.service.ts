import type * as Y from 'yjs';
import { addAttachment, findAttachment, markAttachmentUploaded } from '../chart/attachment-doc';
import {
  ATTACHMENT_CONTENT_TYPES,
  MAX_ATTACHMENT_BYTES,
  isAttachmentContentType,
  titleFromFileName,
  type Attachment
} from '../domain/attachments';
import { docName, parseDocName } from '../domain/doc-names';
import { AppError } from '../domain/errors';
import { apiClient, type ApiClient } from './api-client';
import { reportError } from './report-error';
import { actorOf, currentWorkspace, type Workspace } from './workspace';

/**
 * Attaching files to a chart and moving their bytes between this device and
 * the clinic server. A file is stored encrypted on the device first, then
 * recorded in the chart, then uploaded whenever the server can be reached;
 * so a photo taken with no network is in the chart at once and is never
 * lost. A device that did not take the photo fetches the bytes on first
 * view and keeps them encrypted from then on, so they open offline later.
 */

/** The server path of one attachment's bytes: ids only, never a title. */
export function attachmentPath(patientId: string, attachmentId: string): string {
  return `/api/charts/${patientId}/attachments/${attachmentId}`;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface AttachInput {
  patientId: string;
  /** The open chart document of the patient. */
  chart: Y.Doc;
  file: Blob & { name?: string };
  title?: string;
}

/**
 * Stores the file encrypted on the device and records it in the chart.
 * The bytes are stored before the chart entry, so the chart never names a
 * file this device does not have. Returns the attachment's id.
 */
export async function attachFile(input: AttachInput, ws: Workspace = currentWorkspace(), api: ApiClient = apiClient): Promise<string> {
  const { file } = input;
  const contentType = file.type.toLowerCase();
  if (!isAttachmentContentType(contentType)) {
    throw new AppError('invalid', 'Only JPEG, PNG or WebP photos and PDF documents can be attached', [
      { path: 'file', message: `Allowed: ${ATTACHMENT_CONTENT_TYPES.join(', ')}` }
    ]);
  }
  if (file.size > MAX_ATTACHMENT_BYTES) {
    throw new AppError('too-large', `Files up to ${MAX_ATTACHMENT_BYTES / (1024 * 1024)} MB can be attached; this one is larger.`);
  }
  if (file.size === 0) throw new AppError('invalid', 'The file is empty');
  const bytes = new Uint8Array(await file.arrayBuffer());
  const sha256 = await sha256Hex(bytes);
  const id = crypto.randomUUID();
  const doc = docName('chart', input.patientId);
  await ws.vault.attachments.put(doc, id, bytes, { pending: true, contentType });
  addAttachment(
    input.chart,
    { title: input.title?.trim() || titleFromFileName(file.name ?? ''), contentType, size: bytes.length, sha256 },
    actorOf(ws.user),
    id
  );
  uploaderFor(ws, api).soon();
  return id;
}

/**
 * The bytes of an attachment: from the device, else fetched from the
 * server (checked against the chart's SHA-256, then stored encrypted).
 */
export async function loadAttachment(
  patientId: string,
  attachment: Attachment,
  ws: Workspace = currentWorkspace(),
  api: ApiClient = apiClient
): Promise<Uint8Array> {
  const doc = docName('chart', patientId);
  const held = await ws.vault.attachments.get(doc, attachment.id);
  if (held) return held;
  if (!attachment.uploaded) {
    throw new AppError('not-found', 'This file is still only on the device it was attached on. It can be opened here once that device has been online.');
  }
  let fetched: { bytes: Uint8Array };
  try {
    fetched = await api.getBytes(attachmentPath(patientId, attachment.id));
  } catch (err) {
    if (err instanceof AppError && err.code === 'unavailable') {
      throw new AppError('unavailable', 'This file is on the clinic server and not yet on this device. It opens once the device is online.');
    }
    throw err;
  }
  if ((await sha256Hex(fetched.bytes)) !== attachment.sha256) {
    throw new AppError('internal', 'The file from the clinic server does not match the chart entry, so it was not shown. Tell your administrator.');
  }
  await ws.vault.attachments.put(doc, attachment.id, fetched.bytes, { pending: false, contentType: attachment.contentType });
  return fetched.bytes;
}

/** Where an attachment is, for the chart's "on this device only / uploaded" line. */
export type AttachmentPlace = 'uploaded' | 'this-device-only' | 'other-device-only';

export async function placeOf(patientId: string, attachment: Attachment, ws: Workspace = currentWorkspace()): Promise<AttachmentPlace> {
  if (attachment.uploaded) return 'uploaded';
  return (await ws.vault.attachments.has(attachment.id)) ? 'this-device-only' : 'other-device-only';
}

export interface UploadReport {
  uploaded: number;
  /** Left for a later try (offline, or the chart has not reached the server yet). */
  waiting: number;
}

/**
 * The device's upload queue: every attachment made here that the server does
 * not hold yet, sent oldest first whenever the network allows (soon after
 * attaching, when the browser comes back online, and every 30 s). Pending
 * chart edits are pushed first so the server knows the chart the file
 * belongs to. One queue per unlocked workspace; it stops at lock.
 */
export class AttachmentUploader {
  readonly #ws: Workspace;
  readonly #api: ApiClient;
  #running: Promise<UploadReport> | null = null;
  #again = false;
  #timer: ReturnType<typeof setInterval> | null = null;
  #onOnline = () => this.soon();

  constructor(ws: Workspace, api: ApiClient) {
    this.#ws = ws;
    this.#api = api;
  }

  /** Starts retrying in the background (browser only). */
  start(intervalMs = 30_000): void {
    if (this.#timer || typeof window === 'undefined') return;
    window.addEventListener('online', this.#onOnline);
    this.#timer = setInterval(() => this.soon(), intervalMs);
    this.soon();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (typeof window !== 'undefined') window.removeEventListener('online', this.#onOnline);
  }

  /** Uploads in the background; failures are reported, never thrown at the caller. */
  soon(): void {
    this.uploadPending().catch((err: unknown) => reportError('Uploading attachments', err));
  }

  /** Uploads everything pending; a call while one runs waits for a second pass. */
  uploadPending(): Promise<UploadReport> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      const report: UploadReport = { uploaded: 0, waiting: 0 };
      try {
        do {
          this.#again = false;
          const pass = await this.#pass();
          report.uploaded += pass.uploaded;
          report.waiting = pass.waiting;
        } while (this.#again);
      } finally {
        this.#running = null;
      }
      return report;
    })();
    return this.#running;
  }

  async #pass(): Promise<UploadReport> {
    if (!this.#ws.vault.keys.unlocked) {
      this.stop(); // locked: the key is gone; the next unlock starts a new queue
      return { uploaded: 0, waiting: 0 };
    }
    const queue = await this.#ws.vault.attachments.pending();
    if (queue.length === 0) return { uploaded: 0, waiting: 0 };
    await this.#ws.engine.flushNow();
    let uploaded = 0;
    for (const [i, item] of queue.entries()) {
      const parsed = parseDocName(item.doc);
      if (parsed?.kind !== 'chart') continue;
      try {
        const bytes = await this.#ws.vault.attachments.get(item.doc, item.id);
        if (!bytes) continue;
        await this.#api.sendBytes(attachmentPath(parsed.patientId, item.id), bytes, item.contentType, {
          'x-content-sha256': await sha256Hex(bytes)
        });
        await this.#ws.vault.attachments.markUploaded(item.id);
        await this.#markInChart(item.doc, item.id);
        uploaded++;
      } catch (err) {
        // Offline: the rest waits for the network. A chart not yet on the server: the next pass, after sync.
        if (err instanceof AppError && (err.code === 'unavailable' || err.code === 'unauthenticated')) return { uploaded, waiting: queue.length - i };
        if (!(err instanceof AppError && err.code === 'not-found')) reportError('Uploading an attachment', err);
      }
    }
    return { uploaded, waiting: await this.#ws.vault.attachments.pendingCount() };
  }

  async #markInChart(doc: string, id: string): Promise<void> {
    const live = await this.#ws.engine.acquire(doc);
    try {
      if (findAttachment(live.doc, id)) markAttachmentUploaded(live.doc, id);
      await live.persisted();
    } finally {
      await this.#ws.engine.release(live);
    }
  }
}

const uploaders = new WeakMap<Workspace, AttachmentUploader>();
let started: { ws: Workspace; uploader: AttachmentUploader } | null = null;

/** The upload queue of a workspace (one per unlocked user). */
export function uploaderFor(ws: Workspace, api: ApiClient = apiClient): AttachmentUploader {
  let u = uploaders.get(ws);
  if (!u) {
    u = new AttachmentUploader(ws, api);
    uploaders.set(ws, u);
  }
  return u;
}

/**
 * Keeps the signed-in user's queue running in the browser. The session
 * manager calls it once sync has started after unlock; a new workspace
 * (another unlock) stops the previous queue, and a locked one stops itself.
 */
export function keepUploading(ws: Workspace = currentWorkspace()): void {
  if (started?.ws === ws) return;
  started?.uploader.stop();
  const uploader = uploaderFor(ws);
  started = { ws, uploader };
  uploader.start();
}
