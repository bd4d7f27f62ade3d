import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'svelte/compiler';
import { afterEach, describe, expect, it } from 'vitest';
import { m } from '$lib/paraglide/messages';
import { counted, formLabel, frequencyLabel, routeLabel, unitLabel } from './clinic-format';
import { setLanguage } from './locale.svelte';
import { dayTitle, shortDayIn, STATUS_LABEL, timeIn, weekdayName } from '$lib/components/schedule/schedule-format';
import { DOSE_UNITS, FORMS, FREQUENCIES, type FrequencyCode } from '$lib/services/prescribe.service';
import { ROUTES } from '$lib/domain/drugs/pack-schema';

/**
 * The clinic screens' texts (messages/clinic/<code>.json): every language
 * has every key with the English text's placeholders, and the clinic
 * screens' files hold no English of their own in what they show.
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const DIR = path.join(ROOT, 'messages/clinic');
const CODES = ['en', 'es', 'fr', 'pt', 'sw'] as const;
const read = (code: string): Record<string, string> => {
  const { $schema: _schema, ...messages } = JSON.parse(fs.readFileSync(path.join(DIR, `${code}.json`), 'utf8')) as Record<string, string>;
  return messages;
};
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((p) => p[1]).sort();

/** The files of the clinic screens, whose every visible text comes from the message files. */
const CLINIC_FILES = [
  'src/routes/+layout.svelte',
  'src/routes/(app)/+page.svelte',
  'src/routes/(app)/schedule/+page.svelte',
  'src/routes/(app)/visits/[visitId]/+page.svelte',
  'src/routes/(app)/patients/[id]/prescribe/+page.svelte',
  'src/lib/components/schedule/AppointmentCard.svelte',
  'src/lib/components/schedule/BookingForm.svelte',
  'src/lib/components/schedule/CancelForm.svelte',
  'src/lib/components/schedule/ConflictBanner.svelte',
  'src/lib/components/schedule/RescheduleForm.svelte',
  'src/lib/components/schedule/ScheduleSettings.svelte',
  'src/lib/components/schedule/schedule-format.ts',
  'src/lib/components/telehealth/VideoUnavailable.svelte',
  'src/lib/components/telehealth/VisitChartPanel.svelte',
  'src/lib/components/telehealth/WaitingList.svelte',
  'src/lib/components/prescribing/ChangeMedicationForm.svelte',
  'src/lib/components/prescribing/CoveragePanel.svelte',
  'src/lib/components/prescribing/DrugSearch.svelte',
  'src/lib/components/prescribing/OrderFields.svelte',
  'src/lib/components/prescribing/PharmacyOutboxRunner.svelte',
  'src/lib/components/prescribing/PharmacySendStatus.svelte',
  'src/lib/components/prescribing/SignBar.svelte',
  'src/lib/components/SyncIndicator.svelte',
  'src/lib/components/UpdatePrompt.svelte',
  'src/lib/components/Icd10Search.svelte',
  'src/lib/i18n/clinic-format.ts'
];

/** Attributes a person sees or hears (screen readers read labels and titles). */
const SHOWN_ATTRIBUTES = new Set(['aria-label', 'aria-description', 'aria-roledescription', 'aria-valuetext', 'aria-placeholder', 'title', 'placeholder', 'alt', 'label']);
/** Key names compared against in keyboard handlers: code, not text. */
const KEY_NAMES = new Set(['Enter', 'Escape', 'ArrowDown', 'ArrowUp', 'ArrowLeft', 'ArrowRight', 'Tab', 'Home', 'End']);

/** Sentence-like English in a string of code: two words or more ("Choose a time."), or one capitalised word ("Patient", "Cancelled"). */
function looksLikeText(s: string): boolean {
  const t = s.trim();
  if (KEY_NAMES.has(t)) return false;
  return /[A-Za-z]{2,}[ ,.:;!?…]+[A-Za-z]{2,}/.test(t) && /\s/.test(t) ? true : /^[A-Z][a-z]{2,}[.…!?:]?$/.test(t);
}

type AstNode = { type?: string; [key: string]: unknown };

/**
 * Hard-coded words in a Svelte component (or a TypeScript module, read as a
 * component's script): text between tags, shown attributes written out, and
 * string literals in script and markup expressions that read as words. Not
 * counted: imports, what goes only to the console (reportError, console.*),
 * comments and styles.
 */
