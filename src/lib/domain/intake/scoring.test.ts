import { describe, expect, it } from 'vitest';
import { gad7Band, gad7Score, phq2Band, phq2Score, phq9Band, phq9Needed, phq9Score, scoreGad7, scorePhq, selfHarmFlag } from './scoring';

/** Hand-written answer sets and their totals, at each side of every published cut-point. */
describe('PHQ-9 (Kroenke 2001): 0–4 minimal, 5–9 mild, 10–14 moderate, 15–19 moderately severe, 20–27 severe', () => {
  const cases: [number[], number, string][] = [
    [[0, 0, 0, 0, 0, 0, 0, 0, 0], 0, 'minimal'],
    [[1, 1, 1, 1, 0, 0, 0, 0, 0], 4, 'minimal'],
    [[1, 1, 1, 1, 1, 0, 0, 0, 0], 5, 'mild'],
    [[2, 2, 2, 2, 1, 0, 0, 0, 0], 9, 'mild'],
    [[2, 2, 2, 2, 2, 0, 0, 0, 0], 10, 'moderate'],
    [[2, 2, 2, 2, 2, 2, 2, 0, 0], 14, 'moderate'],
    [[3, 3, 3, 2, 2, 2, 0, 0, 0], 15, 'moderately-severe'],
    [[3, 3, 3, 3, 3, 2, 2, 0, 0], 19, 'moderately-severe'],
    [[3, 3, 3, 3, 3, 3, 2, 0, 0], 20, 'severe'],
    [[3, 3, 3, 3, 3, 3, 3, 3, 3], 27, 'severe']
  ];
  for (const [answers, total, band] of cases) {
    it(`${answers.join('')} → ${total}, ${band}`, () => {
      expect(phq9Score(answers)).toBe(total);
      expect(phq9Band(total)).toBe(band);
    });
  }
  it('refuses a short list and a value outside 0–3', () => {
    expect(() => phq9Score([0, 0, 0, 0, 0, 0, 0, 0])).toThrow(RangeError);
    expect(() => phq9Score([0, 0, 0, 0, 0, 0, 0, 0, 4])).toThrow(RangeError);
    expect(() => phq9Score([0, 0, 0, 0, 0, 0, 0, 0, 1.5])).toThrow(RangeError);
    expect(() => phq9Score([0, 0, 0, 0, 0, 0, 0, 0, -1])).toThrow(RangeError);
  });
});

describe('PHQ-2 (Kroenke 2003): 3 or more is positive and opens the PHQ-9', () => {
  it.each([
    [[0, 0], 0, 'negative', false],
    [[1, 1], 2, 'negative', false],
    [[2, 0], 2, 'negative', false],
    [[2, 1], 3, 'positive', true],
    [[0, 3], 3, 'positive', true],
    [[3, 3], 6, 'positive', true]
  ] as const)('%j → %i, %s', (answers, total, band, needed) => {
    expect(phq2Score(answers)).toBe(total);
    expect(phq2Band(total)).toBe(band);
    expect(phq9Needed(answers)).toBe(needed);
  });
});

describe('GAD-7 (Spitzer 2006): 0–4 minimal, 5–9 mild, 10–14 moderate, 15–21 severe', () => {
  it.each([
    [[0, 0, 0, 0, 0, 0, 0], 0, 'minimal'],
    [[1, 1, 1, 1, 0, 0, 0], 4, 'minimal'],
    [[1, 1, 1, 1, 1, 0, 0], 5, 'mild'],
    [[2, 2, 2, 1, 1, 1, 0], 9, 'mild'],
    [[2, 2, 2, 2, 1, 1, 0], 10, 'moderate'],
    [[2, 2, 2, 2, 2, 2, 2], 14, 'moderate'],
    [[3, 3, 3, 2, 2, 1, 1], 15, 'severe'],
    [[3, 3, 3, 3, 3, 3, 3], 21, 'severe']
  ] as const)('%j → %i, %s', (answers, total, band) => {
    expect(gad7Score(answers)).toBe(total);
    expect(gad7Band(total)).toBe(band);
    expect(scoreGad7(answers)).toEqual({ answers, score: total, band });
  });
  it('refuses six answers', () => {
    expect(() => gad7Score([0, 0, 0, 0, 0, 0])).toThrow(RangeError);
  });
});

describe('the PHQ-2 → PHQ-9 path and the self-harm flag', () => {
  it('a negative PHQ-2 stops at two answers: no PHQ-9 score, no flag', () => {
    expect(scorePhq([1, 1])).toEqual({ answers: [1, 1], phq2: 2, phq2Band: 'negative', phq9: null, phq9Band: null, selfHarm: false });
  });
  it('a positive PHQ-2 goes on to nine answers', () => {
    expect(scorePhq([2, 1, 1, 1, 0, 0, 0, 0, 0])).toEqual({ answers: [2, 1, 1, 1, 0, 0, 0, 0, 0], phq2: 3, phq2Band: 'positive', phq9: 5, phq9Band: 'mild', selfHarm: false });
  });
  it('refuses nine answers after a negative PHQ-2, and two after a positive one', () => {
    expect(() => scorePhq([1, 1, 0, 0, 0, 0, 0, 0, 0])).toThrow(/only after a PHQ-2 of 3/);
    expect(() => scorePhq([2, 1])).toThrow(/all nine/);
  });
  it('item 9 above 0 flags, whatever the total; 0 does not', () => {
    expect(scorePhq([2, 1, 0, 0, 0, 0, 0, 0, 1])).toMatchObject({ phq9: 4, phq9Band: 'minimal', selfHarm: true });
    expect(selfHarmFlag([3, 3, 3, 3, 3, 3, 3, 3, 0])).toBe(false);
    expect(selfHarmFlag([0, 0, 0, 0, 0, 0, 0, 0, 3])).toBe(true);
    expect(selfHarmFlag([0, 0])).toBe(false);
  });
});
