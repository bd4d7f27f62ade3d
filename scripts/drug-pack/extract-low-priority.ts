/**
 * Extracts the 33 class pairs of Phansalkar et al. 2013 ("Drug–drug
 * interactions that should be non-interruptive in order to reduce alert
 * fatigue in electronic health records", JAMIA 2013;20(3):489-493) into
 * knowledge/drug-pack/sources/phansalkar-2013-low-priority.json.
 *
 *   npx tsx scripts/drug-pack/extract-low-priority.ts <git dir of dbmi-pitt/public-PDDI-analysis>
 *
 * Source: the list as imported by the Public PDDI analysis project (Ayvaz S,
 * Horn J, Hassanzadeh O, et al. Toward a complete dataset of drug-drug
 * interaction information from publicly available sources. J Biomed Inform
 * 2015;55:206-217), file PDDI-Datasets/ONC-Non-Interuptive/ONC
 * Non-interuptive List_Imported.xlsx at commit 8199ee66. We keep only each
 * item's number and its object and precipitant class names; the project's
 * drug-level expansion (DrugBank mapping) is not used.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';

export const LOW_PRIORITY_COMMIT = '8199ee66b60bcb337f777889a210dd0d72a96e8f';
const XLSX = 'PDDI-Datasets/ONC-Non-Interuptive/ONC Non-interuptive List_Imported.xlsx';

export interface LowPriorityList {
  note: string;
  source: { repository: string; commit: string; path: string; blob: string };
  /** [item number, object class, precipitant class] as the list names them. */
  pairs: [number, string, string][];
}

type Xml = Record<string, unknown>;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => ['si', 'r', 'row', 'c'].includes(n) });
const text = (node: unknown): string =>
  typeof node === 'string' || typeof node === 'number' ? String(node) : node && typeof node === 'object' ? String((node as Xml)['#text'] ?? '') : '';

/** Rows of the first sheet as { column letter: cell text }. */
export function sheetRows(sharedStringsXml: string, sheetXml: string): Record<string, string>[] {
  const shared = ((parser.parse(sharedStringsXml).sst?.si ?? []) as Xml[]).map((si) =>
    si.t !== undefined ? text(si.t) : ((si.r ?? []) as Xml[]).map((r) => text(r.t)).join('')
  );
  const rows = (parser.parse(sheetXml).worksheet?.sheetData?.row ?? []) as Xml[];
  return rows.map((row) =>
    Object.fromEntries(
      ((row.c ?? []) as Xml[])
        .filter((c) => c.v !== undefined)
        .map((c) => [String(c.r).replace(/\d+$/, ''), (c.t === 's' ? shared[Number(text(c.v))] : text(c.v)).replace(/\s+/g, ' ').trim()])
    )
  );
}

/**
 * One [number, object class, precipitant class] per item; the class names sit
 * on the item's first row. Where the list leaves a class name empty (item 14,
 * folic acid), the single drug it names stands in for it.
 */
export function lowPriorityPairs(rows: Record<string, string>[]): [number, string, string][] {
  const items = new Map<number, { o: string; p: string; oDrug: string; pDrug: string }>();
  for (const r of rows.slice(1)) {
    const n = Number(r.A);
    if (!Number.isInteger(n) || n < 1) continue;
    const it = items.get(n) ?? { o: '', p: '', oDrug: '', pDrug: '' };
    items.set(n, { o: it.o || r.B || '', p: it.p || r.E || '', oDrug: it.oDrug || r.C || '', pDrug: it.pDrug || r.F || '' });
  }
  return [...items.entries()].sort(([a], [b]) => a - b).map(([n, it]) => [n, it.o || it.oDrug, it.p || it.pDrug]);
}

export function extractLowPriority(gitDir: string): LowPriorityList {
  const spec = `${LOW_PRIORITY_COMMIT}:${XLSX}`;
  const git = (...args: string[]) => execFileSync('git', ['-C', gitDir, ...args], { maxBuffer: 16 * 1024 * 1024 });
  const dir = mkdtempSync(path.join(tmpdir(), 'low-priority-'));
  const file = path.join(dir, 'list.xlsx');
  writeFileSync(file, git('cat-file', '-p', spec));
  const unzip = (member: string) => execFileSync('unzip', ['-p', file, member], { maxBuffer: 16 * 1024 * 1024 }).toString('utf8');
  const pairs = lowPriorityPairs(sheetRows(unzip('xl/sharedStrings.xml'), unzip('xl/worksheets/sheet1.xml')));
  rmSync(dir, { recursive: true });
  return {
    note:
      'The 33 class-based low-priority drug-drug interactions of Phansalkar S, van der Sijs H, Tucker AD, et al., JAMIA 2013;20(3):489-493, as object class - precipitant class, numbered as in the imported list of the Public PDDI analysis project (Ayvaz et al., J Biomed Inform 2015). Class names only.',
    source: { repository: 'https://github.com/dbmi-pitt/public-PDDI-analysis', commit: LOW_PRIORITY_COMMIT, path: XLSX, blob: git('rev-parse', spec).toString().trim() },
    pairs
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [gitDir] = process.argv.slice(2);
  if (!gitDir) {
    console.error('Usage: npx tsx scripts/drug-pack/extract-low-priority.ts <git dir of dbmi-pitt/public-PDDI-analysis>');
    process.exit(2);
  }
  const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../knowledge/drug-pack/sources/phansalkar-2013-low-priority.json');
  const list = extractLowPriority(gitDir);
  writeFileSync(out, JSON.stringify(list, null, 1).replace(/\[\n\s+(\d+),\n\s+("[^"]*"),\n\s+("[^"]*")\n\s+\]/g, '[$1, $2, $3]') + '\n');
  console.log(`${list.pairs.length} pairs written to ${path.relative(process.cwd(), out)}`);
}
