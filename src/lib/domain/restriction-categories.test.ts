import { describe, expect, it } from 'vitest';
import { codeInCategory, prefixTouchesCategory, resourceInCategories } from './restriction-categories';

describe('restriction categories (ICD-10-CM)', () => {
  it.each([
    ['F01.50', 'mental-health', true],
    ['F32.1', 'mental-health', true],
    ['F99', 'mental-health', true],
    ['F10.20', 'mental-health', true],
    ['F00', 'mental-health', false],
    ['G30.9', 'mental-health', false],
    ['B20', 'hiv', true],
    ['Z21', 'hiv', true],
    ['R75', 'hiv', true],
    ['Z71.7', 'hiv', true],
    ['Z71.3', 'hiv', false],
    ['B19.9', 'hiv', false],
    ['b20', 'hiv', true],
    ['not a code', 'hiv', false]
  ] as const)('%s in %s: %s', (code, category, expected) => {
    expect(codeInCategory(code, category)).toBe(expected);
  });

  it('reads ICD-10 codings only, from any of a resource\'s codings', () => {
    const icd = (code: string) => ({ code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code }] } });
    expect(resourceInCategories(icd('F41.1'), ['mental-health'])).toBe(true);
    expect(resourceInCategories(icd('F41.1'), ['hiv'])).toBe(false);
    expect(resourceInCategories(icd('F41.1'), [])).toBe(false);
    // A SNOMED code that happens to look like an ICD-10 one is not read as one.
    expect(resourceInCategories({ code: { coding: [{ system: 'http://snomed.info/sct', code: 'F32' }] } }, ['mental-health'])).toBe(false);
    expect(resourceInCategories({ code: { coding: [{ system: 'http://snomed.info/sct', code: '35489007' }, { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'F32.9' }] } }, ['mental-health'])).toBe(true);
  });

  it.each([
    ['F32', 'mental-health', true],
    ['F10.2', 'mental-health', true],
    ['E11', 'mental-health', false],
    ['B20', 'hiv', true],
    ['Z21', 'hiv', true],
    ['R75', 'hiv', true],
    // Z71 holds Z71.7 "HIV counseling"; Z71.3 (dietary counseling) does not.
    ['Z71', 'hiv', true],
    ['Z71.3', 'hiv', false],
    ['B19', 'hiv', false],
    ['I10', 'hiv', false]
  ] as const)('a registry prefix %s selects codes of %s: %s', (prefix, category, expected) => {
    expect(prefixTouchesCategory(prefix, category)).toBe(expected);
  });
});
