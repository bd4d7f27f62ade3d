import { describe, expect, it } from 'vitest';
import { hardCodedTexts } from './hard-coded-texts';

/**
 * The scanner behind "no hard-coded English on any screen"
 * (rest-messages.test.ts scans every route and component with it): it must
 * find a fixed text wherever a screen could show it, and let codes through.
 */
describe('hardCodedTexts', () => {
  it('finds a fixed text wherever a screen could show it (positive controls)', () => {
    expect(hardCodedTexts('<p>Save a copy</p>')).toEqual(['Save a copy']);
    expect(hardCodedTexts('<input placeholder="e.g. cough" />')).toEqual(['placeholder="e.g. cough"']);
    expect(hardCodedTexts('<Card label="Attached in error" />')).toEqual(['label="Attached in error"']);
    expect(hardCodedTexts("<span>{late ? 'Overdue' : m.chart_due()}</span>")).toEqual(['Overdue']);
    expect(hardCodedTexts('<span title={`Latest ${x}`}></span>')).toEqual(['Latest  ']); // the template's two parts, joined by a space
    expect(hardCodedTexts("<script>const place = { uploaded: 'Uploaded' };</script>")).toEqual(['Uploaded']);
    expect(hardCodedTexts("export const label = 'Not yet asked';", 'labels.ts')).toEqual(['Not yet asked']);
  });

  it('lets codes, identifiers, class names, comparisons, console output and code systems through (negative controls)', () => {
    const ok = `<script>let s = 'entered-in-error'; const r = 'IM'; if (s === 'Office visit') console.warn('Could not read the chart');</script>
      <span class="badge {s === 'draft' ? 'warn' : ''}" data-testid="order-status">{m.chart_x()}</span>
      <option>{t.short} (LOINC {t.code})</option> <span aria-hidden="true">PDF</span> — · ✕ <!-- a comment in English -->
      <style>.badge { color: red; }</style>`;
    expect(hardCodedTexts(ok)).toEqual([]);
  });
});
