/**
 * Peer sync benchmark: Outpost's /sync against the best known Yjs servers,
 * under the same load in the same run (loopback only, about a minute).
 *
 * Servers, one after the other, each in a process of its own so its CPU
 * seconds and resident memory can be read from /proc:
 * - `ywebsocket`: the y-websocket 2.1 reference server (documents in memory; no storage, no sign-in);
 * - `hocuspocus`: Hocuspocus 3.4.4 with no extensions (no storage, no sign-in);
 * - `outpost`: Outpost's server as `npm run serve` builds it (bench/peer-outpost-server.ts):
 *   every update judged by the write policy, stored durably (SQLite, WAL,
 *   synchronous FULL) before it is broadcast, audited; the clients signed
 *   in as the demo clinician, on chart documents of patients imported
 *   through POST /fhir/R4.
 * (`hocuspocus-sqlite`, Hocuspocus storing to SQLite after a 2 s debounce,
 * can be added with PEER_KINDS.)
 *
 * The reference servers and the client libraries live in the peer bench
 * folder next to the repository (../shared/bench-peers, or BENCH_PEERS_DIR)
 * with its node_modules installed (`npm ci` there); this bench runs its
 * servers.mjs and outpost-prep.mjs where they lie and drives them all with
 * its own load generator (bench/peer-load.ts). Without that folder it says
 * so and skips.
 *
 * Load (environment): PEER_CLIENTS (default 100) over PEER_DOCS (50)
 * documents, each client typing every PEER_INTERVAL_MS (500) for
 * PEER_SECONDS (10). The big runs:
 *   PEER_CLIENTS=1000 PEER_DOCS=500 PEER_INTERVAL_MS=200 PEER_SECONDS=15 npm run bench -- peer-sync   # 5 updates/s per client
 *   PEER_CLIENTS=400 PEER_DOCS=40 PEER_INTERVAL_MS=100 PEER_SECONDS=15 npm run bench -- peer-sync     # saturation
 * PEER_KINDS="ywebsocket outpost" picks servers; PEER_PROFILE=<dir> runs
 * Outpost under `node --cpu-prof` and writes the profile there.
 * PEER_BASELINE=<git ref> adds Outpost as that commit had it, run before
 * and after this checkout's (A B B A) in the same run, and prints the
 * after/before ratios.
 *
 * The load generator shares the machine's cores with the server under
 * test; absolute figures move with the machine's load, so compare the
 * ratios printed at the end, measured in one run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadConfig, LoadResult } from './peer-load';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KINDS = ['ywebsocket', 'hocuspocus', 'hocuspocus-sqlite', 'outpost'] as const;
/** `outpost@<git ref>`: Outpost's server as that commit had it (PEER_BASELINE), for before/after figures in one run. */
type Kind = (typeof KINDS)[number] | `outpost@${string}`;

export interface ServerFigures {
  server: string;
  load: LoadResult;
  /** Server CPU seconds during the load (summed over `runs` when runs are combined). */
  cpuS: number;
  runs: number;
  rssStartMiB: number;
  rssEndMiB: number;
}

