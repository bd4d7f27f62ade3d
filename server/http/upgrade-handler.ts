import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { parseSyncTarget, refuseUpgrade, SYNC_PATH_PREFIX } from '../sync/upgrade-request';
import type { Audit, SyncService } from '../types';
import { clientIp } from './context';
import { checkOrigin } from './origin-policy';

export interface UpgradeDeps {
  sync: Pick<SyncService, 'handleUpgrade'>;
  audit: Audit;
  /** Origins allowed besides the request's own (OUTPOST_ALLOWED_ORIGINS). */
  allowedOrigins: readonly string[];
  trustProxy: boolean;
}

/**
 * The server's `upgrade` event: `/sync/*` goes to the sync service once the
 * page that opens it is ours (see origin-policy.ts); a page of another site
 * gets 403 before the session cookie is even read, and is audited with the
 * origin it came from. Any other path is 404.
 */
export function createUpgradeHandler(deps: UpgradeDeps): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    const pathname = (req.url ?? '').split('?')[0];
    if (!pathname.startsWith(SYNC_PATH_PREFIX)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const origin = req.headers.origin;
    const decision = checkOrigin(origin, req.headers.host, deps.allowedOrigins);
    if (!decision.allowed) {
      socket.on('error', () => socket.destroy());
      deps.audit.record({
        action: 'authz.denied',
        outcome: 'failure',
        userId: null,
        target: parseSyncTarget(req.url)?.name ?? null,
        ip: clientIp(req, deps.trustProxy),
        detail: { reason: 'origin', origin: String(origin).slice(0, 200), via: 'websocket' }
      });
      refuseUpgrade(socket, 403, 'forbidden');
      return;
    }
    deps.sync.handleUpgrade(req, socket, head);
  };
}
