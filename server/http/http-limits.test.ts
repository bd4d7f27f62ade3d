import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { docName } from '../../src/lib/domain/doc-names';
import { cdsRequest } from '../../bench/cds-checks.bench';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from './test-app';

/**
 * The server's own limits, tested with raw sockets on loopback: a client
 * that sends its headers a byte at a time, a body that stops or trickles
 * forever, more connections than the cap; and the health probe still
 * answering while clients flood the drug-check service.
 */

interface RawResult {
  /** Everything the server wrote before it closed the socket. */
  text: string;
}

/** Opens a socket and hands it to `drive`; resolves with what the server wrote once it closed the connection. */
function raw(port: number, drive: (socket: net.Socket) => void): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.on('close', () => resolve({ text }));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve({ text }) : reject(err)));
    socket.on('connect', () => drive(socket));
  });
}

/** Writes `chunk` every `everyMs` until the socket closes. */
function trickle(socket: net.Socket, chunk: string, everyMs: number): void {
  const timer = setInterval(() => {
    if (socket.destroyed || !socket.writable) clearInterval(timer);
    else socket.write(chunk);
  }, everyMs);
  socket.on('close', () => clearInterval(timer));
}

describe('timeouts', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ httpLimits: { headersTimeoutMs: 400, requestTimeoutMs: 1_500, bodyIdleTimeoutMs: 400, keepAliveTimeoutMs: 300 } });
  });
  afterAll(async () => {
    await app.stop();
  });

  it('answers a client that sends its headers at once (positive control)', async () => {
    const { text } = await raw(app.port, (s) => s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
    expect(text).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(text).toContain('{"ok":true}');
  });

  it('cuts off a client that sends its headers a line at a time (slowloris) with 408', async () => {
    const { text } = await raw(app.port, (s) => {
      s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      trickle(s, 'X-Slow: a\r\n', 50);
    });
    expect(text).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
    expect(text).not.toContain('"ok"');
  });

  it('abandons a body that stops arriving with 408 and closes the connection', async () => {
    const body = '{"username":"some';
    const { text } = await raw(app.port, (s) =>
      s.write(`POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n${body}`)
    );
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text.toLowerCase()).toContain('connection: close');
    expect(text).toContain('"code":"timeout"');
  });

  it('cuts off a body that trickles in for longer than the whole-request timeout', async () => {
    const { text } = await raw(app.port, (s) => {
      s.write('POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{"username":"');
      trickle(s, 'a', 100);
    });
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes an idle keep-alive connection after the first answer', async () => {
    const { text } = await raw(app.port, (s) => s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    // One answer, then the server closed the socket it had kept alive.
    expect(text.match(/HTTP\/1\.1 200/g)).toHaveLength(1);
  });

  it('leaves an upgraded websocket open past the request timeouts', async () => {
    await addClinic(app, 'WS Clinic', [{ username: 'ws.doc', roles: ['clinician'] }]);
    const cookie = await sessionCookieFor(app.url, 'ws.doc');
    const patientId = crypto.randomUUID();
    const ws = new WebSocket(`${app.url.replace(/^http/, 'ws')}/sync/${docName('chart', patientId)}`, { headers: { cookie } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    // Outlive the header, body and whole-request limits, then prove the socket still carries messages both ways.
    await new Promise((r) => setTimeout(r, 1_800));
    expect(ws.readyState).toBe(WebSocket.OPEN);
    const pong = new Promise<void>((resolve) => ws.once('pong', () => resolve()));
    ws.ping();
    await pong;
    ws.close();
  });
});

describe('connection cap', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ httpLimits: { maxConnections: 2 } });
  });
  afterAll(async () => {
    await app.stop();
  });

  it('closes connections past the cap at once, and serves again when one is freed', async () => {
    const open = (): Promise<net.Socket> =>
      new Promise((resolve, reject) => {
        const s = net.connect(app.port, '127.0.0.1', () => resolve(s));
        s.on('error', reject);
      });
    const first = await open();
    const second = await open();
    // Both held sockets are served: the cap does not refuse connections below it.
    const served = new Promise<string>((resolve) => first.once('data', (d) => resolve(String(d))));
    first.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(await served).toMatch(/^HTTP\/1\.1 200/);

    const refused = await raw(app.port, (s) => s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
    expect(refused.text).toBe('');

    second.destroy();
    first.destroy();
    await new Promise<void>((resolve) => first.once('close', () => resolve()));
    const again = await raw(app.port, (s) => s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
    expect(again.text).toMatch(/^HTTP\/1\.1 200/);
  });
});

describe('health probe during a drug-check flood', () => {
  let app: TestApp;
  let cookie: string;

  beforeAll(async () => {
    app = await startTestApp();
    await addClinic(app, 'Flood Clinic', [{ username: 'flood.doc', roles: ['clinician'] }]);
    cookie = await sessionCookieFor(app.url, 'flood.doc');
  });
  afterAll(async () => {
    await app.stop();
  });

  it('keeps answering /healthz while clients send the largest drug-check requests back to back', async () => {
    // The worst case the limits allow: a warfarin order against 995 NSAIDs (with the patient and three allergies, 1,000 resources), every one a hit.
    const body = JSON.stringify(cdsRequest(995, 'nsaids'));
    const statuses: number[] = [];
    let inFlight = 0;
    let done = false;
    const worker = async () => {
      while (!done) {
        inFlight++;
        try {
          const res = await fetch(`${app.url}/cds-services/outpost-drug-checks`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body });
          await res.arrayBuffer();
          statuses.push(res.status);
        } catch {
          statuses.push(0);
        } finally {
          inFlight--;
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    const probes: { status: number; floodInFlight: number }[] = [];
    while (probes.length < 3) {
      const res = await fetch(`${app.url}/healthz`);
      probes.push({ status: res.status, floodInFlight: inFlight });
      await res.arrayBuffer();
    }
    done = true;
    await Promise.all(workers);

    expect(probes.map((p) => p.status)).toEqual([200, 200, 200]);
    // Each probe was answered while drug checks were still being sent.
    expect(probes.every((p) => p.floodInFlight > 0)).toBe(true);
    // The flood was served (some checks ran) or shed with 503, never failed otherwise.
    expect(statuses.some((s) => s === 200)).toBe(true);
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
  });
});
