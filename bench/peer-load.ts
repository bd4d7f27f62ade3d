/**
 * Load generator of the peer sync bench (peer-sync.bench.ts), run in a
 * process of its own. C clients over D documents (C/D clients share each
 * document); after every document holds a visit note, each client types a
 * 50-character insert at the end of the note every I ms for S seconds, as
 * the app does. The same edit goes to every server, so the write policy of
 * Outpost accepts it (a root it does not know would be refused).
 *
 * A delivery is one client receiving another client's edit. Fan-out
 * latency is the receiving client's clock minus the sender's (one process,
 * one clock): the sender notes the time against the edit's first struct id
 * (client id, clock), the receiver reads the ids its update starts at.
 *
 * Clients, Yjs and the providers (y-websocket 2.1's WebsocketProvider for
 * the reference server and Outpost, which speak the same protocol;
 * HocuspocusProvider for Hocuspocus) come from the peer bench's own
 * node_modules, so one Yjs copy serves both ends of this process.
 *
 * usage: node --import tsx bench/peer-load.ts '<json: LoadConfig>'   (prints one JSON line)
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

export interface LoadConfig {
  peersDir: string;
  proto: 'ywebsocket' | 'hocuspocus';
  url: string;
  cookie?: string;
  docNames: string[];
  clients: number;
  seconds: number;
  intervalMs: number;
}

export interface LoadResult {
  proto: string;
  clients: number;
  docs: number;
  connectS: number;
  sent: number;
  received: number;
  expected: number;
  deliveredPerS: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

const INSERT = 'Patient reports mild headache since this morning..'; // 50 characters
const VISIT = 'bench-visit';

/* eslint-disable @typescript-eslint/no-explicit-any */
async function main(cfg: LoadConfig): Promise<LoadResult> {
  const req = createRequire(path.join(cfg.peersDir, 'package.json'));
  const Y = req('yjs');
  const WebSocket = req('ws');
  const cookie = cfg.cookie;
  class Sock extends WebSocket {
    constructor(u: string, p?: string | string[]) {
      super(u, p, { perMessageDeflate: false, ...(cookie ? { headers: { cookie } } : {}) });
    }
  }
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let measuring = false;
  let sent = 0;
  let received = 0;

  const note = (doc: any) => doc.getMap('encounters').get(VISIT)?.get('note')?.get('subjective') ?? null;
  const type = (doc: any) => {
    const key = `${doc.clientID}:${Y.getState(doc.store, doc.clientID)}`;
    doc.transact(() => {
      const visits = doc.getMap('encounters');
      if (!visits.get(VISIT)) {
        const visit = new Y.Map();
        visits.set(VISIT, visit);
        const n = new Y.Map();
        visit.set('note', n);
        n.set('subjective', new Y.Text());
      }
      const t = note(doc);
      t.insert(t.length, INSERT);
    }, 'load');
    return key;
  };

  interface Client {
    doc: any;
    provider: any;
  }
  async function connect(name: string): Promise<Client> {
    const doc = new Y.Doc();
    let provider: any;
    if (cfg.proto === 'hocuspocus') {
      const { HocuspocusProvider, HocuspocusProviderWebsocket } = req('@hocuspocus/provider');
      const websocketProvider = new HocuspocusProviderWebsocket({ url: cfg.url, WebSocketPolyfill: Sock, quiet: true });
      provider = new HocuspocusProvider({ websocketProvider, name, document: doc });
      provider.attach?.();
      await new Promise<void>((resolve) => provider.on('synced', () => resolve()));
    } else {
      const { WebsocketProvider } = req('y-websocket');
      provider = new WebsocketProvider(cfg.url, name, doc, { WebSocketPolyfill: Sock, disableBc: true });
      await new Promise<void>((resolve) => provider.on('sync', (s: boolean) => s && resolve()));
    }
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === 'load' || !measuring) return;
      const now = performance.now();
      for (const [client, clock] of Y.parseUpdateMeta(update).from as Map<number, number>) {
        const t = sentAt.get(`${client}:${clock}`);
        if (t === undefined) continue;
        latencies.push(now - t);
        received++;
      }
    });
    return { doc, provider };
  }

  const t0 = performance.now();
  const clients: Client[] = [];
  for (let i = 0; i < cfg.clients; i += 20) {
    const batch = Array.from({ length: Math.min(20, cfg.clients - i) }, (_, k) => connect(cfg.docNames[(i + k) % cfg.docNames.length]));
    clients.push(...(await Promise.all(batch)));
  }
  const connectS = (performance.now() - t0) / 1000;

  // One client per document creates the visit note; everyone waits until every client holds it, so no two create it.
  for (let d = 0; d < Math.min(cfg.docNames.length, clients.length); d++) if (!note(clients[d].doc)) type(clients[d].doc);
  const until = performance.now() + 30_000;
  while (clients.some((c) => !note(c.doc))) {
    if (performance.now() > until) throw new Error(`${clients.filter((c) => !note(c.doc)).length} client(s) never received the visit note`);
    await new Promise((r) => setTimeout(r, 50));
  }

  measuring = true;
  const end = performance.now() + cfg.seconds * 1000;
  for (const c of clients) {
    const tick = () => {
      if (performance.now() > end) return;
      const key = type(c.doc);
      sentAt.set(key, performance.now());
      sent++;
      setTimeout(tick, cfg.intervalMs);
    };
    setTimeout(tick, Math.random() * cfg.intervalMs);
  }
  await new Promise((r) => setTimeout(r, cfg.seconds * 1000 + 3000));
  measuring = false;
  for (const c of clients) c.provider.destroy();

  latencies.sort((a, b) => a - b);
  const q = (p: number) => (latencies.length ? +latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(2) : null);
  const perDoc = cfg.clients / cfg.docNames.length;
  return {
    proto: cfg.proto,
    clients: cfg.clients,
    docs: cfg.docNames.length,
    connectS: +connectS.toFixed(2),
    sent,
    received,
    expected: Math.round(sent * (perDoc - 1)),
    deliveredPerS: +(received / cfg.seconds).toFixed(1),
    p50: q(0.5),
    p99: q(0.99),
    max: q(1)
  };
}

main(JSON.parse(process.argv[2] ?? '{}') as LoadConfig).then(
  (r) => {
    console.log(JSON.stringify(r));
    process.exit(0);
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
);
