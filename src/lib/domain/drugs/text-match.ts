/**
 * Text normalisation and longest-phrase matching over drug names. Orders and
 * allergies often arrive as free text or with an RxNorm code the pack does not
 * list ("Lasix 40mg", "Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet");
 * matching the words against ingredient names, synonyms and brands lets the
 * checks still run. The pack build uses the same matcher to map RxNorm
 * product names to ingredients, so build and run time agree.
 */

/** Lower-case, drop apostrophes, and turn every other non-alphanumeric run into one space. */
export function normalizeText(text: string): string {
  return text
    .toLowerCase()
    .replace(/['\u2019]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

export interface PhraseIndex<T> {
  readonly phrases: ReadonlyMap<string, T>;
  readonly maxWords: number;
}

export function buildPhraseIndex<T>(entries: Iterable<[string, T]>): PhraseIndex<T> {
  const phrases = new Map<string, T>();
  let maxWords = 1;
  for (const [raw, value] of entries) {
    const key = normalizeText(raw);
    if (!key || phrases.has(key)) continue;
    phrases.set(key, value);
    maxWords = Math.max(maxWords, key.split(' ').length);
  }
  return { phrases, maxWords };
}

/**
 * Scans left to right, taking the longest known phrase at each position, so
 * "Sudafed PE" matches phenylephrine rather than "Sudafed" (pseudoephedrine).
 */
export function matchPhrases<T>(index: PhraseIndex<T>, text: string): { phrase: string; value: T }[] {
  const words = normalizeText(text).split(' ').filter(Boolean);
  const found: { phrase: string; value: T }[] = [];
  let i = 0;
  // Stryker disable next-line EqualityOperator: one more pass at i = words.length tries no phrase (len starts at 0) and only steps past the end
  while (i < words.length) {
    let matched = 0;
    // Stryker disable next-line ArithmeticOperator: a length past the end of the text slices to the same remaining words, so only the phrases already tried are looked up again
    for (let len = Math.min(index.maxWords, words.length - i); len > 0; len--) {
      const phrase = words.slice(i, i + len).join(' ');
      const value = index.phrases.get(phrase);
      if (value !== undefined) {
        found.push({ phrase, value });
        matched = len;
        break;
      }
    }
    i += matched || 1;
  }
  return found;
}
