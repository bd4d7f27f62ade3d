/**
 * Holds the Phansalkar 2013 low-priority rules to the committed list of the
 * paper's 33 class pairs (see extract-low-priority.ts). Pure; the build calls
 * it from assemble-pack.ts.
 */
import type { LowPriorityList } from './extract-low-priority';

/**
 * Each Phansalkar 2013 row (id `low-NN-…`) must be non-interruptive,
 * cite the 2013 paper and carry the list's own wording for item NN as its
 * title (`<object> + <precipitant>`); every item of the list must be a row or
 * a reasoned entry in `notMapped`, never both.
 */
export function checkLowPriorityRows(
  rules: { id: string; title: string; tier?: string; sourceId: string }[],
  list: LowPriorityList,
  notMapped: Record<number, string>
): void {
  const problems: string[] = [];
  const items = new Map(list.pairs.map(([n, o, p]) => [n, `${o} + ${p}`]));
  const mapped = new Set<number>();
  for (const r of rules) {
    const m = /^low-(\d{2})-/.exec(r.id);
    if (!m) {
      if (r.tier === 'non-interruptive' && r.sourceId === 'phansalkar-2013') problems.push(`${r.id}: a 2013 low-priority row needs a low-NN- id`);
      continue;
    }
    const n = Number(m[1]);
    if (!items.has(n)) problems.push(`${r.id}: no item ${n} in the 2013 list`);
    else if (items.get(n) !== r.title) problems.push(`${r.id}: title "${r.title}" is not the list's "${items.get(n)}"`);
    if (r.tier !== 'non-interruptive' || r.sourceId !== 'phansalkar-2013') problems.push(`${r.id}: must be non-interruptive and cite phansalkar-2013`);
    if (mapped.has(n)) problems.push(`${r.id}: item ${n} has two rows`);
    mapped.add(n);
  }
  for (const n of items.keys()) {
    if (mapped.has(n) && n in notMapped) problems.push(`item ${n}: both a row and listed as not mapped`);
    if (!mapped.has(n) && !(n in notMapped)) problems.push(`item ${n} (${items.get(n)}): neither a row nor listed as not mapped`);
  }
  if (problems.length) throw new Error(`Phansalkar 2013 low-priority rows:\n  ${problems.join('\n  ')}`);
}
