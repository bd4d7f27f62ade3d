import type { Language } from '$lib/domain/languages';
import { pickLanguage } from '$lib/domain/languages';
import { browserLanguages, setLanguage, storedLanguage, storeLanguage } from './locale.svelte';

/** The clinician app's language on this device (the last choice, used before anyone signs in). */
export const APP_LANGUAGE_KEY = 'outpost-language';
/** One user's own choice on this device: two staff sharing a computer each keep theirs. */
export const appLanguageKey = (userId: string) => `${APP_LANGUAGE_KEY}:${userId}`;

/** The signed-in user's choice, else this device's last choice, else the browser's, else English. */
export function appLanguage(userId: string | null): Language {
  return (userId ? storedLanguage(appLanguageKey(userId)) : null) ?? storedLanguage(APP_LANGUAGE_KEY) ?? pickLanguage(browserLanguages()) ?? 'en';
}

export function applyAppLanguage(userId: string | null): void {
  setLanguage(appLanguage(userId));
}

export function chooseAppLanguage(language: Language, userId: string | null): void {
  storeLanguage(APP_LANGUAGE_KEY, language);
  if (userId) storeLanguage(appLanguageKey(userId), language);
  setLanguage(language);
}
