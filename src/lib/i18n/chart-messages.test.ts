import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The chart's message files (messages/chart/<code>.json): every language has
 * every English key, each text keeps exactly the English placeholders, and
 * no text is empty. A message with plural variants is an array of one
 * object (inlang message format): its inputs are its declarations, and
 * every variant may use only those.
 */
const DIR = path.resolve(import.meta.dirname, '../../../messages/chart');
const CODES = ['en', 'es', 'fr', 'pt', 'sw'] as const;

type Variants = { declarations: string[]; selectors: string[]; match: Record<string, string> };
type Message = string | [Variants];

function read(code: string): Record<string, Message> {
  const { $schema: _schema, ...messages } = JSON.parse(fs.readFileSync(path.join(DIR, `${code}.json`), 'utf8')) as Record<string, Message>;
  return messages;
}

const placeholdersIn = (text: string) => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((p) => p[1]))].sort();

/** The message's inputs and its texts (one for a simple message, one per variant otherwise). */
function shape(message: Message): { inputs: string[]; texts: string[] } {
  if (typeof message === 'string') return { inputs: placeholdersIn(message), texts: [message] };
  const [variants] = message;
  const inputs = variants.declarations.filter((d) => d.startsWith('input ')).map((d) => d.slice('input '.length).trim());
  return { inputs: inputs.sort(), texts: Object.values(variants.match) };
}

describe('chart message files', () => {
  const english = read('en');

  it('hold the chart texts, each key named for its area', () => {
    expect(Object.keys(english).length).toBeGreaterThan(300);
    for (const key of Object.keys(english)) expect(key, key).toMatch(/^chart_[a-z0-9_]+$/);
    expect(english.chart_section_allergies).toBe('Allergies');
    expect(shape(english.chart_age_months).inputs).toEqual(['count']);
  });

  for (const code of CODES) {
    it(`${code} has every English key, with the same placeholders, and no empty text`, () => {
      const messages = read(code);
      expect(Object.keys(messages).sort()).toEqual(Object.keys(english).sort());
      for (const [key, message] of Object.entries(messages)) {
        const theirs = shape(message);
        const ours = shape(english[key]);
        expect(theirs.inputs, `${code}.${key} inputs`).toEqual(ours.inputs);
        for (const text of theirs.texts) {
          expect(text.trim().length > 0, `${code}.${key} is empty`).toBe(true);
          // A variant may leave out an input (Swahili "mwezi 1" needs no count word), never invent one.
          for (const p of placeholdersIn(text)) expect(ours.inputs, `${code}.${key} uses {${p}}`).toContain(p);
        }
        if (typeof message === 'string') expect(placeholdersIn(message), `${code}.${key}`).toEqual(ours.inputs);
      }
    });
  }

  it('are translated, not copied: most texts differ from the English', () => {
    for (const code of CODES.filter((c) => c !== 'en')) {
      const messages = read(code);
      const same = Object.keys(english).filter((k) => JSON.stringify(messages[k]) === JSON.stringify(english[k]));
      // Codes and clinical abbreviations (SpO₂, STAT, "{date} ({age})") read the same everywhere.
      expect(same.length, `${code}: ${same.join(', ')}`).toBeLessThan(Object.keys(english).length * 0.1);
    }
  });
});
