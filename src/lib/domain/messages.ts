import { z } from 'zod';

/**
 * Secure messages between a patient (or someone who acts for them) and the
 * care team, kept as part of the record in the patient's
 * `messages:<patientId>` document (chart/messages-doc.ts): threads by topic,
 * each message written once and never edited or deleted.
 *
 * A patient's message reaches the document only through the portal route
 * (server/portal/messages-routes.ts), which writes it for the patient's
 * account; staff (the front desk and clinical roles) add their replies from
 * their devices, offline too, and the server's write policy
 * (server/policy/rules/messages.ts) lets a staff member add only a reply
 * signed with their own id, and set the "read by the clinic" receipt once.
 */

export const MESSAGE_LIMITS = { topic: 120, text: 4000 } as const;

/** Photos a patient may attach: JPEG or PNG (what phones take and screenshots are), up to 3 MiB. */
export const MESSAGE_PHOTO_TYPES = ['image/jpeg', 'image/png'] as const;
export type MessagePhotoType = (typeof MESSAGE_PHOTO_TYPES)[number];
export const MAX_MESSAGE_PHOTO_BYTES = 3 * 1024 * 1024;

/**
 * The type of a photo from its first bytes (JPEG: FF D8 FF, ISO/IEC
 * 10918-1; PNG: the 8-byte signature of RFC 2083 §3.1), or null for
 * anything else. What the sender says the file is counts for nothing.
 */
export function sniffPhotoType(bytes: Uint8Array): MessagePhotoType | null {
  const at = (sig: readonly number[]) => bytes.length >= sig.length && sig.every((b, i) => bytes[i] === b);
  if (at([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (at([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  return null;
}

export const AUTHOR_KINDS = ['patient', 'staff'] as const;
export type MessageAuthorKind = (typeof AUTHOR_KINDS)[number];

const text = z
  .string()
  .trim()
  .min(1, 'Write your message')
  .max(MESSAGE_LIMITS.text, `A message is at most ${MESSAGE_LIMITS.text} characters`);
const topic = z
  .string()
  .trim()
  .min(1, 'Say what the message is about')
  .max(MESSAGE_LIMITS.topic, `The topic is at most ${MESSAGE_LIMITS.topic} characters`);

export const messageTextSchema = text;
export const messageTopicSchema = topic;

export interface MessagePhoto {
  id: string;
  contentType: MessagePhotoType;
  size: number;
}

export interface Message {
  id: string;
  threadId: string;
  text: string;
  authorKind: MessageAuthorKind;
  sentAt: string;
  /** The name shown with the message (the staff member's, or the patient account's). */
  sentBy: string;
  sentById: string;
  /** A patient's message: sent by the patient themselves, or by someone who acts for them (a proxy account); '' for staff. */
  sentByRelation: 'self' | 'proxy' | '';
  photo: MessagePhoto | null;
  /** When someone at the clinic first opened it (a patient's message); '' until then. */
  clinicReadAt: string;
  clinicReadBy: string;
  /** When the patient first opened it (a staff reply); '' until then. */
  patientReadAt: string;
}

export interface Thread {
  id: string;
  topic: string;
  startedAt: string;
  startedByKind: MessageAuthorKind;
  /** Oldest first. */
  messages: Message[];
}

/** When the thread last moved (its newest message, else its start). */
export function lastActivity(t: Thread): string {
  return t.messages.at(-1)?.sentAt ?? t.startedAt;
}

/** Newest activity first. */
export function sortThreads<T extends Thread>(threads: readonly T[]): T[] {
  return [...threads].sort((a, b) => lastActivity(b).localeCompare(lastActivity(a)) || a.id.localeCompare(b.id));
}

/** Messages the given side has not opened yet (the other side's, with no receipt). */
export function unreadFor(t: Pick<Thread, 'messages'>, reader: MessageAuthorKind): number {
  return t.messages.filter((m) => (reader === 'patient' ? m.authorKind === 'staff' && !m.patientReadAt : m.authorKind === 'patient' && !m.clinicReadAt)).length;
}

/** Has the clinic opened every message the patient sent in this thread? */
export function readByClinic(t: Pick<Thread, 'messages'>): boolean {
  const sent = t.messages.filter((m) => m.authorKind === 'patient');
  return sent.length > 0 && sent.every((m) => !!m.clinicReadAt);
}
