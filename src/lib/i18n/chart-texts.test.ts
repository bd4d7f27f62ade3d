import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'svelte/compiler';
import { describe, expect, it } from 'vitest';

/**
 * No chart screen says anything in a fixed language: every visible text,
 * label, placeholder and title comes from a message (m.chart_*). Each file
 * is parsed with Svelte's own parser (not matched with patterns), so a text
 * is found wherever it sits: between tags, in a static attribute a reader or
 * screen reader sees, or as a string literal in the script or in a {…}
 * expression of the markup that reads like words ("Overdue", "Save a copy").
 * Codes and identifiers ('draft', 'entered-in-error', 'IM', class names)
 * do not read like words and pass.
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const CHART_FILES = [
  'src/routes/(app)/patients/[id]/+layout.svelte',
  'src/routes/(app)/patients/[id]/+page.svelte',
  'src/routes/(app)/patients/[id]/timeline/+page.svelte',
  'src/routes/(app)/patients/new/+page.svelte',
  'src/lib/components/chart/ChartPreview.svelte',
  'src/lib/components/chart/ChartSummary.svelte',
  'src/lib/components/chart/FlagBadge.svelte',
  'src/lib/components/chart/ImmunizationsCard.svelte',
  'src/lib/components/chart/OrdersCard.svelte',
  'src/lib/components/chart/ResultsCard.svelte',
  'src/lib/components/chart/Sparkline.svelte',
  'src/lib/components/chart/Timeline.svelte',
  'src/lib/components/chart/VitalsCard.svelte',
  'src/lib/components/chart/VitalsForm.svelte',
  'src/lib/components/AllergyCard.svelte',
  'src/lib/components/AllergyStrip.svelte',
  'src/lib/components/ProblemCard.svelte',
  'src/lib/components/AttachmentsCard.svelte',
  'src/lib/components/DemographicsFields.svelte',
  'src/lib/components/DemographicsReviewCard.svelte',
  'src/lib/components/PatientBanner.svelte',
  'src/lib/components/EnteredInError.svelte',
  'src/lib/components/SourceLine.svelte',
  'src/lib/components/VisitCard.svelte',
  'src/lib/components/PrintVisitSummary.svelte',
  'src/lib/components/review/AllergyEditForm.svelte',
  'src/lib/components/review/ConflictReview.svelte',
  'src/lib/components/review/ReviewNotice.svelte'
];

/** Attributes a person reads or hears. */
const READ_ATTRIBUTES = new Set(['aria-label', 'aria-description', 'aria-placeholder', 'title', 'placeholder', 'alt', 'label', 'data-label']);

/** Attributes that hold codes, addresses and styling, never words for a reader. */
const CODE_ATTRIBUTES = new Set(['class', 'style', 'href', 'src', 'id', 'for', 'type', 'role', 'name', 'value', 'autocomplete', 'inputmode', 'accept', 'capture', 'data-testid']);

/** Names that are the same in every language: file kinds and code systems shown beside a code. */
const NAMES = new Set(['PDF', 'IMG', 'CVX', 'LOINC', 'ICD-10-CM']);

/**
 * Literals in the scripts that are data, not text on screen: values the
 * domain stores or compares (a new visit's type, the default care-team role,
 * what timeline.ts, entry-source.ts and the flag rules return, which the
 * screens compare or look up to translate) and the wording of a log entry, which no patient or clinician reads.
 */
const DATA_VALUES = new Set([
  'Office visit',
  'Video visit',
  'Primary care physician',
  '“From” must be a date (YYYY-MM-DD)',
  '“To” must be a date (YYYY-MM-DD)',
  '“From” is after “To”',
  'another Outpost clinic',
  'an imported record',
  'draft note',
  'Normal',
  'Reading the stored chart summary',
  'ChartSummary needs a chart document or its projection'
]);

