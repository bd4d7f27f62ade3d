import { csvCell } from '../csv';
import { POPULATIONS, type MeasureResult, type Population } from './evaluate-measures';
import { MEASURES, measureById, type MeasureDefinition } from './measure-definitions';

/**
 * Measures and their results as FHIR R4 Measure and MeasureReport
 * resources (http://hl7.org/fhir/R4/measure.html,
 * http://hl7.org/fhir/R4/measurereport.html), and as CSV. Pure JSON.
 */

export const NOT_CERTIFIED =
  'Not certified eCQM results: computed by Outpost from simplified public code lists (ICD-10-CM, LOINC, SNOMED CT, HCPCS) after the CMS eCQM specifications for the 2025 performance period; not the VSAC value sets, not for submission to CMS.';

const POPULATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/measure-population';
const POPULATION_CODE: Record<Population, string> = {
  initialPopulation: 'initial-population',
  denominator: 'denominator',
  denominatorExclusion: 'denominator-exclusion',
  numerator: 'numerator'
};
const POPULATION_TEXT: Record<Population, string> = {
  initialPopulation: 'Initial population',
  denominator: 'Denominator',
  denominatorExclusion: 'Denominator exclusions',
  numerator: 'Numerator'
};

const populationCode = (p: Population) => ({ coding: [{ system: POPULATION_SYSTEM, code: POPULATION_CODE[p], display: POPULATION_TEXT[p] }] });
const improvement = (m: MeasureDefinition) => ({
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/measure-improvement-notation', code: m.improvement }]
});

export function measureResource(m: MeasureDefinition, base: string): Record<string, unknown> {
  return {
    resourceType: 'Measure',
    id: m.id,
    url: `${base}/Measure/${m.id}`,
    identifier: [{ system: 'https://ecqi.healthit.gov/ecqms', value: m.version }],
    version: `${m.version}-simplified`,
    name: m.id,
    title: m.title,
    status: 'active',
    experimental: true,
    description: m.description,
    disclaimer: NOT_CERTIFIED,
    scoring: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/measure-scoring', code: 'proportion' }] },
    improvementNotation: improvement(m),
    relatedArtifact: [{ type: 'documentation', display: `CMS eCQM ${m.version} (2025 performance period)`, url: m.url }],
    group: m.groups.map((g) => ({
      id: g.id,
      description: g.title,
      population: POPULATIONS.map((p) => ({ code: populationCode(p), criteria: { language: 'text/plain', expression: `${m.id} ${g.id} ${POPULATION_CODE[p]}` } }))
    }))
  };
}

export function measureBundle(base: string): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: MEASURES.length,
    entry: MEASURES.map((m) => ({ fullUrl: `${base}/Measure/${m.id}`, resource: measureResource(m, base), search: { mode: 'match' } }))
  };
}

/**
 * The MeasureReport of one result. `subject-list` adds one contained List
 * per population naming its patients (`Patient/<id>`), which each
 * population points to (subjectResults); `summary` gives the counts only.
 */
export function measureReport(r: MeasureResult, base: string, reportType: 'summary' | 'subject-list', now: Date): Record<string, unknown> {
  const m = measureById(r.measureId)!;
  const contained: Record<string, unknown>[] = [];
  const group = r.groups.map((g) => ({
    id: g.id,
    population: POPULATIONS.map((p) => {
      const ids = g.populations[p];
      const pop: Record<string, unknown> = { code: populationCode(p), count: ids.length };
      if (reportType === 'subject-list') {
        const listId = `${g.id}-${POPULATION_CODE[p]}`;
        contained.push({ resourceType: 'List', id: listId, status: 'current', mode: 'snapshot', title: `${m.id} ${g.title}: ${POPULATION_TEXT[p]}`, entry: ids.map((id) => ({ item: { reference: `Patient/${id}` } })) });
        pop.subjectResults = { reference: `#${listId}` };
      }
      return pop;
    }),
    ...(g.rate === null ? {} : { measureScore: { value: Math.round(g.rate * 10000) / 10000, unit: '1', system: 'http://unitsofmeasure.org', code: '1' } })
  }));
  return {
    resourceType: 'MeasureReport',
    ...(contained.length ? { contained } : {}),
    status: 'complete',
    type: reportType === 'subject-list' ? 'subject-list' : 'summary',
    measure: `${base}/Measure/${m.id}`,
    date: now.toISOString(),
    period: { start: r.period.start, end: r.period.end },
    improvementNotation: improvement(m),
    extension: [{ url: 'urn:outpost:measure-disclaimer', valueString: NOT_CERTIFIED }],
    group
  };
}

export const SUMMARY_CSV_COLUMNS = ['measure', 'version', 'group', 'period_start', 'period_end', 'provider', 'initial_population', 'denominator', 'denominator_exclusions', 'numerator', 'rate_percent'] as const;

/** One line per measure group; the disclaimer is the first line so it travels with the numbers. */
export function summaryCsv(results: readonly MeasureResult[]): string {
  const lines = [csvCell(`# ${NOT_CERTIFIED}`), SUMMARY_CSV_COLUMNS.join(',')];
  for (const r of results) {
    const m = measureById(r.measureId)!;
    for (const g of r.groups) {
      const p = g.populations;
      lines.push(
        [m.id, m.version, g.title, r.period.start, r.period.end, r.provider || 'All', p.initialPopulation.length, p.denominator.length, p.denominatorExclusion.length, p.numerator.length, g.rate === null ? '' : (g.rate * 100).toFixed(1)]
          .map(csvCell)
          .join(',')
      );
    }
  }
  return lines.join('\r\n') + '\r\n';
}

export interface PatientLabel {
  mrn: string;
  name: string;
}

/** One line per patient in a group's initial population, with the populations they are in: the drill-down as a worklist. */
export function patientsCsv(results: readonly MeasureResult[], label: (patientId: string) => PatientLabel): string {
  const lines = [csvCell(`# ${NOT_CERTIFIED}`), 'measure,group,patient_id,mrn,name,denominator,excluded,numerator'];
  for (const r of results) {
    for (const g of r.groups) {
      const den = new Set(g.populations.denominator);
      const excl = new Set(g.populations.denominatorExclusion);
      const num = new Set(g.populations.numerator);
      for (const id of g.populations.initialPopulation) {
        const l = label(id);
        lines.push([r.measureId, g.title, id, l.mrn, l.name, yes(den.has(id)), yes(excl.has(id)), yes(num.has(id))].map(csvCell).join(','));
      }
    }
  }
  return lines.join('\r\n') + '\r\n';
}
const yes = (b: boolean) => (b ? 'yes' : 'no');
