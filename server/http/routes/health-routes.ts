import { sendJson } from '../errors';
import type { Route } from '../context';

export interface ConfigInfo {
  demo: () => boolean;
  clinicName: () => string | null;
  /** The idle lock before sign-in: the one clinic's setting, else the server's default. */
  idleLockMinutes: () => number;
  videoConfigured: boolean;
  version: string;
}

/** Liveness probe and the public settings the app needs before anyone signs in. */
export function healthRoutes(config: ConfigInfo): Route[] {
  return [
    { method: 'GET', path: '/healthz', handler: ({ res }) => sendJson(res, 200, { ok: true }) },
    {
      method: 'GET',
      path: '/api/config',
      handler: ({ res }) =>
        sendJson(res, 200, {
          demo: config.demo(),
          clinicName: config.clinicName(),
          idleLockMinutes: config.idleLockMinutes(),
          video: { configured: config.videoConfigured },
          version: config.version
        })
    }
  ];
}
