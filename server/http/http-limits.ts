import type http from 'node:http';

/**
 * Limits that keep one client, or a handful, from holding the server: a
 * slowloris sending headers a byte at a time, a body that stops halfway, a
 * pile of idle keep-alive sockets, or more connections than the process can
 * serve. Node's own defaults are generous (headers 60 s, whole request 5 min,
 * checked only every 30 s, no connection cap); these are set for a clinic
 * server that talks to browsers on its LAN and to a few FHIR clients.
 *
 * Websockets are not affected once upgraded: the request timers stop at the
 * upgrade, and the sync server keeps its own liveness checks.
 */
export interface HttpLimits {
  /** All request headers must arrive within this time of the first byte (slowloris), else 408 and the socket is closed. */
  headersTimeoutMs: number;
  /** The whole request, headers and body, must arrive within this time, else 408 and the socket is closed. */
  requestTimeoutMs: number;
  /** A body that sends nothing for this long is abandoned with 408 (a stalled upload). */
  bodyIdleTimeoutMs: number;
  /** An idle keep-alive socket is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Open sockets (HTTP and websockets together); past it new connections are closed at once. */
  maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 20_000,
  // A 32 MiB FHIR bundle needs about 2 Mbit/s to arrive in time; the body idle timeout catches a stalled one much sooner.
  requestTimeoutMs: 120_000,
  bodyIdleTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_000
};

/** The `http.createServer` options that carry the limits (Node checks them on a timer; it must tick faster than the shortest limit). */
export function serverOptions(limits: HttpLimits): http.ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4)))
  };
}

/** Applies the limits that are server properties rather than constructor options. */
export function applyServerLimits(server: http.Server, limits: HttpLimits): void {
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
}

/**
 * The answer written straight to the socket when Node refuses a request
 * before any handler runs (the `clientError` event): a timeout is 408, headers
 * past Node's size cap are 431, anything else unparseable is 400.
 */
export function clientErrorResponse(err: NodeJS.ErrnoException): string {
  const [status, text] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : [400, 'Bad Request'];
  return `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
}