const num = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number (got "${process.env[name]}")`);
  return v;
};

/** utime + stime of a process, in seconds (clock ticks of 1/100 s, Linux's USER_HZ). */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function exec(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`${path.basename(args.find((a) => /\.(ts|mjs)$/.test(a)) ?? cmd)} exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`))));
  });
}

/** Starts a server and resolves with its child process and port once it prints its ready line. */
function startServer(cmd: string, args: string[], cwd: string, ready: RegExp, port?: number): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in 120 s: ${log.slice(-300)}`));
    }, 120_000);
    const onData = (d: Buffer) => {
      log += d.toString();
      const m = ready.exec(log);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve({ child, port: port ?? Number(m[1]) });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before it was ready: ${log.slice(-300)}`));
    });
  });
}

function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function load(peersDir: string, cfg: Omit<LoadConfig, 'peersDir'>): Promise<LoadResult> {
  const out = await exec(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/peer-load.ts'), JSON.stringify({ ...cfg, peersDir })], ROOT);
  return JSON.parse(out.split('\n').pop() as string) as LoadResult;
}

async function measure(kind: Kind, peersDir: string, opts: { clients: number; docs: number; seconds: number; intervalMs: number; profileDir?: string }): Promise<ServerFigures> {
  let server: { child: ChildProcess; port: number };
  let dataDir: string | null = null;
  let docNames = Array.from({ length: opts.docs }, (_, i) => `bench-doc-${i}`);
  let cookie: string | undefined;
  let url: string;
  if (kind.startsWith('outpost')) {
    dataDir = fs.mkdtempSync(path.join(process.env.BENCH_DIR || os.tmpdir(), 'outpost-peer-'));
    const ref = kind.split('@')[1];
    const root = ref ? checkout(ref, dataDir) : ROOT;
    const prof = opts.profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.join(opts.profileDir, kind.replace(/[^\w.-]/g, '_'))] : [];
    server = await startServer(process.execPath, [...prof, '--import', 'tsx', path.join(root, 'bench/peer-outpost-server.ts'), path.join(dataDir, 'data')], root, /ready (\d+)/);
    // Signs in as the demo clinician and imports patients through POST /fhir/R4 (the peer bench's own preparation script).
    const prep = await exec(process.execPath, ['outpost-prep.mjs', `http://127.0.0.1:${server.port}`, String(opts.docs)], peersDir);
    const [c, names] = prep.split('\t');
    cookie = c;
    docNames = names.split(',');
    url = `ws://127.0.0.1:${server.port}/sync`;
  } else {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    server = await startServer(process.execPath, ['servers.mjs', kind, String(port)], peersDir, /ready/, port);
    url = `ws://127.0.0.1:${server.port}`;
  }
  const pid = server.child.pid as number;
  try {
    const rss0 = rssMiB(pid);
    const cpu0 = cpuSeconds(pid);
    const result = await load(peersDir, {
      proto: kind.startsWith('hocuspocus') ? 'hocuspocus' : 'ywebsocket',
      url,
      cookie,
      docNames,
      clients: opts.clients,
      seconds: opts.seconds,
      intervalMs: opts.intervalMs
    });
    return { server: kind, load: result, cpuS: cpuSeconds(pid) - cpu0, runs: 1, rssStartMiB: rss0, rssEndMiB: rssMiB(pid) };
  } finally {
    await stopServer(server.child);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The server's code as commit `ref` had it, under `dir`/code (git archive of
 * the folders the server reads), sharing this checkout's node_modules. The
 * launcher (this checkout's bench/peer-outpost-server.ts) imports it there.
 */
function checkout(ref: string, dir: string): string {
  const code = path.join(dir, 'code');
  fs.mkdirSync(path.join(code, 'bench'), { recursive: true });
  const tar = path.join(dir, 'code.tar');
  const git = spawnSync('git', ['-C', ROOT, 'archive', '-o', tar, ref, 'server', 'src', 'knowledge', 'fixtures', 'package.json'], { encoding: 'utf8' });
  if (git.status !== 0) throw new Error(`PEER_BASELINE: git archive ${ref} failed: ${git.stderr.trim()}`);
  const untar = spawnSync('tar', ['-xf', tar, '-C', code], { encoding: 'utf8' });
  if (untar.status !== 0) throw new Error(`PEER_BASELINE: could not unpack ${ref}: ${untar.stderr.trim()}`);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(code, 'node_modules'));
  fs.copyFileSync(path.join(ROOT, 'bench/peer-outpost-server.ts'), path.join(code, 'bench/peer-outpost-server.ts'));
  return code;
}

function line(f: ServerFigures): string {
  const l = f.load;
  const per1k = l.received ? (f.cpuS / l.received) * 1e6 : NaN;
  return (
    `${f.server.padEnd(18)} ${String(l.deliveredPerS).padStart(8)} deliveries/s (${l.received}/${l.expected})` +
    `   p50 ${String(l.p50).padStart(7)} ms   p99 ${String(l.p99).padStart(8)} ms` +
    `   CPU ${f.cpuS.toFixed(2).padStart(6)} s (${per1k.toFixed(0)} ms per 1,000 deliveries)` +
    `   RSS ${f.rssStartMiB.toFixed(0)} -> ${f.rssEndMiB.toFixed(0)} MiB`
  );
}

/** Runs of the same server together: deliveries, sends and CPU summed, latency quantiles and memory averaged. */
function combineRuns(all: ServerFigures[]): ServerFigures[] {
  const groups = new Map<string, ServerFigures[]>();
  for (const f of all) groups.set(f.server, [...(groups.get(f.server) ?? []), f]);
  return [...groups.values()].map((runs) => {
    if (runs.length === 1) return runs[0];
    const sum = (pick: (f: ServerFigures) => number) => runs.reduce((n, f) => n + pick(f), 0);
    const mean = (pick: (f: ServerFigures) => number) => sum(pick) / runs.length;
    const l = runs[0].load;
    return {
      server: runs[0].server,
      cpuS: sum((f) => f.cpuS),
      runs: runs.length,
      rssStartMiB: mean((f) => f.rssStartMiB),
      rssEndMiB: mean((f) => f.rssEndMiB),
      load: {
        ...l,
        sent: sum((f) => f.load.sent),
        received: sum((f) => f.load.received),
        expected: sum((f) => f.load.expected),
        deliveredPerS: +mean((f) => f.load.deliveredPerS).toFixed(1),
        p50: +mean((f) => f.load.p50 ?? NaN).toFixed(2),
        p99: +mean((f) => f.load.p99 ?? NaN).toFixed(2),
        max: Math.max(...runs.map((f) => f.load.max ?? NaN))
      }
    };
  });
}

