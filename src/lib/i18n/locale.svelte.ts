import { LANGUAGES, type Language, pickLanguage } from '$lib/domain/languages';
import { overwriteGetLocale } from '$lib/paraglide/runtime';

/**
 * The language the screens speak now, chosen at run time (no locale in the
 * URL, so deep links and the service worker are unaffected). Paraglide's
 * message functions read it through getLocale(); it is Svelte state, so a
 * change re-renders every text at once without a reload.
 */
let current = $state<Language>('en');
overwriteGetLocale(() => current);

export function currentLanguage(): Language {
  return current;
}

export function setLanguage(language: Language): void {
  current = language;
  if (typeof document !== 'undefined') document.documentElement.lang = language;
}

/** The browser's preferred languages (navigator.languages), most preferred first; empty outside a browser. */
export function browserLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages?.length ? navigator.languages : navigator.language ? [navigator.language] : [];
}

/** A choice remembered on this device under `key`; null when none (or storage is blocked). */
export function storedLanguage(key: string): Language | null {
  try {
    return pickLanguage([globalThis.localStorage?.getItem(key)]);
  } catch {
    return null;
  }
}

export function storeLanguage(key: string, language: Language): void {
  try {
    globalThis.localStorage?.setItem(key, language);
  } catch {
    // Private mode or storage full: the choice holds for this page only.
  }
}

export { LANGUAGES };
