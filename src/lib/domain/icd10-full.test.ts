import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { buildAsset, parseOrderLine } from '../../../scripts/icd10/build';
import { bundledIcd10Subset } from './icd10';
import { FullIcd10Index, ICD10CM_FULL_URL, loadFullIcd10, parseIcd10Asset } from './icd10-full';

// The committed asset, as the app serves it from static/.
const text = readFileSync(new URL(`../../../static${ICD10CM_FULL_URL}`, import.meta.url), 'utf8');
const asset = parseIcd10Asset(text);
const icd = new FullIcd10Index(asset, bundledIcd10Subset());
const codes = (q: string, n = 8) => icd.search(q, n).map((m) => m.code);

describe('full ICD-10-CM code set (static asset)', () => {
  test('holds every billable code of the CDC order file, and only those', () => {
    // icd10cm-order-Jan-2021.txt: 95,358 lines, 72,621 flagged 1 (billable), 22,737 flagged 0 (headers).
    expect(asset.release).toBe('2021-01');
    expect(asset.codes.length).toBe(72621);
    expect(icd.assetCount).toBe(72621);
    // 72,621 − 5 codes a newer release split (M54.5, R05, E66.8, B37.3, Z59.0) + 12 subset codes of that release.
    expect(icd.size).toBe(72628);
  });

  test('non-billable headers are refused; billable codes are there', () => {
    for (const header of ['E11', 'I25', 'S72.0', 'A00', 'N83.2']) expect(icd.byCode(header)).toBeUndefined();
    expect(icd.byCode('E11.9')).toEqual({ code: 'E11.9', title: 'Type 2 diabetes mellitus without complications' });
    expect(icd.byCode('a000')?.title).toBe('Cholera due to Vibrio cholerae 01, biovar cholerae');
    expect(codes('E11', 200)).not.toContain('E11');
    expect(codes('E11', 200)).toContain('E11.9');
  });

  test('codes a newer release turned into headers give way to the subset codes that replaced them', () => {
    for (const gone of ['M54.5', 'R05', 'E66.8', 'B37.3', 'Z59.0']) expect(icd.byCode(gone)).toBeUndefined();
    expect(icd.byCode('M54.50')?.title).toBe('Low back pain, unspecified');
    expect(icd.byCode('R05.9')?.title).toBe('Cough, unspecified');
    // Codes the subset does not extend stay.
    expect(icd.byCode('M54.6')?.title).toBe('Pain in thoracic spine');
  });
});

describe('search over the full set', () => {
  test('literal results', () => {
    expect(icd.search('E11.9', 1)).toEqual([{ code: 'E11.9', title: 'Type 2 diabetes mellitus without complications' }]);
    expect(codes('malaria falciparum', 3)).toContain('B50.9');
    expect(icd.search('HTN', 3)[0]).toEqual({ code: 'I10', title: 'Essential (primary) hypertension', matched: 'HTN' });
    expect(codes('meniere')).toEqual(['H81.02', 'H81.01', 'H81.03', 'H81.09']);
    // A code outside the primary-care subset, found by its title words.
    expect(codes('hemophilia')).toEqual(['D68.311', 'Z14.02', 'Z14.01']);
  });

  test('every query word must start a title word', () => {
    const hits = icd.search('malaria falciparum', 50);
    expect(hits.map((h) => h.code)).toEqual(['P37.3', 'B50.9', 'B50.0', 'B50.8']);
    for (const h of hits) expect(h.title.toLowerCase()).toMatch(/falciparum/);
    expect(codes('malaria zzzz')).toEqual([]);
  });

  test('exact code first, then synonyms and the common subset, then shorter titles', () => {
    expect(codes('E11', 2)).toEqual(['E11.65', 'E11.9']);
    expect(codes('diab', 3)).toEqual(['E11.9', 'R73.03', 'E11.65']);
    expect(codes('low back', 2)).toEqual(['M54.50', 'M54.59']);
    expect(codes('covid', 2)).toEqual(['U07.1', 'Z20.822']);
  });
});

describe('asset build and load', () => {
  test('order-file lines: billable flag, dotted code, long title', () => {
    expect(parseOrderLine('00002 A000    1 Cholera due to Vibrio cholerae 01, biovar cholerae           Cholera due to Vibrio cholerae 01, biovar cholerae')).toEqual({
      code: 'A00.0',
      billable: true,
      title: 'Cholera due to Vibrio cholerae 01, biovar cholerae'
    });
    expect(parseOrderLine('00001 A00     0 Cholera                                                      Cholera')?.billable).toBe(false);
    expect(() => parseOrderLine('not an order line')).toThrow(/not an ICD-10-CM order-file line/);
    const built = buildAsset(
      [
        '00001 A00     0 Cholera                                                      Cholera',
        '00004 A009    1 Cholera, unspecified                                         Cholera, unspecified',
        '00002 A000    1 Cholera due to Vibrio cholerae 01, biovar cholerae           Cholera due to Vibrio cholerae 01, biovar cholerae',
        ''
      ].join('\r\n'),
      'test'
    );
    expect(built.text).toBe('#icd10cm\ttest\t2\nA00.0\tCholera due to Vibrio cholerae 01, biovar cholerae\nA00.9\tCholera, unspecified\n');
    expect(built.headers).toBe(1);
  });

  test('a truncated asset is refused', () => {
    expect(() => parseIcd10Asset('#icd10cm\tx\t3\nA00.0\tCholera\n')).toThrow(/1 codes, header says 3/);
    expect(parseIcd10Asset('#icd10cm\tx\t1\nA00.0\tCholera\n').codes).toEqual([{ code: 'A00.0', title: 'Cholera' }]);
  });

  test('loads once from its URL; a failed load can be retried', async () => {
    const urls: string[] = [];
    let fail = true;
    const fetcher = (async (url: string) => {
      urls.push(url);
      if (fail) return new Response('offline', { status: 503 });
      return new Response(text);
    }) as unknown as typeof fetch;
    await expect(loadFullIcd10(fetcher)).rejects.toThrow(/HTTP 503/);
    fail = false;
    const [a, b] = await Promise.all([loadFullIcd10(fetcher), loadFullIcd10(fetcher)]);
    expect(a).toBe(b);
    expect(a.search('HTN', 1)[0].code).toBe('I10');
    expect(urls).toEqual(['/icd10cm/icd10cm-2021-01.tsv', '/icd10cm/icd10cm-2021-01.tsv']);
  });
});
