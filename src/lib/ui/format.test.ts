import { afterEach, describe, expect, it } from 'vitest';
import { setLanguage } from '$lib/i18n/locale.svelte';
import { flagLabel, readingText, timelineKindOne, vitalLabel } from '$lib/i18n/chart-labels';
import { DEMOGRAPHIC_LABELS, demographicValue } from './demographics-form';
import { birthDateWithAge, dateOnly, fileSize, formatLocale, formatNumber, genderLabel } from './format';

/** Dates, ages and numbers on the chart, in the app's language (Node's full ICU, the same CLDR data Chromium uses). */
afterEach(() => setLanguage('en'));

const NOW = new Date('2026-03-10T12:00:00Z');

describe('the locale dates and numbers are written in', () => {
  it('is the app language, with the browser’s region when the browser asks for that same language', () => {
    expect(formatLocale('en', ['en-GB', 'fr'])).toBe('en-GB');
    expect(formatLocale('pt', ['en-US', 'pt-BR'])).toBe('pt-BR');
    expect(formatLocale('sw', ['en-US'])).toBe('sw');
    expect(formatLocale('fr', [])).toBe('fr');
  });
});

describe('dates on the chart', () => {
  it('a day is written as each language writes it', () => {
    setLanguage('en');
    expect(dateOnly('2026-03-04')).toBe('Mar 4, 2026');
    setLanguage('fr');
    expect(dateOnly('2026-03-04')).toBe('4 mars 2026');
    setLanguage('es');
    expect(dateOnly('2026-03-04')).toBe('4 mar 2026');
    setLanguage('pt');
    expect(dateOnly('2026-03-04')).toBe('4 de mar. de 2026');
    setLanguage('sw');
    expect(dateOnly('2026-03-04')).toBe('4 Mac 2026');
  });

  it('an age in years, and an infant’s in months, with the words of the language', () => {
    setLanguage('en');
    expect(birthDateWithAge('1971-03-04', NOW)).toBe('Mar 4, 1971 (55 y)');
    expect(birthDateWithAge('2025-12-01', NOW)).toBe('Dec 1, 2025 (3 mo)');
    setLanguage('sw');
    expect(birthDateWithAge('1971-03-04', NOW)).toBe('4 Mac 1971 (miaka 55)');
    expect(birthDateWithAge('2026-02-01', NOW)).toBe('1 Feb 2026 (mwezi 1)');
    expect(birthDateWithAge('2025-12-01', NOW)).toBe('1 Des 2025 (miezi 3)');
    setLanguage('fr');
    expect(birthDateWithAge('1971-03-04', NOW)).toBe('4 mars 1971 (55 ans)');
    setLanguage('es');
    expect(birthDateWithAge('2026-02-01', NOW)).toBe('1 feb 2026 (1 mes)');
    expect(birthDateWithAge('2025-12-01', NOW)).toBe('1 dic 2025 (3 meses)');
  });

  it('an empty or unreadable date stays visible as such', () => {
    setLanguage('fr');
    expect(dateOnly('')).toBe('—');
    expect(dateOnly('not a date')).toBe('not a date');
  });
});

describe('numbers and units', () => {
  it('a measured number takes the language’s decimal mark; the unit stays the clinical unit', () => {
    setLanguage('fr');
    expect(formatNumber(37.46)).toBe('37,5');
    expect(readingText({ kind: 'temperature', value: 37.46 })).toBe('37,5 °C');
    expect(readingText({ kind: 'bloodPressure', value: 128.4, diastolic: 82 })).toBe('128/82 mmHg');
    expect(readingText({ kind: 'weight', value: 1234.5 })).toBe('1\u202f234,5 kg');
    setLanguage('pt');
    expect(readingText({ kind: 'weight', value: 70.25 })).toBe('70,3 kg');
    setLanguage('en');
    expect(readingText({ kind: 'temperature', value: 37.46 })).toBe('37.5 °C');
    expect(fileSize(3 * 1024 * 1024 + 300_000)).toBe('3.3 MB');
    setLanguage('es');
    expect(fileSize(3 * 1024 * 1024 + 300_000)).toBe('3,3 MB');
  });
});

describe('coded values shown in the app’s language', () => {
  it('vital names, flags, sex and demographic labels follow the language; a laboratory’s own flag text is kept', () => {
    setLanguage('sw');
    expect(vitalLabel('bloodPressure')).toBe('Shinikizo la damu');
    expect(flagLabel('Fever')).toBe('Homa');
    expect(flagLabel('Reactive (see comment)')).toBe('Reactive (see comment)');
    expect(genderLabel('female')).toBe('Mwanamke');
    expect(DEMOGRAPHIC_LABELS.birthDate()).toBe('Tarehe ya kuzaliwa');
    expect(demographicValue('gender', 'male')).toBe('Mwanamume');
    expect(timelineKindOne('immunization')).toBe('Chanjo');
    setLanguage('es');
    expect(flagLabel('Stage 2 hypertension')).toBe('Hipertensión estadio 2');
    setLanguage('en');
    expect(flagLabel('Stage 2 hypertension')).toBe('Stage 2 hypertension');
    expect(DEMOGRAPHIC_LABELS.city()).toBe('Town / village');
  });
});