const isWords = (text: string) => /[A-Za-z]{2,}/.test(text.replace(/\b[A-Z][A-Z0-9-]*\b/g, (w) => (NAMES.has(w) ? '' : w)));
/** A string that reads like words to a person: two words, or one capitalised word ("Due"). */
const readsLikeWords = (text: string) => /[A-Za-z]{2,}[,.:;!?…]?\s+[—–-]?\s*[A-Za-z]{2,}/.test(text) || /^\W*[A-Z][a-z]{2,}\b(?![-/])/.test(text);

type Node = { type?: string; [key: string]: unknown };

/** Every fixed English text the file still holds, as "where: text". */
export function fixedTexts(source: string): string[] {
  const found: string[] = [];
  const ast = parse(source, { modern: true }) as unknown as Node;
  const visit = (node: unknown, where: 'markup' | 'code'): void => {
    if (Array.isArray(node)) return node.forEach((n) => visit(n, where));
    if (!node || typeof node !== 'object') return;
    const n = node as Node;
    if (n.type === 'StyleSheet' || n.type === 'Comment' || n.type === 'ImportDeclaration' || n.type === 'StyleDirective' || n.type === 'ClassDirective') return;
    if (n.type === 'Text' && where === 'markup' && isWords(String(n.data))) found.push(`text: ${String(n.data).trim()}`);
    if (n.type === 'Attribute' && (CODE_ATTRIBUTES.has(String(n.name)) || String(n.name).startsWith('data-'))) return;
    if (n.type === 'Attribute' && Array.isArray(n.value)) {
      const name = String(n.name);
      for (const part of n.value as Node[]) {
        if (part.type === 'Text' && READ_ATTRIBUTES.has(name) && isWords(String(part.data))) found.push(`${name}: ${String(part.data)}`);
        else visit(part, 'code');
      }
      return;
    }
    if (n.type === 'Literal' && typeof n.value === 'string' && readsLikeWords(n.value) && !DATA_VALUES.has(n.value)) found.push(`literal: ${n.value}`);
    if (n.type === 'TemplateElement') {
      const cooked = (n.value as { cooked?: string }).cooked ?? '';
      if (readsLikeWords(cooked)) found.push(`template: ${cooked}`);
    }
    for (const [key, child] of Object.entries(n)) {
      if (key === 'type' || key === 'loc' || key === 'start' || key === 'end' || key === 'metadata') continue;
      const inCode = where === 'code' || n.type === 'ExpressionTag' || n.type === 'Script' || key === 'expression';
      visit(child, inCode ? 'code' : 'markup');
    }
  };
  visit(ast, 'markup');
  return found;
}

describe('chart screens', () => {
  it('finds a fixed text wherever a screen could show it (positive controls)', () => {
    expect(fixedTexts('<p>Save a copy</p>')).toEqual(['text: Save a copy']);
    expect(fixedTexts('<input placeholder="e.g. cough" />')).toEqual(['placeholder: e.g. cough']);
    expect(fixedTexts('<Card label="Attached in error" />')).toEqual(['label: Attached in error']);
    expect(fixedTexts("<span>{late ? 'Overdue' : m.chart_due()}</span>")).toEqual(['literal: Overdue']);
    expect(fixedTexts('<span title={`Latest ${x}`}></span>')).toEqual(['template: Latest ']);
    expect(fixedTexts("<script>const place = { uploaded: 'Uploaded' };</script>")).toEqual(['literal: Uploaded']);
  });

  it('lets codes, identifiers, class names and code systems through (negative controls)', () => {
    const ok = `<script>let s = 'entered-in-error'; const r = 'IM';</script>
      <span class="badge {s === 'draft' ? 'warn' : ''}" data-testid="order-status">{m.chart_x()}</span>
      <option>{t.short} (LOINC {t.code})</option> <span aria-hidden="true">PDF</span> — · ✕ <!-- a comment in English -->
      <style>.badge { color: red; }</style>`;
    expect(fixedTexts(ok)).toEqual([]);
  });

  for (const file of CHART_FILES) {
    it(`${file} has no fixed English text`, () => {
      expect(fixedTexts(fs.readFileSync(path.join(ROOT, file), 'utf8'))).toEqual([]);
    });
  }
});
