import type { Duplex } from 'node:stream';
import { parseDocName, type DocName } from '../../src/lib/domain/doc-names';

/** The path prefix the platform routes to the sync server. */
export const SYNC_PATH_PREFIX = '/sync/';

/**
 * The document a `/sync/<docName>` upgrade asks for. The stock client appends
 * the name unencoded (`/sync/chart:<uuid>`); a percent-encoded name works too.
 * Query parameters are ignored. Null for anything that is not a document name.
 */
export function parseSyncTarget(url: string | undefined): { name: string; parsed: DocName } | null {
  if (!url) return null;
  const path = url.split('?', 1)[0];
  if (!path.startsWith(SYNC_PATH_PREFIX)) return null;
  let name: string;
  try {
    name = decodeURIComponent(path.slice(SYNC_PATH_PREFIX.length));
  } catch {
    return null;
  }
  const parsed = parseDocName(name);
  return parsed ? { name, parsed } : null;
}

const REASONS = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  410: 'Gone',
  500: 'Internal Server Error',
  503: 'Service Unavailable'
} as const;

/**
 * Answers an upgrade with a plain HTTP error and closes the socket. Refusing
 * before the handshake means no document byte ever reaches a caller that may
 * not read it, and browsers surface the status.
 */
export function refuseUpgrade(socket: Duplex, status: keyof typeof REASONS, code: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code, message: REASONS[status] } });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body
  );
}
