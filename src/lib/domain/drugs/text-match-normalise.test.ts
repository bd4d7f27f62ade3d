import { describe, expect, test } from 'vitest';
import { buildPhraseIndex, matchPhrases, normalizeText, type PhraseIndex } from './text-match';

describe('normalizeText', () => {
  test.each([
    ['  Lasix  ', 'lasix'],
    ["St. John's Wort", 'st johns wort'],
    ['St John\u2019s wort', 'st johns wort'],
    ['Amoxicillin 250 MG / Clavulanate -- 125mg', 'amoxicillin 250 mg clavulanate 125mg'],
    ['A -- B', 'a b'],
    ['!!!', '']
  ])('%j -> %j', (text, expected) => {
    expect(normalizeText(text)).toBe(expected);
  });
});

describe('buildPhraseIndex', () => {
  test('keys are normalised; the first entry for a key wins; empty keys are dropped', () => {
    const index = buildPhraseIndex<number>([
      ['Lasix', 1],
      ['LASIX', 2],
      ['!!!', 3],
      ['Sudafed PE', 4]
    ]);
    expect([...index.phrases.entries()]).toEqual([
      ['lasix', 1],
      ['sudafed pe', 4]
    ]);
    expect(index.maxWords).toBe(2);
  });
  test('maxWords counts words, not characters, and is at least one', () => {
    expect(buildPhraseIndex([['ethinyl estradiol norgestimate', 1]]).maxWords).toBe(3);
    expect(buildPhraseIndex([]).maxWords).toBe(1);
  });
});

describe('matchPhrases', () => {
  const index = buildPhraseIndex<string>([
    ['Sudafed', 'pseudoephedrine'],
    ['Sudafed PE', 'phenylephrine'],
    ['Lasix', 'furosemide']
  ]);
  test('longest phrase first, then continue after it', () => {
    expect(matchPhrases(index, 'Sudafed PE and Lasix 40mg, Sudafed')).toEqual([
      { phrase: 'sudafed pe', value: 'phenylephrine' },
      { phrase: 'lasix', value: 'furosemide' },
      { phrase: 'sudafed', value: 'pseudoephedrine' }
    ]);
  });
  test('a phrase ending the text is found', () => {
    expect(matchPhrases(index, 'take Lasix')).toEqual([{ phrase: 'lasix', value: 'furosemide' }]);
  });
  test('no phrase longer than maxWords is tried, and an empty phrase is never looked up', () => {
    const handMade: PhraseIndex<string> = { phrases: new Map([['a b', 'two'], ['', 'empty']]), maxWords: 1 };
    expect(matchPhrases(handMade, 'a b')).toEqual([]);
    expect(matchPhrases(handMade, '')).toEqual([]);
    expect(matchPhrases(handMade, 'zzz')).toEqual([]);
    // Positive control: with the right maxWords the two-word phrase is found.
    expect(matchPhrases({ ...handMade, maxWords: 2 }, 'a b')).toEqual([{ phrase: 'a b', value: 'two' }]);
  });
});