export function hardCodedTexts(source: string, file = 'component.svelte'): string[] {
  const code = file.endsWith('.ts') ? `<script lang="ts">\n${source}\n</script>` : source;
  const ast = parse(code, { modern: true }) as unknown as AstNode;
  const found: string[] = [];
  const seen = new Set<unknown>();
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) return node.forEach(walk);
    const n = node as AstNode;
    switch (n.type) {
      case 'ImportDeclaration':
      case 'Comment':
      case 'StyleSheet':
        return;
      case 'SwitchCase':
        // case 'oral suspension': a stored code, compared, not shown.
        walk(n.consequent);
        return;
      case 'BinaryExpression':
        if (['===', '!==', '==', '!='].includes(String(n.operator))) {
          for (const side of [n.left, n.right] as AstNode[]) if (side?.type !== 'Literal') walk(side);
          return;
        }
        break;
      case 'CallExpression': {
        const callee = n.callee as AstNode;
        const obj = callee.type === 'MemberExpression' ? (callee.object as AstNode) : null;
        if ((callee.type === 'Identifier' && callee.name === 'reportError') || (obj?.type === 'Identifier' && obj.name === 'console')) return;
        break;
      }
      case 'Text':
        if (/[A-Za-z]{2,}/.test(String(n.data))) found.push(String(n.data).trim());
        return;
      case 'Attribute': {
        const parts = Array.isArray(n.value) ? (n.value as AstNode[]) : [n.value as AstNode];
        for (const part of parts) {
          if (part?.type === 'Text') {
            if (SHOWN_ATTRIBUTES.has(String(n.name)) && /[A-Za-z]{2,}/.test(String(part.data))) found.push(`${String(n.name)}="${String(part.data)}"`);
          } else walk(part);
        }
        return;
      }
      case 'Literal':
        if (typeof n.value === 'string' && looksLikeText(n.value)) found.push(n.value);
        return;
      case 'TemplateLiteral': {
        const words = (n.quasis as AstNode[]).map((q) => String((q.value as { cooked: string }).cooked)).join(' ');
        if (looksLikeText(words)) found.push(words);
        break;
      }
    }
    for (const [key, value] of Object.entries(n)) {
      if (key !== 'css' && key !== 'comments' && key !== 'leadingComments' && key !== 'trailingComments') walk(value);
    }
  };
  walk(ast);
  return found;
}

describe('clinic message files', () => {
  const english = read('en');

  it('are the five languages, and English holds the texts the screens showed before', () => {
    expect(fs.readdirSync(DIR).sort()).toEqual(['en.json', 'es.json', 'fr.json', 'pt.json', 'sw.json']);
    expect(english.clinic_schedule_heading).toBe('Schedule');
    expect(english.clinic_rx_heading).toBe('New prescription');
    expect(placeholders(english.clinic_schedule_booked_notice)).toEqual(['patient', 'when']);
    expect(Object.keys(english).length).toBeGreaterThan(250);
  });

  for (const code of CODES) {
    it(`${code} has every key with the same placeholders, no empty text, and every key is named for the clinic area`, () => {
      const messages = read(code);
      expect(Object.keys(messages).sort()).toEqual(Object.keys(english).sort());
      for (const [key, text] of Object.entries(messages)) {
        expect(key).toMatch(/^clinic_[a-z0-9_]+$/);
        expect(typeof text === 'string' && text.trim().length > 0, `${code}.${key} is empty`).toBe(true);
        expect(placeholders(text), `${code}.${key}`).toEqual(placeholders(english[key]));
      }
    });
  }

  it('are translated: most texts differ from English in each other language (names, codes and units may not)', () => {
    for (const code of CODES.filter((c) => c !== 'en')) {
      const messages = read(code);
      const same = Object.keys(english).filter((k) => messages[k] === english[k]);
      expect(same.length, `${code}: ${same.join(', ')}`).toBeLessThan(Object.keys(english).length * 0.12);
    }
  });

  it('every key is used by the code', () => {
    const sources = CLINIC_FILES.map((f) => fs.readFileSync(path.join(ROOT, f), 'utf8')).join('\n');
    const unused = Object.keys(english).filter((k) => !sources.includes(`m.${k}`));
    expect(unused).toEqual([]);
  });
});

