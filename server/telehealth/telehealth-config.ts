import { AppError } from '../../src/lib/domain/errors';

/**
 * LiveKit settings from the environment (LIVEKIT_URL, LIVEKIT_API_KEY,
 * LIVEKIT_API_SECRET). All three or nothing: a half-configured server would
 * mint tokens nobody can use, so it counts as not configured and the app
 * says so plainly while everything else keeps working.
 */
export type TelehealthConfig =
  | {
      configured: true;
      url: string;
      apiKey: string;
      apiSecret: string;
      /**
       * Lets the clinician's console run its call over livekit-client's own
       * simulated room when the page also asks for it (`?simulate-call=1`),
       * for end-to-end tests on machines where no LiveKit server can run.
       * Only code can set it (tests pass it to createApp); nothing in the
       * environment does, so a deployed server never allows it.
       */
      callSimulation?: boolean;
    }
  | { configured: false };

export function telehealthConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TelehealthConfig {
  const url = env.LIVEKIT_URL?.trim();
  const apiKey = env.LIVEKIT_API_KEY?.trim();
  const apiSecret = env.LIVEKIT_API_SECRET?.trim();
  if (!url || !apiKey || !apiSecret) return { configured: false };
  return { configured: true, url, apiKey, apiSecret };
}

/** The 503 every video endpoint answers when LiveKit is not configured. */
export function videoNotConfigured(): AppError {
  return new AppError('unavailable', 'Video is not configured on this server. Ask your administrator to set up video visits.');
}
