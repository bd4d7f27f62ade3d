import type { Logger } from '../http/logger';
import { maskRecipient, type MessageProvider } from './message-provider';

/**
 * The default provider: sends nothing, records that a message would have
 * gone (channel, masked recipient, the link's id) so a clinic without an
 * SMS or e-mail service sees the button work and staff send the link by
 * their usual channel. Never logs the text (it carries the link's secret),
 * the patient's name, phone or address.
 */
export function createLogProvider(logger: Logger): MessageProvider {
  return {
    name: 'log',
    async send(message) {
      logger.info(`message logged, not sent (log-only provider): channel=${message.channel} to=${maskRecipient(message.channel, message.to)} link=${message.linkId}`);
    }
  };
}
