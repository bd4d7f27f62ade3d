import { DeliveryError, type MessageProvider } from './message-provider';

/**
 * A real provider: each message is POSTed as JSON to an HTTPS endpoint the
 * clinic runs or rents (an SMS gateway or mail relay with a webhook API,
 * e.g. one in front of Africa's Talking, Twilio or an SMTP relay):
 * `{ channel, to, subject, body, linkId }` with `Authorization: Bearer <token>`.
 * Any 2xx is delivered; anything else, or no answer within the timeout, is a
 * DeliveryError. Plain HTTP is refused except to this machine (a relay on
 * loopback, and the tests' listener).
 */
export interface WebhookProviderConfig {
  url: string;
  token: string;
  timeoutMs?: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function assertWebhookUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('OUTPOST_MESSAGE_WEBHOOK_URL is not a URL');
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname))) {
    throw new Error('OUTPOST_MESSAGE_WEBHOOK_URL must be https (plain http only to this machine)');
  }
  return parsed;
}

export function createWebhookProvider(config: WebhookProviderConfig): MessageProvider {
  const url = assertWebhookUrl(config.url);
  if (config.token.length < 16) throw new Error('OUTPOST_MESSAGE_WEBHOOK_TOKEN must be at least 16 characters');
  return {
    name: 'webhook',
    async send(message) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${config.token}` },
          body: JSON.stringify({ channel: message.channel, to: message.to, subject: message.subject, body: message.body, linkId: message.linkId }),
          signal: AbortSignal.timeout(config.timeoutMs ?? 10_000),
          redirect: 'error'
        });
      } catch {
        throw new DeliveryError('The message service did not answer. Try again, or send the link another way.');
      }
      await res.body?.cancel();
      if (!res.ok) throw new DeliveryError(`The message service refused the message (status ${res.status}). Try again, or send the link another way.`);
    }
  };
}
