import type { Logger } from '../http/logger';
import { createLogProvider } from './log-provider';
import type { MessageProvider } from './message-provider';
import { createWebhookProvider } from './webhook-provider';

/**
 * Which provider sends join links, from the environment:
 * - `OUTPOST_MESSAGE_PROVIDER=log` (default): nothing is sent; a log line
 *   records channel, masked recipient and link id.
 * - `OUTPOST_MESSAGE_PROVIDER=webhook` with `OUTPOST_MESSAGE_WEBHOOK_URL`
 *   (https) and `OUTPOST_MESSAGE_WEBHOOK_TOKEN` (≥ 16 characters): each
 *   message is POSTed there (webhook-provider.ts).
 * A misconfiguration stops the server at start, naming the variable.
 */
export function messageProviderFromEnv(env: NodeJS.ProcessEnv, logger: Logger): MessageProvider {
  const kind = env.OUTPOST_MESSAGE_PROVIDER ?? 'log';
  if (kind === 'log') return createLogProvider(logger);
  if (kind === 'webhook') return createWebhookProvider({ url: env.OUTPOST_MESSAGE_WEBHOOK_URL ?? '', token: env.OUTPOST_MESSAGE_WEBHOOK_TOKEN ?? '' });
  throw new Error('OUTPOST_MESSAGE_PROVIDER must be log or webhook');
}
