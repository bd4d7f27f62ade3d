import { z } from 'zod';

/**
 * Sending a message (a video visit's join link) to a patient by SMS or
 * e-mail, through whichever provider the clinic configures. The rest of
 * the server sees only this interface; which provider runs is decided once,
 * from the environment (messaging-config.ts).
 *
 * Recipients are validated here, so every provider gets a well-formed
 * address: a phone number in E.164 form (ITU-T E.164: "+", country code,
 * at most 15 digits), an e-mail address as zod's e-mail check admits it.
 */

export const CHANNELS = ['sms', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface OutboundMessage {
  channel: Channel;
  /** Normalised: E.164 for SMS, lower-cased for e-mail. */
  to: string;
  subject: string;
  body: string;
  /** The join link this message carries, for the provider's own records (an id, never the secret). */
  linkId: string;
}

export interface MessageProvider {
  /** Named in the audit log and the log line: `log`, `webhook`. */
  readonly name: string;
  send(message: OutboundMessage): Promise<void>;
}

/** Thrown by a provider that could not deliver; the message is safe to show (no recipient, no link). */
export class DeliveryError extends Error {}

const E164 = /^\+[1-9]\d{7,14}$/;

/** A phone number as typed ("+255 712-345 678") in E.164, or null when it is not one. */
export function normalisePhone(typed: string): string | null {
  const compact = typed.replace(/[\s().-]/g, '');
  return E164.test(compact) ? compact : null;
}

export function normaliseEmail(typed: string): string | null {
  const value = typed.trim().toLowerCase();
  return value.length <= 200 && z.email().safeParse(value).success ? value : null;
}

/** The recipient as logs and the audit may show it: enough to tell two apart, not enough to reach anyone. */
export function maskRecipient(channel: Channel, to: string): string {
  if (channel === 'sms') return `${'•'.repeat(Math.max(0, to.length - 2))}${to.slice(-2)}`;
  const [local, domain] = to.split('@');
  const tld = domain?.split('.').pop() ?? '';
  return `${local.slice(0, 1)}•••@•••.${tld}`;
}
