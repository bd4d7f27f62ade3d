import { z } from 'zod';
import { AppError } from '../domain/errors';
import { MAX_MESSAGE_PHOTO_BYTES, sniffPhotoType } from '../domain/messages';
import { apiClient } from './api-client';
import { flushPortalOutbox, pendingPortalWrites, queuePortalWrite, type FlushResult, type OutboxItem } from './portal-outbox';
import { currentWorkspace, type Workspace } from './workspace';

/**
 * The patient's messages with the care team (server/portal/messages-routes.ts):
 * read from the server when it can be reached and kept sealed on the device
 * for the times it cannot; what the patient writes waits in the portal
 * outbox (portal-outbox.ts) until it is sent, shown as waiting meanwhile.
 */
const photoSchema = z.object({ id: z.string(), contentType: z.string(), size: z.number() }).nullable();
const messageSchema = z.object({
  id: z.string(),
  text: z.string(),
  fromClinic: z.boolean(),
  mine: z.boolean(),
  sentBy: z.string(),
  sentAt: z.string(),
  photo: photoSchema,
  readByClinic: z.boolean().nullable(),
  readByPatient: z.boolean().nullable()
});
const threadSchema = z.object({ id: z.string(), topic: z.string(), startedAt: z.string(), messages: z.array(messageSchema) });
export const messagesViewSchema = z.object({ threads: z.array(threadSchema), generatedAt: z.string() });
export type MessagesView = z.infer<typeof messagesViewSchema>;
export type PortalThread = z.infer<typeof threadSchema>;
export type PortalMessage = z.infer<typeof messageSchema>;

/** Outbox kinds of this screen. */
export const SEND_KIND = 'messages';
export const READ_KIND = 'messages-read';

const path = (patientId: string) => `/api/portal/records/${encodeURIComponent(patientId)}/messages`;
const cacheKey = (patientId: string) => `portal:messages:${patientId}`;

export interface LoadedMessages {
  view: MessagesView;
  offline: boolean;
}

export async function loadMessages(patientId: string, ws: Workspace = currentWorkspace()): Promise<LoadedMessages> {
  try {
    const view = messagesViewSchema.parse(await apiClient.request<unknown>(path(patientId)));
    await ws.vault.meta.setSealed(cacheKey(patientId), view);
    return { view, offline: false };
  } catch (err) {
    if (err instanceof AppError && (err.code === 'forbidden' || err.code === 'not-found')) {
      await ws.vault.meta.setSealed(cacheKey(patientId), null);
      throw err;
    }
    if (!(err instanceof AppError && err.code === 'unavailable')) throw err;
    const kept = await ws.vault.meta.getSealed(cacheKey(patientId), z.union([messagesViewSchema, z.null()]), 'your messages');
    return { view: kept ?? { threads: [], generatedAt: '' }, offline: true };
  }
}

/** A photo ready to send: its bytes as base64, checked the way the server checks them. */
export interface PreparedPhoto {
  data: string;
  size: number;
  contentType: 'image/jpeg' | 'image/png';
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Longest side of a photo made smaller to fit the limit. */
const MAX_SIDE = 1600;

async function shrink(file: Blob): Promise<Uint8Array | null> {
  if (typeof createImageBitmap !== 'function') return null;
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85));
    return blob ? new Uint8Array(await blob.arrayBuffer()) : null;
  } catch {
    return null;
  }
}

/**
 * Reads a chosen photo: a JPEG or PNG within the limit is sent as it is;
 * a larger one, or another picture type the browser can open, is made
 * smaller as a JPEG first. Anything else is refused with the reason.
 */
export async function preparePhoto(file: Blob): Promise<PreparedPhoto> {
  let bytes: Uint8Array = new Uint8Array(await file.arrayBuffer());
  let type = sniffPhotoType(bytes);
  if (!type || bytes.length > MAX_MESSAGE_PHOTO_BYTES) {
    const smaller = await shrink(file);
    if (!smaller) throw new AppError('invalid', type ? `Photos up to ${MAX_MESSAGE_PHOTO_BYTES / (1024 * 1024)} MB can be sent.` : 'Only JPEG or PNG photos can be sent.');
    bytes = smaller;
    type = sniffPhotoType(bytes);
  }
  if (!type) throw new AppError('invalid', 'Only JPEG or PNG photos can be sent.');
  if (bytes.length > MAX_MESSAGE_PHOTO_BYTES) throw new AppError('invalid', `Photos up to ${MAX_MESSAGE_PHOTO_BYTES / (1024 * 1024)} MB can be sent.`);
  return { data: toBase64(bytes), size: bytes.length, contentType: type };
}

/** Queues a new conversation or a reply, then tries to send what waits. */
export async function sendMessage(
  patientId: string,
  input: { topic?: string; threadId?: string; text: string; photo?: PreparedPhoto | null },
  ws: Pick<Workspace, 'vault'> = currentWorkspace()
): Promise<{ queued: OutboxItem; flush: FlushResult }> {
  const body: Record<string, unknown> = { text: input.text };
  if (input.threadId) body.threadId = input.threadId;
  else body.topic = input.topic ?? '';
  if (input.photo) body.photo = { data: input.photo.data };
  const queued = await queuePortalWrite({ kind: SEND_KIND, patientId, path: path(patientId), body }, ws);
  return { queued, flush: await flushPortalOutbox(ws) };
}

/** Tells the clinic the patient opened a thread (queued like a message when offline). */
export async function markThreadRead(patientId: string, threadId: string, ws: Pick<Workspace, 'vault'> = currentWorkspace()): Promise<FlushResult> {
  const waiting = await pendingPortalWrites({ kind: READ_KIND, patientId }, ws);
  if (!waiting.some((i) => i.body.threadId === threadId && !i.refused)) await queuePortalWrite({ kind: READ_KIND, patientId, path: `${path(patientId)}/read`, body: { threadId } }, ws);
  return flushPortalOutbox(ws);
}

/** The messages still waiting (or refused) for this record, oldest first. */
export function waitingMessages(patientId: string, ws: Pick<Workspace, 'vault'> = currentWorkspace()): Promise<OutboxItem[]> {
  return pendingPortalWrites({ kind: SEND_KIND, patientId }, ws);
}

/** The address of a message's photo (the browser sends the session cookie with it). */
export function photoPath(patientId: string, photoId: string): string {
  return `${path(patientId)}/photos/${encodeURIComponent(photoId)}`;
}
