import { z } from 'zod';

/**
 * The languages the app speaks (patient join page and clinician screens).
 * Shared by the server, which stores a join link's language, and the app.
 * The texts live in messages/<code>.json (compiled by Paraglide).
 */
export const LANGUAGES = ['en', 'es', 'fr', 'pt', 'sw'] as const;
export type Language = (typeof LANGUAGES)[number];

export const languageSchema = z.enum(LANGUAGES, 'Choose one of the supported languages: en, es, fr, pt, sw');

/** Each language named in itself, as a person looking for their own language reads it. */
export const LANGUAGE_NAMES: Record<Language, string> = {
  en: 'English',
  es: 'Español',
  fr: 'Français',
  pt: 'Português',
  sw: 'Kiswahili'
};

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * The first supported language among candidates in order of preference
 * (a stored choice, a link's language, the browser's languages): a regional
 * tag counts as its language ("es-MX" → "es"). Null when none is supported.
 */
export function pickLanguage(candidates: readonly (string | null | undefined)[]): Language | null {
  for (const c of candidates) {
    if (!c) continue;
    const base = c.trim().toLowerCase().split(/[-_]/)[0];
    if (isLanguage(base)) return base;
  }
  return null;
}
