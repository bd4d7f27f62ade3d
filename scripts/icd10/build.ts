/**
 * Builds the full ICD-10-CM asset served to the browser from a CDC/NCHS
 * "order" file (icd10cm-order-<release>.txt, public domain):
 *
 *   tsx scripts/icd10/build.ts path/to/icd10cm-order-<release>.txt <release label>
 *
 * The order file lists every code and header in Tabular order, one a line,
 * in fixed columns: order number (1-5), code without its dot (7-13), a flag
 * (15: "1" valid for HIPAA-covered transactions, i.e. billable; "0" a
 * header), the short title (17-76) and the long title (78-). Only billable
 * codes are written, with their long titles, sorted by code:
 *
 *   #icd10cm<TAB><release label><TAB><count>
 *   A00.0<TAB>Cholera due to Vibrio cholerae 01, biovar cholerae
 *   ...
 *
 * Output: static/icd10cm/icd10cm-<release label>.tsv (served as is and
 * precached by the service worker; see knowledge/icd10cm/README.md).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';

export interface OrderLine {
  code: string;
  billable: boolean;
  title: string;
}

/** One order-file line, or undefined for a blank one. Throws on a malformed line. */
export function parseOrderLine(line: string): OrderLine | undefined {
  if (!line.trim()) return undefined;
  const raw = line.slice(6, 13).trim();
  const flag = line[14];
  const title = line.slice(77).trim();
  if (!/^\d{5} $/.test(line.slice(0, 6)) || !/^[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}$/.test(raw) || (flag !== '0' && flag !== '1') || !title) {
    throw new Error(`not an ICD-10-CM order-file line: ${JSON.stringify(line.slice(0, 40))}`);
  }
  return { code: raw.length > 3 ? `${raw.slice(0, 3)}.${raw.slice(3)}` : raw, billable: flag === '1', title };
}

/** The asset's text: header line, then billable codes sorted by code. */
export function buildAsset(orderText: string, release: string): { text: string; billable: number; headers: number } {
  const rows: OrderLine[] = [];
  let headers = 0;
  for (const line of orderText.split(/\r?\n/)) {
    const parsed = parseOrderLine(line);
    if (!parsed) continue;
    if (parsed.billable) rows.push(parsed);
    else headers++;
  }
  rows.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  for (let i = 1; i < rows.length; i++) if (rows[i].code === rows[i - 1].code) throw new Error(`code twice: ${rows[i].code}`);
  if (rows.some((r) => /[\t\n]/.test(r.title))) throw new Error('a title holds a tab or a newline');
  const text = `#icd10cm\t${release}\t${rows.length}\n` + rows.map((r) => `${r.code}\t${r.title}\n`).join('');
  return { text, billable: rows.length, headers };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  const [source, release] = process.argv.slice(2);
  if (!source || !release || !/^[0-9A-Za-z-]+$/.test(release)) {
    console.error('usage: tsx scripts/icd10/build.ts icd10cm-order-<release>.txt <release label, e.g. 2026>');
    process.exit(2);
  }
  const input = readFileSync(source);
  const { text, billable, headers } = buildAsset(input.toString('latin1'), release);
  const out = join('static', 'icd10cm', `icd10cm-${release}.tsv`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  const raw = Buffer.byteLength(text);
  console.log(`source ${source}: sha256 ${createHash('sha256').update(input).digest('hex')}, ${billable} billable codes, ${headers} headers`);
  console.log(`wrote ${out}: ${raw} bytes raw, ${gzipSync(text, { level: 9 }).length} gzip -9, ${brotliCompressSync(text).length} brotli`);
}