export function peersDirectory(): string {
  return path.resolve(process.env.BENCH_PEERS_DIR || path.join(ROOT, '..', 'shared', 'bench-peers'));
}

export async function run_(): Promise<ServerFigures[]> {
  const peersDir = peersDirectory();
  for (const need of ['servers.mjs', 'outpost-prep.mjs', 'node_modules/y-websocket/package.json', 'node_modules/@hocuspocus/server/package.json']) {
    if (!fs.existsSync(path.join(peersDir, need))) {
      console.log(`skipped: the peer bench is not installed (${path.join(peersDir, need)} is missing; put bench-peers there and run npm ci in it, or set BENCH_PEERS_DIR)`);
      return [];
    }
  }
  const opts = {
    clients: num('PEER_CLIENTS', 100),
    docs: num('PEER_DOCS', 50),
    seconds: num('PEER_SECONDS', 10),
    intervalMs: num('PEER_INTERVAL_MS', 500),
    profileDir: process.env.PEER_PROFILE ? path.resolve(process.env.PEER_PROFILE) : undefined
  };
  const kinds = (process.env.PEER_KINDS ?? 'ywebsocket hocuspocus outpost').split(/[\s,]+/).filter(Boolean) as Kind[];
  // Before/after in one run: the baseline commit and this checkout alternate (A B B A), so drift on a busy machine favours neither.
  const baseline = process.env.PEER_BASELINE;
  if (baseline && kinds.includes('outpost')) kinds.splice(kinds.indexOf('outpost'), 1, `outpost@${baseline}`, 'outpost', 'outpost', `outpost@${baseline}`);
  for (const k of kinds) if (!KINDS.includes(k as (typeof KINDS)[number]) && !k.startsWith('outpost@')) throw new Error(`PEER_KINDS: unknown server "${k}" (known: ${KINDS.join(', ')})`);
  console.log(
    `peer sync: ${opts.clients} clients on ${opts.docs} documents, one 50-character insert per client every ${opts.intervalMs} ms for ${opts.seconds} s, loopback; ` +
      `servers: ${kinds.join(', ')} (peers in ${peersDir})`
  );
  const all: ServerFigures[] = [];
  for (const kind of kinds) {
    const f = await measure(kind, peersDir, opts);
    all.push(f);
    console.log(line(f));
  }
  const combined = combineRuns(all);
  if (combined.length < all.length) for (const f of combined) console.log(`${line(f)}   (${f.runs} run${f.runs > 1 ? 's' : ''})`);
  const ref = combined.find((f) => f.server === 'ywebsocket');
  for (const f of combined) {
    if (!ref || f === ref) continue;
    const cpuPer = (x: ServerFigures) => x.cpuS / Math.max(1, x.load.received);
    console.log(
      `ratio ${f.server}/ywebsocket: CPU per run ${(f.cpuS / f.runs / (ref.cpuS / ref.runs)).toFixed(2)}x (per delivery ${(cpuPer(f) / cpuPer(ref)).toFixed(2)}x), ` +
        `p50 ${((f.load.p50 ?? NaN) / (ref.load.p50 ?? NaN)).toFixed(2)}x, p99 ${((f.load.p99 ?? NaN) / (ref.load.p99 ?? NaN)).toFixed(2)}x, ` +
        `deliveries/s ${(f.load.deliveredPerS / Math.max(0.1, ref.load.deliveredPerS)).toFixed(2)}x, RSS ${(f.rssEndMiB / ref.rssEndMiB).toFixed(2)}x`
    );
  }
  const before = combined.find((f) => f.server.startsWith('outpost@'));
  const after = combined.find((f) => f.server === 'outpost');
  if (before && after) {
    const cpuPer = (x: ServerFigures) => x.cpuS / Math.max(1, x.load.received);
    console.log(
      `ratio outpost/${before.server} (after/before): CPU per delivery ${(cpuPer(after) / cpuPer(before)).toFixed(2)}x, ` +
        `p50 ${((after.load.p50 ?? NaN) / (before.load.p50 ?? NaN)).toFixed(2)}x, p99 ${((after.load.p99 ?? NaN) / (before.load.p99 ?? NaN)).toFixed(2)}x, ` +
        `deliveries/s ${(after.load.deliveredPerS / Math.max(0.1, before.load.deliveredPerS)).toFixed(2)}x`
    );
  }
  if (opts.profileDir) console.log(`Outpost CPU profile written to ${opts.profileDir} (open in Chrome DevTools, or summarise with bench/cpu-profile-top.ts)`);
  return all;
}

export async function run(): Promise<void> {
  await run_();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    }
  );
}
