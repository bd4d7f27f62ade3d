import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { m } from '$lib/paraglide/messages';
import { setLanguage } from './locale.svelte';

/**
 * The texts of the registry, worklist and task screens
 * (messages/registries/<code>.json): every language has every key with the
 * same placeholders, the texts are translated, and every key is used.
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const DIR = path.join(ROOT, 'messages/registries');
const CODES = ['en', 'es', 'fr', 'pt', 'sw'] as const;
const read = (code: string): Record<string, string> => {
  const { $schema: _schema, ...messages } = JSON.parse(fs.readFileSync(path.join(DIR, `${code}.json`), 'utf8')) as Record<string, string>;
  return messages;
};
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((p) => p[1]).sort();
const FILES = [
  'src/lib/components/population/PopulationTabs.svelte',
  'src/routes/(app)/+layout.svelte',
  'src/routes/(app)/registries/+page.svelte',
  'src/routes/(app)/registries/[id]/+page.svelte',
  'src/lib/components/registries/RegistryWorklist.svelte',
  'src/lib/components/registries/RegistryForm.svelte',
  'src/lib/components/registries/TaskForm.svelte',
  'src/lib/components/registries/registry-text.ts',
  'src/lib/components/today/MyTasks.svelte'
];

describe('registries message files', () => {
  const english = read('en');

  it('are the five languages; English holds the screens’ texts', () => {
    expect(fs.readdirSync(DIR).sort()).toEqual(['en.json', 'es.json', 'fr.json', 'pt.json', 'sw.json']);
    expect(english.registries_my_tasks).toBe('My tasks');
    expect(placeholders(english.registries_task_default_description)).toEqual(['detail', 'registry']);
  });

  for (const code of CODES) {
    it(`${code} has every key with the same placeholders, no empty text, keys named for the area`, () => {
      const messages = read(code);
      expect(Object.keys(messages).sort()).toEqual(Object.keys(english).sort());
      for (const [key, text] of Object.entries(messages)) {
        expect(key).toMatch(/^registries_[a-z0-9_]+$/);
        expect(text.trim().length, `${code}.${key}`).toBeGreaterThan(0);
        expect(placeholders(text), `${code}.${key}`).toEqual(placeholders(english[key]));
      }
    });
  }

  it('are translated: most texts differ from English in each other language', () => {
    for (const code of CODES.filter((c) => c !== 'en')) {
      const messages = read(code);
      const same = Object.keys(english).filter((k) => messages[k] === english[k]);
      expect(same.length, `${code}: ${same.join(', ')}`).toBeLessThan(Object.keys(english).length * 0.1);
    }
  });

  it('every key is used by the screens', () => {
    const sources = FILES.map((f) => fs.readFileSync(path.join(ROOT, f), 'utf8')).join('\n');
    expect(Object.keys(english).filter((k) => !sources.includes(`m.${k}`))).toEqual([]);
  });
});

describe('the compiled messages follow the app language', () => {
  afterEach(() => setLanguage('en'));
  it('My tasks in Swahili and French', () => {
    setLanguage('sw');
    expect(m.registries_my_tasks()).toBe('Kazi zangu');
    setLanguage('fr');
    expect(m.registries_task_due_on({ date: '10 déc. 2026' })).toBe('Échéance le 10 déc. 2026');
  });
});
