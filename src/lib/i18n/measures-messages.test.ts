import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { m } from '$lib/paraglide/messages';
import { setLanguage } from './locale.svelte';

/**
 * The quality measures screen's texts (messages/measures/<code>.json): every
 * language has every key, with the same placeholders, and none is left in
 * English; the not-certified notice is there in each.
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const DIR = path.join(ROOT, 'messages/measures');
const CODES = ['en', 'es', 'fr', 'pt', 'sw'] as const;
const read = (code: string): Record<string, string> => {
  const { $schema: _schema, ...messages } = JSON.parse(fs.readFileSync(path.join(DIR, `${code}.json`), 'utf8')) as Record<string, string>;
  return messages;
};
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((p) => p[1]).sort();
/** Texts that are the same in English and another language on purpose. */
const SAME = new Set(['measures_patients_of', 'measures_pop_denominatorExclusion', 'measures_col_patient', 'measures_pop_denominator', 'measures_show_patients']);

afterEach(() => setLanguage('en'));

describe('measures messages', () => {
  const en = read('en');
  it.each(CODES.filter((c) => c !== 'en'))('%s has every key, the same placeholders, and its own words', (code) => {
    const other = read(code);
    expect(Object.keys(other).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en)) {
      expect(placeholders(other[key]), key).toEqual(placeholders(en[key]));
      if (!SAME.has(key)) expect(other[key], key).not.toBe(en[key]);
    }
  });

  it('the compiled messages answer in the chosen language', () => {
    expect(m.measures_not_certified_title()).toBe('Not certified eCQM results');
    setLanguage('sw');
    expect(m.measures_not_certified_title()).toBe('Matokeo ya eCQM yasiyothibitishwa');
  });
});
