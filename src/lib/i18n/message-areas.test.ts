import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every message file the app compiles (project.inlang/settings.json names
 * them, one per area and language), read as JSON: each area has the five
 * languages, each language has every key of the English file with the same
 * placeholders and no empty text, and an area's keys carry its name
 * (`today_…` in messages/today), so two areas never define the same key.
 * An area added to the settings is checked here without a test of its own.
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const CODES = ['en', 'es', 'fr', 'pt', 'sw'] as const;
const settings = JSON.parse(fs.readFileSync(path.join(ROOT, 'project.inlang/settings.json'), 'utf8')) as {
  locales: string[];
  'plugin.inlang.messageFormat': { pathPattern: string[] };
};
const patterns = settings['plugin.inlang.messageFormat'].pathPattern;
const areaOf = (pattern: string) => /^\.\/messages\/(?:([a-z0-9-]+)\/)?\{locale\}\.json$/.exec(pattern)?.[1] ?? null;
/** A message is a text, or (plural forms) a list of variants whose `match` holds one text per form. */
type Message = string | { match: Record<string, string> }[];
const read = (pattern: string, code: string): Record<string, Message> => {
  const { $schema: _schema, ...messages } = JSON.parse(fs.readFileSync(path.join(ROOT, pattern.replace('{locale}', code)), 'utf8')) as Record<string, Message>;
  return messages;
};
const texts = (m: Message): string[] => (typeof m === 'string' ? [m] : Array.isArray(m) ? m.flatMap((v) => Object.values(v.match ?? {})) : []);
const placeholders = (m: Message) => [...new Set(texts(m).flatMap((t) => [...t.matchAll(/\{(\w+)\}/g)].map((p) => p[1])))].sort();

describe('message areas', () => {
  it('the settings compile the five languages, from the top-level file and every area folder there is', () => {
    expect(settings.locales).toEqual([...CODES]);
    expect(patterns[0]).toBe('./messages/{locale}.json');
    const folders = fs
      .readdirSync(path.join(ROOT, 'messages'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    // Positive control: areas known to exist are among them.
    expect(folders).toEqual(expect.arrayContaining(['chart', 'rest', 'today']));
    expect(patterns.map(areaOf).filter(Boolean).sort()).toEqual(folders);
  });

  for (const pattern of patterns) {
    const area = areaOf(pattern);
    describe(area ?? 'top level', () => {
      const english = read(pattern, 'en');
      it('has texts', () => {
        expect(Object.keys(english).length).toBeGreaterThan(0);
      });
      for (const code of CODES) {
        it(`${code}: every key, the same placeholders, no empty text${area ? `, keys named ${area}_…` : ''}`, () => {
          const messages = read(pattern, code);
          expect(Object.keys(messages).sort()).toEqual(Object.keys(english).sort());
          for (const [key, text] of Object.entries(messages)) {
            if (area) expect(key).toMatch(new RegExp(`^${area.replace(/-/g, '_')}_[A-Za-z0-9_]+$`));
            const variants = texts(text);
            expect(variants.length > 0 && variants.every((t) => typeof t === 'string' && t.trim().length > 0), `${code}.${key} is empty`).toBe(true);
            expect(placeholders(text), `${code}.${key}`).toEqual(placeholders(english[key]));
          }
        });
      }
    });
  }

  it('no two files define the same key', () => {
    const owner = new Map<string, string>();
    const clashes: string[] = [];
    for (const pattern of patterns) {
      for (const key of Object.keys(read(pattern, 'en'))) {
        if (owner.has(key)) clashes.push(`${key}: ${owner.get(key)} and ${pattern}`);
        owner.set(key, pattern);
      }
    }
    expect(clashes).toEqual([]);
  });
});
