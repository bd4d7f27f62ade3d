/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, e.g. from PEER_PROFILE in
 * peer-sync.bench.ts): the functions with the most self time, and self time
 * per source file (node_modules packages folded into one line each), and
 * the project's functions with the most total time (self and callees:
 * where a request's work starts, e.g. the write policy's admit or the group
 * commit's flush).
 *
 * usage: npx tsx bench/cpu-profile-top.ts <file.cpuprofile> [top N, default 25]
 *
 * PROFILE_FROM=<function name> counts only the samples from the first one
 * whose stack holds that function on (e.g. PROFILE_FROM=receiveUpdate: the
 * load itself, without the start-up and the bench's preparation).
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: cpu-profile-top.ts <file.cpuprofile> [top N]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
const from = process.env.PROFILE_FROM;
const stackHas = (id: number, fn: string): boolean => {
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) if (byId.get(at)?.callFrame.functionName === fn) return true;
  return false;
};
const firstSample = from ? profile.samples.findIndex((id) => stackHas(id, from)) : 0;
if (firstSample < 0) {
  console.error(`PROFILE_FROM: no sample has ${from} on its stack`);
  process.exit(1);
}
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  if (i >= firstSample) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

function where(url: string): string {
  if (!url) return '(native)';
  const p = url.replace(/^file:\/\//, '');
  const nm = p.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = p.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (p.startsWith('node:')) return p;
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
  return p.startsWith(root) ? path.relative(root, p) : p;
}

const perFunction = new Map<string, number>();
const perPlace = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id);
  if (!n) continue;
  const place = where(n.callFrame.url);
  const fn = `${n.callFrame.functionName || '(anonymous)'}  ${place}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
  perFunction.set(fn, (perFunction.get(fn) ?? 0) + us);
  perPlace.set(place, (perPlace.get(place) ?? 0) + us);
}
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const keyOf = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'}  ${where(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
const totalUs = new Map<string, number>();
for (const [id, us] of selfUs) {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const n = byId.get(at);
    if (!n || !n.callFrame.url || n.callFrame.url.includes('node_modules') || n.callFrame.url.startsWith('node:')) continue;
    const key = keyOf(n);
    if (seen.has(key)) continue;
    seen.add(key);
    totalUs.set(key, (totalUs.get(key) ?? 0) + us);
  }
}
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms`;
console.log(`${(total / 1e6).toFixed(2)} s sampled in ${path.basename(file)}${from ? ` from the first sample in ${from}` : ''}`);
console.log(`\ntop ${top} functions by self time:`);
for (const [fn, us] of [...perFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${fn}`);
console.log(`\nself time by file or package:`);
for (const [place, us] of [...perPlace].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${place}`);
console.log(`\nthe project's functions by total time (self and callees):`);
for (const [fn, us] of [...totalUs].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${fn}`);
