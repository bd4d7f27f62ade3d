import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/** One request the stand-in received: a websocket upgrade or a plain http request. */
export interface StandInRequest {
  kind: 'upgrade' | 'http';
  method: string;
  path: string;
  query: URLSearchParams;
  /** The page that sent it (browsers send Origin on websocket upgrades and on cross-origin fetches). */
  origin: string | undefined;
}

/**
 * A stand-in for a LiveKit server: a real websocket listener (the `ws`
 * package) on 127.0.0.1 with its own port, so it is another origin than the
 * app, as LiveKit always is. A real LiveKit server cannot run on these
 * machines, so this one only records what reaches it: every signalling
 * upgrade (`/rtc…?access_token=…`) and every http request (livekit-client
 * asks `<rtc path>/validate` after a failed upgrade). It then refuses the
 * call as a server that is down would (503), so the app shows its "could
 * not connect" state. A request the browser blocks (the page's CSP) never
 * arrives here, unlike a refused one, which a listener-less address cannot
 * tell apart.
 */
export class LiveKitStandIn {
  readonly received: StandInRequest[] = [];
  private readonly server: http.Server;
  private readonly wss: WebSocketServer;

  constructor() {
    this.server = http.createServer((req, res) => {
      this.record('http', req);
      // LiveKit answers cross-origin requests with CORS headers; the stand-in does likewise, then says it is unavailable.
      res.writeHead(503, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'text/plain' });
      res.end('stand-in: no LiveKit server here');
    });
    // Recorded before the websocket server looks at it, so even an upgrade it would turn down for its headers is counted.
    this.server.on('upgrade', (req) => this.record('upgrade', req));
    this.wss = new WebSocketServer({
      server: this.server,
      // Every call is refused as by a server that is down: the upgrade is answered 503 and the socket closed.
      verifyClient: (_info, done) => done(false, 503, 'stand-in: no LiveKit server here')
    });
  }

  private record(kind: StandInRequest['kind'], req: http.IncomingMessage): void {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    this.received.push({ kind, method: req.method ?? '', path: url.pathname, query: url.searchParams, origin: req.headers.origin });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** The LIVEKIT_URL that points at this stand-in. */
  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Signalling upgrades sent from the page at `origin`. */
  upgradesFrom(origin: string): StandInRequest[] {
    return this.received.filter((r) => r.kind === 'upgrade' && r.origin === origin);
  }

  async close(): Promise<void> {
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
