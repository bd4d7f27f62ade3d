import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The message files themselves (messages/<code>.json), read as JSON: every
 * language has every key, no text is empty, and each translation keeps
 * exactly the placeholders of the English text.
 */
const DIR = path.resolve(import.meta.dirname, '../../../messages');
const CODES = ['en', 'es', 'fr', 'pt', 'sw'];
const read = (code: string): Record<string, string> => {
  const { $schema: _schema, ...messages } = JSON.parse(fs.readFileSync(path.join(DIR, `${code}.json`), 'utf8')) as Record<string, string>;
  return messages;
};
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((p) => p[1]).sort();

describe('message files', () => {
  const english = read('en');

  it('are exactly the five languages, and English has the texts of the join page', () => {
    expect(fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()).toEqual(['en.json', 'es.json', 'fr.json', 'pt.json', 'sw.json']);
    expect(english.birth_title).toBe('Join your video visit');
    expect(placeholders(english.error_birth_date_mismatch)).toEqual(['count']);
  });

  for (const code of CODES) {
    it(`${code} has every key with the same placeholders, and no empty text`, () => {
      const messages = read(code);
      expect(Object.keys(messages).sort()).toEqual(Object.keys(english).sort());
      for (const [key, text] of Object.entries(messages)) {
        expect(typeof text === 'string' && text.trim().length > 0, `${code}.${key} is empty`).toBe(true);
        expect(placeholders(text), `${code}.${key}`).toEqual(placeholders(english[key]));
      }
    });
  }
});
