import { describe, expect, test } from 'vitest';
import { ageInYears, isValidMrn, matchesQuery, newMrn, patientInputSchema, searchTokens, type PatientSummary } from './patient';

const valid = { family: 'Okafor', given: ['Chidi'], birthDate: '1980-02-29', gender: 'male' as const };

describe('patientInputSchema', () => {
  test('accepts a minimal registration', () => {
    expect(patientInputSchema.safeParse(valid).success).toBe(true);
  });
  test.each([
    [{ ...valid, family: ' ' }, 'family'],
    [{ ...valid, given: [] }, 'given'],
    [{ ...valid, birthDate: '1981-02-29' }, 'birthDate'],
    [{ ...valid, birthDate: '29/02/1980' }, 'birthDate'],
    [{ ...valid, birthDate: '2999-01-01' }, 'birthDate'],
    [{ ...valid, gender: 'x' }, 'gender'],
    [{ ...valid, email: 'not-an-email' }, 'email']
  ])('rejects %j at %s', (input, path) => {
    const r = patientInputSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].path[0]).toBe(path);
  });
});

describe('MRN', () => {
  test('new MRNs validate and a single changed character is caught', () => {
    for (let i = 0; i < 200; i++) {
      const mrn = newMrn();
      expect(isValidMrn(mrn)).toBe(true);
      const pos = i % 8;
      const swapped = mrn.slice(0, pos) + (mrn[pos] === '0' ? '1' : '0') + mrn.slice(pos + 1);
      expect(isValidMrn(swapped)).toBe(false);
    }
  });
});

describe('search', () => {
  const p: PatientSummary = {
    id: 'x',
    name: { family: 'Núñez', given: ['María', 'José'] },
    birthDate: '1975-06-01',
    gender: 'female',
    mrn: 'ABC123XYZ',
    updatedAt: ''
  };
  const tokens = searchTokens(p);
  test.each([
    ['nunez', true],
    ['maria nun', true],
    ['NÚÑ', true],
    ['abc1', true],
    ['1975-06', true],
    ['jose smith', false],
    ['ez', false]
  ])('%j → %s', (q, expected) => expect(matchesQuery(tokens, q)).toBe(expected));
});

test('ageInYears counts birthdays', () => {
  expect(ageInYears('2000-06-15', new Date('2026-06-14T12:00:00Z'))).toBe(25);
  expect(ageInYears('2000-06-15', new Date('2026-06-15T12:00:00Z'))).toBe(26);
});
