import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { m } from '$lib/paraglide/messages';
import { counted } from './clinic-format';
import { hardCodedTexts } from './hard-coded-texts';
import { setLanguage } from './locale.svelte';

/**
 * The texts of the visit, notes, transfer, reconciliation, match-review and
 * drug-check screens (messages/rest/<code>.json), and the check that no
 * screen of the app — every .svelte file under src/routes and
 * src/lib/components — writes English of its own.
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const DIR = path.join(ROOT, 'messages/rest');
const CODES = ['en', 'es', 'fr', 'pt', 'sw'] as const;
const read = (code: string): Record<string, string> => {
  const { $schema: _schema, ...messages } = JSON.parse(fs.readFileSync(path.join(DIR, `${code}.json`), 'utf8')) as Record<string, string>;
  return messages;
};
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((p) => p[1]).sort();

/** The files whose texts are in messages/rest. */
const REST_FILES = [
  'src/routes/(app)/+layout.svelte',
  'src/routes/(app)/match-reviews/+page.svelte',
  'src/routes/(app)/patients/[id]/visit/[encounterId]/+page.svelte',
  'src/lib/components/notes/VisitTools.svelte',
  'src/lib/components/notes/SignedNote.svelte',
  'src/lib/components/notes/UnsignedNotes.svelte',
  'src/lib/components/TransferCard.svelte',
  'src/lib/components/ReconcileCard.svelte',
  'src/lib/components/prescribing/CheckAlert.svelte',
  'src/lib/components/prescribing/CheckAlerts.svelte',
  'src/lib/components/today/TodayView.svelte',
  'src/lib/components/schedule/AppointmentJoinLinks.svelte'
];

/**
 * Screens not yet moved to the message files. Keep this list short: a file
 * comes off it when its texts are translated, and a file not on it fails the
 * scan as soon as it shows a word of its own.
 */
const PENDING = new Set<string>([]);

/**
 * Literals that are data, not text on screen: a new visit's stored type, the
 * default care-team role (shown through its label), and an error for the
 * programmer that no clinician sees.
 */
const DATA_VALUES: Record<string, string[]> = {
  'src/lib/components/VisitCard.svelte': ['Office visit'],
  'src/lib/components/chart/ChartSummary.svelte': ['ChartSummary needs a chart document or its projection', 'Primary care physician', 'Primary care physician']
};

const svelteFiles = (dir: string): string[] =>
  fs
    .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? svelteFiles(`${dir}/${e.name}`) : e.name.endsWith('.svelte') ? [`${dir}/${e.name}`] : []))
    .sort();

describe('rest message files', () => {
  const english = read('en');

  it('are the five languages, and English holds the texts the screens showed before', () => {
    expect(fs.readdirSync(DIR).sort()).toEqual(['en.json', 'es.json', 'fr.json', 'pt.json', 'sw.json']);
    expect(english.rest_checks_heading).toBe('Checks before signing');
    expect(english.rest_template_fill).toBe('Fill empty sections');
    expect(english.rest_nav_match_reviews).toBe('Match reviews');
    expect(placeholders(english.rest_late_explain)).toEqual(['name', 'sections']);
    expect(Object.keys(english).length).toBeGreaterThan(130);
  });

  for (const code of CODES) {
    it(`${code} has every key with the same placeholders, no empty text, and every key is named for the area`, () => {
      const messages = read(code);
      expect(Object.keys(messages).sort()).toEqual(Object.keys(english).sort());
      for (const [key, text] of Object.entries(messages)) {
        expect(key).toMatch(/^rest_[a-z0-9_]+$/);
        expect(typeof text === 'string' && text.trim().length > 0, `${code}.${key} is empty`).toBe(true);
        expect(placeholders(text), `${code}.${key}`).toEqual(placeholders(english[key]));
      }
    });
  }

  it('are translated: most texts differ from English in each other language (clinical terms kept in English in Swahili, names and codes may not)', () => {
    for (const code of CODES.filter((c) => c !== 'en')) {
      const messages = read(code);
      const same = Object.keys(english).filter((k) => messages[k] === english[k]);
      expect(same.length, `${code}: ${same.join(', ')}`).toBeLessThan(Object.keys(english).length * 0.1);
    }
  });

  it('every key is used by the code', () => {
    const sources = REST_FILES.map((f) => fs.readFileSync(path.join(ROOT, f), 'utf8')).join('\n');
    const unused = Object.keys(english).filter((k) => !sources.includes(`m.${k}`));
    expect(unused).toEqual([]);
  });
});

describe('no hard-coded English on any screen', () => {
  const files = [...svelteFiles('src/routes'), ...svelteFiles('src/lib/components')];

  it('covers every screen: the routes and components are all scanned (positive control on the list)', () => {
    expect(files).toContain('src/routes/(app)/match-reviews/+page.svelte');
    expect(files).toContain('src/lib/components/prescribing/CheckAlert.svelte');
    expect(files.length).toBeGreaterThan(90);
    for (const pending of PENDING) expect(files, pending).toContain(pending);
    expect(files).toContain('src/lib/components/telehealth/JoinLinkPanel.svelte');
  });

  it('finds words in markup, shown attributes and scripts, and passes codes, names, object keys and class lists', () => {
    const sample = `<script lang="ts">
  import { m } from '$lib/paraglide/messages';
  const LABEL = { 'Office visit': m.rest_visit_untitled };
  const REASONS = ['Patient has tolerated this drug before'];
  let state = $state('draft');
</script>
<svelte:head><title>{m.rest_visit_title()} · Outpost</title></svelte:head>
<a class={state ? 'button secondary' : 'button'} href="/x" style:transform="translateY({1}px)">Open chart</a>
<span class="badge">PDF</span>
<button aria-label="Common override reasons">{LABEL[state]?.()}</button>`;
    expect(hardCodedTexts(sample).sort()).toEqual(['Open chart', 'Patient has tolerated this drug before', 'aria-label="Common override reasons"']);
  });

  for (const file of files) {
    it.skipIf(PENDING.has(file))(file, () => {
      expect(hardCodedTexts(fs.readFileSync(path.join(ROOT, file), 'utf8'), file)).toEqual(DATA_VALUES[file] ?? []);
    });
  }
});

describe('counts and lists follow the app language', () => {
  afterEach(() => setLanguage('en'));

  it('the drug-check summary counts in each language', () => {
    expect(counted(1, m.rest_checks_count_one, m.rest_checks_count_other)).toBe('1 alert');
    expect(counted(0, m.rest_checks_count_one, m.rest_checks_count_other)).toBe('0 alerts');
    setLanguage('fr');
    // French counts 0 and 1 in the singular.
    expect(counted(0, m.rest_checks_count_one, m.rest_checks_count_other)).toBe('0 alerte');
    expect(counted(2, m.rest_checks_needing_one, m.rest_checks_needing_other)).toBe(', dont 2 exigent un motif pour signer');
    expect(m.rest_checks_heading()).toBe('Vérifications avant signature');
    setLanguage('sw');
    expect(counted(3, m.rest_checks_count_one, m.rest_checks_count_other)).toBe('Alert 3');
    expect(m.rest_template_fill()).toBe('Jaza sehemu zilizo tupu');
    setLanguage('es');
    expect(counted(1234, m.rest_checks_count_one, m.rest_checks_count_other)).toBe('1234 alertas');
  });
});
