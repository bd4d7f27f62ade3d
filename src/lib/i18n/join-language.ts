import type { Language } from '$lib/domain/languages';
import { pickLanguage } from '$lib/domain/languages';
import { browserLanguages, setLanguage, storedLanguage, storeLanguage } from './locale.svelte';

/** Where the patient's own choice on the join page is remembered (this device only; not the clinician app's key). */
export const JOIN_LANGUAGE_KEY = 'outpost-join-language';

/**
 * The join page's language: the patient's own earlier choice on this
 * device, else the language the clinic chose for the link, else the
 * browser's first supported language, else English.
 */
export function joinLanguage(linkLanguage: Language | null, stored = storedLanguage(JOIN_LANGUAGE_KEY), browser = browserLanguages()): Language {
  return stored ?? linkLanguage ?? pickLanguage(browser) ?? 'en';
}

export function applyJoinLanguage(linkLanguage: Language | null = null): void {
  setLanguage(joinLanguage(linkLanguage));
}

/** The patient switched language on the page: say everything in it now and remember it. */
export function chooseJoinLanguage(language: Language): void {
  storeLanguage(JOIN_LANGUAGE_KEY, language);
  setLanguage(language);
}