describe('no hard-coded English on the clinic screens', () => {
  it('finds text between tags, in shown attributes and in script strings (positive control)', () => {
    const sample = `<script lang="ts">
  import X from './Plain Name.svelte';
  let error = $state('');
  function f() { error = 'Choose a free time.'; reportError('Sending to the pharmacy', 1); console.error('Log line here'); }
  const fallback = 'Patient';
  const isCode = (form: string) => form === 'oral suspension';
  function label(form: string) { switch (form) { case 'oral solution': return 'Oral solution'; default: return form; } }
  const key = 'Enter';
</script>
<!-- A comment in English -->
<h1>Schedule</h1>
<button aria-label="Admit {name}" class="link danger">✕</button>
<input placeholder="Name" data-testid="some thing" />
<p>{ok ? \`Booked \${who}\` : '·'}</p>
<style>p { font-family: Open Sans; }</style>`;
    expect(hardCodedTexts(sample).sort()).toEqual(['Booked  ', 'Choose a free time.', 'Oral solution', 'Patient', 'Schedule', 'aria-label="Admit "', 'placeholder="Name"']);
  });

  it('passes a component whose texts all come from messages (negative control)', () => {
    const clean = `<script lang="ts">
  import { m } from '$lib/paraglide/messages';
  let { a }: { a: string } = $props();
</script>
<h1>{m.clinic_schedule_heading()}</h1>
<button aria-label={m.clinic_schedule_next_day()} class="secondary" onclick={() => (a = 'in-person')}>›</button>
<span>{a} · {a}–{a}</span>`;
    expect(hardCodedTexts(clean)).toEqual([]);
  });

  for (const file of CLINIC_FILES) {
    it(file, () => {
      expect(hardCodedTexts(fs.readFileSync(path.join(ROOT, file), 'utf8'), file)).toEqual([]);
    });
  }
});

describe('clinic formatting follows the app language', () => {
  afterEach(() => setLanguage('en'));

  it('dates, weekdays, times, statuses and counts in English, Portuguese and Swahili', () => {
    expect(dayTitle('2026-12-07')).toBe('Monday, December 7, 2026');
    expect(weekdayName(1, 'short')).toBe('Mon');
    expect(STATUS_LABEL['checked-in']).toBe('Checked in');
    expect(counted(1, m.clinic_schedule_column_count_one, m.clinic_schedule_column_count_other)).toBe('1 appointment');
    expect(counted(3, m.clinic_schedule_column_count_one, m.clinic_schedule_column_count_other)).toBe('3 appointments');

    setLanguage('pt');
    expect(dayTitle('2026-12-07')).toBe('segunda-feira, 7 de dezembro de 2026');
    expect(weekdayName(7)).toBe('domingo');
    expect(STATUS_LABEL['checked-in']).toBe('Chegou');
    expect(m.clinic_schedule_heading()).toBe('Agenda');
    // Portuguese counts 0 and 1 in the singular.
    expect(counted(0, m.clinic_home_count_one, m.clinic_home_count_other)).toBe('0 paciente');
    expect(counted(1234, m.clinic_home_count_one, m.clinic_home_count_other)).toBe('1.234 pacientes');
    expect(shortDayIn('2026-12-07T23:30:00Z', 'Africa/Nairobi')).toBe('08/12/2026');

    setLanguage('sw');
    expect(dayTitle('2026-12-07')).toBe('Jumatatu, 7 Desemba 2026');
    expect(timeIn('2026-12-07T06:05:00Z', 'Africa/Nairobi')).toBe('09:05');
    expect(STATUS_LABEL.cancelled).toBe('Imeghairiwa');
    expect(m.clinic_rx_heading()).toBe('Agizo jipya la dawa');
  });

  it('every coded prescribing value has a label in every language, and English keeps the codes as they read', () => {
    expect(FORMS.map(formLabel)).toEqual([...FORMS]);
    expect(DOSE_UNITS.map(unitLabel)).toEqual([...DOSE_UNITS]);
    expect((Object.keys(FREQUENCIES) as FrequencyCode[]).map(frequencyLabel)).toEqual(Object.values(FREQUENCIES).map((f) => f.label));
    expect(routeLabel('iv')).toBe('IV');
    for (const code of CODES) {
      setLanguage(code);
      for (const label of [...FORMS.map(formLabel), ...DOSE_UNITS.map(unitLabel), ...ROUTES.map(routeLabel), ...(Object.keys(FREQUENCIES) as FrequencyCode[]).map(frequencyLabel)]) {
        expect(label, code).toMatch(/\S/);
      }
    }
    setLanguage('fr');
    expect(frequencyLabel('every-8-hours')).toBe('toutes les 8 heures');
    expect(formLabel('capsule')).toBe('gélule');
  });
});
