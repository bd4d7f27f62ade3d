import { ageInYears } from '../domain/patient';
import { browserLanguages, currentLanguage } from '../i18n/locale.svelte';
import { m } from '../paraglide/messages';

/**
 * Dates, times and numbers as the screens show them, in the app's current
 * language (currentLanguage()). Where the browser asks for a region of that
 * same language (en-GB, pt-BR, fr-CA), its conventions are kept: an English
 * clinician in Nairobi reads "4 Mar 1971", one in Boston "Mar 4, 1971".
 * Each call reads the language afresh, so a switch re-renders every date.
 */
export function formatLocale(language: string = currentLanguage(), browser: readonly string[] = browserLanguages()): string {
  const key = `${language}|${browser.join(',')}`;
  let tag = chosen.get(key);
  if (tag === undefined) {
    tag = browser.find((t) => t.toLowerCase().split(/[-_]/)[0] === language && isValidTag(t)) ?? language;
    chosen.set(key, tag);
  }
  return tag;
}

/** Chosen tags by language and browser list: a long chart formats thousands of dates per render. */
const chosen = new Map<string, string>();

function isValidTag(tag: string): boolean {
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([tag]).length > 0;
  } catch {
    return false;
  }
}

const GENDER_LABEL: Record<string, () => string> = {
  female: m.chart_gender_female,
  male: m.chart_gender_male,
  other: m.chart_gender_other,
  unknown: m.chart_gender_unknown
};

export function genderLabel(g: string): string {
  return GENDER_LABEL[g]?.() ?? g;
}

/** "Mar 3, 1971 (55 y)"; infants in months, so a clinician doses by the right age. */
export function birthDateWithAge(birthDate: string, now: Date = new Date()): string {
  if (!birthDate) return '—';
  const d = new Date(birthDate + 'T00:00:00Z');
  const date = d.toLocaleDateString(formatLocale(), { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  const years = ageInYears(birthDate, now);
  if (years >= 2) return m.chart_date_with_age({ date, age: m.chart_age_years({ count: years }) });
  const months = (now.getUTCFullYear() - d.getUTCFullYear()) * 12 + now.getUTCMonth() - d.getUTCMonth() - (now.getUTCDate() < d.getUTCDate() ? 1 : 0);
  return m.chart_date_with_age({ date, age: m.chart_age_months({ count: Math.max(0, months) }) });
}

export function dateTime(iso: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(formatLocale(), { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function dateOnly(iso: string): string {
  if (!iso) return '—';
  const d = new Date(iso.length === 10 ? iso + 'T00:00:00Z' : iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(formatLocale(), { day: 'numeric', month: 'short', year: 'numeric', timeZone: iso.length === 10 ? 'UTC' : undefined });
}

/** A measured number with the decimal mark and grouping of the app's language ("37.5" / "37,5"); at most `digits` decimals. */
export function formatNumber(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return '—';
  return new Intl.NumberFormat(formatLocale(), { maximumFractionDigits: digits }).format(value);
}

/** A file size in KB or MB, the number formatted per language (units are the same everywhere). */
export function fileSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${new Intl.NumberFormat(formatLocale(), { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(bytes / (1024 * 1024))} MB`;
  return `${formatNumber(Math.max(1, Math.round(bytes / 1024)), 0)} KB`;
}
