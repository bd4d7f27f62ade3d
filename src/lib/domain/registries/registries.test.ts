import { describe, expect, it, test } from 'vitest';
import { BUILT_IN_REGISTRIES, builtInRegistry } from './built-in-registries';
import { EMPTY_CHART_FACTS, type PatientFacts } from './patient-facts';
import { isPregnant, naegeleEdd, pregnancyDates } from './pregnancy';
import { registryDefinitionSchema } from './registry-definition';
import { evaluateAll, evaluateRule, registryRuleSchema, type RegistryRule, type RegistryRuleInput } from './registry-rules';
import { buildWorklist, csvField, filterRows, sortRows, worklistCsv } from './registry-worklist';

/** Today in every registry test: 1 December 2026. */
const NOW = '2026-12-01T10:00:00.000Z';

function patient(id: string, extra: Partial<PatientFacts> = {}): PatientFacts {
  return { ...EMPTY_CHART_FACTS, patientId: id, name: `Patient ${id}`, birthDate: '1970-06-15', gender: 'female', ...extra };
}
const hba1c = (value: number, at: string, unit = '%') => ({ code: '4548-4', text: 'HbA1c', value, unit, at });
const flu = (date: string) => ({ id: `flu-${date}`, status: 'completed' as const, vaccineCode: { text: 'Influenza', coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '140' }] }, occurrenceDateTime: date });
const answer = (rule: RegistryRuleInput, p: PatientFacts) => evaluateRule(registryRuleSchema.parse(rule), p, NOW).kind;

describe("Naegele's rule: LMP + 1 year − 3 months + 7 days", () => {
  test.each([
    ['2026-03-10', '2026-12-17'],
    ['2025-05-24', '2026-02-28'],
    ['2023-05-24', '2024-02-29'],
    ['2026-01-01', '2026-10-08'],
    ['2025-12-28', '2026-10-04'],
    ['2024-05-31', '2025-03-07'],
    ['not a date', null]
  ])('LMP %s gives EDD %s', (lmp, edd) => expect(naegeleEdd(lmp)).toBe(edd));

  test.each([
    ['LMP only', { activeCondition: false, lmp: '2026-03-10', edd: '' }, { edd: '2026-12-17', eddFrom: 'lmp', weeks: 38, days: 0 }],
    ['recorded EDD wins over the LMP', { activeCondition: false, lmp: '2026-03-10', edd: '2026-12-20' }, { edd: '2026-12-20', eddFrom: 'recorded', weeks: 37, days: 2 }],
    ['neither', { activeCondition: true, lmp: '', edd: '' }, null]
  ])('%s', (_what, p, expected) => expect(pregnancyDates(p, '2026-12-01')).toEqual(expected));

  test.each([
    ['active pregnancy problem, no dates', { activeCondition: true, lmp: '', edd: '' }, true],
    ['LMP 38 weeks ago', { activeCondition: false, lmp: '2026-03-10', edd: '' }, true],
    ['EDD exactly 14 days ago (42 weeks)', { activeCondition: false, lmp: '', edd: '2026-11-17' }, true],
    ['EDD 15 days ago: past term, no longer listed by dates', { activeCondition: false, lmp: '', edd: '2026-11-16' }, false],
    ['LMP in the future (typing error)', { activeCondition: false, lmp: '2027-01-10', edd: '' }, false],
    ['nothing recorded', { activeCondition: false, lmp: '', edd: '' }, false]
  ])('pregnant: %s → %s', (_what, p, expected) => expect(isPregnant(p, '2026-12-01')).toBe(expected));
});

describe('rule vocabulary', () => {
  test.each<[string, RegistryRuleInput, Partial<PatientFacts>, 'yes' | 'no' | 'unknown']>([
    ['E11 prefix matches E11.65', { kind: 'condition', icd10Prefixes: ['E11'] }, { conditionCodes: ['E11.65'] }, 'yes'],
    ['E11 prefix matches undotted E1165', { kind: 'condition', icd10Prefixes: ['E11'] }, { conditionCodes: ['E1165'] }, 'yes'],
    ['E11 prefix does not match E10.9', { kind: 'condition', icd10Prefixes: ['E11'] }, { conditionCodes: ['E10.9'] }, 'no'],
    ['E1 is not a code prefix the schema takes', { kind: 'condition', icd10Prefixes: ['E11.6'] }, { conditionCodes: ['E11.9'] }, 'no'],
    ['HbA1c 9.4 > 9', { kind: 'result', loinc: '4548-4', comparator: 'gt', value: 9, unit: '%' }, { latestResults: [hba1c(9.4, '2026-10-01')] }, 'yes'],
    ['HbA1c 9.0 is not > 9', { kind: 'result', loinc: '4548-4', comparator: 'gt', value: 9, unit: '%' }, { latestResults: [hba1c(9.0, '2026-10-01')] }, 'no'],
    ['HbA1c 9.0 ≥ 9', { kind: 'result', loinc: '4548-4', comparator: 'ge', value: 9 }, { latestResults: [hba1c(9.0, '2026-10-01')] }, 'yes'],
    ['HbA1c in mmol/mol cannot be compared with %', { kind: 'result', loinc: '4548-4', comparator: 'gt', value: 9, unit: '%' }, { latestResults: [hba1c(79, '2026-10-01', 'mmol/mol')] }, 'unknown'],
    ['"%{HbA1c}" is the same unit as "%"', { kind: 'result', loinc: '4548-4', comparator: 'gt', value: 9, unit: '%' }, { latestResults: [hba1c(9.5, '2026-10-01', '%{HbA1c}')] }, 'yes'],
    ['no HbA1c: a comparison says no', { kind: 'result', loinc: '4548-4', comparator: 'gt', value: 9 }, {}, 'no'],
    ['HbA1c on 2026-05-31 is older than 6 months on 2026-12-01', { kind: 'result', loinc: '4548-4', olderThanMonths: 6 }, { latestResults: [hba1c(7, '2026-05-31')] }, 'yes'],
    ['HbA1c on 2026-06-01 is not older than 6 months', { kind: 'result', loinc: '4548-4', olderThanMonths: 6 }, { latestResults: [hba1c(7, '2026-06-01')] }, 'no'],
    ['no HbA1c at all counts as older than 6 months', { kind: 'result', loinc: '4548-4', olderThanMonths: 6 }, {}, 'yes'],
    ['missing: none recorded', { kind: 'result', loinc: '4548-4', missing: true }, {}, 'yes'],
    ['missing: one recorded', { kind: 'result', loinc: '4548-4', missing: true }, { latestResults: [hba1c(7, '2026-06-01')] }, 'no'],
    ['metformin by RxNorm', { kind: 'medication', rxnorm: ['6809'] }, { medications: [{ text: 'Metformin', rxnorm: ['6809', '861007'], classes: ['biguanide'] }] }, 'yes'],
    ['statin by class', { kind: 'medication', drugClass: 'statin' }, { medications: [{ text: 'Atorvastatin', rxnorm: ['83367'], classes: ['statin'] }] }, 'yes'],
    ['statin by class, on metformin only', { kind: 'medication', drugClass: 'statin' }, { medications: [{ text: 'Metformin', rxnorm: ['6809'], classes: ['biguanide'] }] }, 'no'],
    ['age 18..18: 18th birthday today', { kind: 'age', minYears: 18, maxYears: 18 }, { birthDate: '2008-12-01' }, 'yes'],
    ['age max 18: 19th birthday today', { kind: 'age', maxYears: 18 }, { birthDate: '2007-12-01' }, 'no'],
    ['age max 18: 19 tomorrow', { kind: 'age', maxYears: 18 }, { birthDate: '2007-12-02' }, 'yes'],
    ['age without a birth date', { kind: 'age', minYears: 40 }, { birthDate: '' }, 'unknown'],
    ['sex female', { kind: 'sex', sex: 'female' }, { gender: 'female' }, 'yes'],
    ['sex female, male patient', { kind: 'sex', sex: 'female' }, { gender: 'male' }, 'no'],
    ['sex not recorded', { kind: 'sex', sex: 'female' }, { gender: 'unknown' }, 'unknown'],
    ['pregnant by problem', { kind: 'pregnant' }, { pregnancy: { activeCondition: true, lmp: '', edd: '' } }, 'yes'],
    ['last visit 2025-11-30 older than 12 months', { kind: 'last-visit-older', months: 12 }, { lastVisit: '2025-11-30T09:00:00Z' }, 'yes'],
    ['last visit 2025-12-01 not older than 12 months', { kind: 'last-visit-older', months: 12 }, { lastVisit: '2025-12-01T09:00:00Z' }, 'no'],
    ['never seen counts as overdue', { kind: 'last-visit-older', months: 12 }, { lastVisit: '' }, 'yes'],
    ['child without a flu dose this season is due', { kind: 'immunization-due' }, { birthDate: '2020-01-01', immunizations: [flu('2025-10-01')] }, 'yes'],
    ['child with a flu dose this season', { kind: 'immunization-due' }, { birthDate: '2020-01-01', immunizations: [flu('2026-09-20')] }, 'no'],
    ['no birth date: the schedule cannot be checked', { kind: 'immunization-due' }, { birthDate: '' }, 'unknown'],
    ['any: stale or high, high', { kind: 'any', rules: [{ kind: 'result', loinc: '4548-4', comparator: 'gt', value: 9 }, { kind: 'result', loinc: '4548-4', olderThanMonths: 6 }] }, { latestResults: [hba1c(9.4, '2026-10-01')] }, 'yes'],
    ['any: stale or high, recent and 7', { kind: 'any', rules: [{ kind: 'result', loinc: '4548-4', comparator: 'gt', value: 9 }, { kind: 'result', loinc: '4548-4', olderThanMonths: 6 }] }, { latestResults: [hba1c(7, '2026-10-01')] }, 'no']
  ])('%s', (_what, rule, facts, expected) => expect(answer(rule, patient('p', facts))).toBe(expected));

  test.each([
    ['unknown kind', { kind: 'postcode', value: 'X' }],
    ['ICD-10 prefix that is not one', { kind: 'condition', icd10Prefixes: ['DROP TABLE'] }],
    ['no prefixes', { kind: 'condition', icd10Prefixes: [] }],
    ['LOINC that is not one', { kind: 'result', loinc: 'HBA1C', comparator: 'gt', value: 9 }],
    ['comparator without value', { kind: 'result', loinc: '4548-4', comparator: 'gt' }],
    ['two tests in one result rule', { kind: 'result', loinc: '4548-4', comparator: 'gt', value: 9, olderThanMonths: 6 }],
    ['unknown comparator', { kind: 'result', loinc: '4548-4', comparator: 'like', value: 9 }],
    ['age range upside down', { kind: 'age', minYears: 40, maxYears: 18 }],
    ['age with no bound', { kind: 'age' }],
    ['medication with neither code nor class', { kind: 'medication', rxnorm: [] }],
    ['months zero', { kind: 'last-visit-older', months: 0 }],
    ['nested any', { kind: 'any', rules: [{ kind: 'any', rules: [] }, { kind: 'pregnant' }] }],
    ['unknown vaccine group', { kind: 'immunization-due', group: 'yellow-fever' }]
  ])('the schema refuses %s', (_what, rule) => expect(registryRuleSchema.safeParse(rule).success).toBe(false));

  it('a positive control: a well-formed rule of each kind passes the schema', () => {
    for (const r of [
      { kind: 'condition', icd10Prefixes: ['e11'] },
      { kind: 'result', loinc: '4548-4', comparator: 'gt', value: 9, unit: '%' },
      { kind: 'medication', drugClass: 'statin' },
      { kind: 'age', minYears: 40 },
      { kind: 'sex', sex: 'male' },
      { kind: 'pregnant' },
      { kind: 'last-visit-older', months: 6 },
      { kind: 'immunization-due', group: 'influenza' }
    ]) expect(registryRuleSchema.safeParse(r).success, JSON.stringify(r)).toBe(true);
    expect(registryRuleSchema.parse({ kind: 'condition', icd10Prefixes: [' e11 '] })).toEqual({ kind: 'condition', icd10Prefixes: ['E11'] });
  });

  it('every rule together: a no wins over a cannot-tell; cannot-tell keeps each reason once', () => {
    const rules: RegistryRule[] = [{ kind: 'age', minYears: 40 }, { kind: 'sex', sex: 'female' }, { kind: 'condition', icd10Prefixes: ['I10'] }];
    expect(evaluateAll(rules, patient('a', { birthDate: '', gender: 'unknown', conditionCodes: ['I10'] }), NOW)).toEqual({ kind: 'unknown', reason: 'Birth date not recorded; Sex not recorded' });
    expect(evaluateAll(rules, patient('b', { birthDate: '', conditionCodes: [] }), NOW)).toEqual({ kind: 'no' });
    expect(evaluateAll(rules, patient('c', { conditionCodes: ['I10'] }), NOW)).toEqual({ kind: 'yes' });
  });
});

describe('built-in registries over a hand-made panel', () => {
  const panel: PatientFacts[] = [
    patient('dm-high', { name: 'Achieng, Mary', conditionCodes: ['E11.9'], latestResults: [hba1c(9.4, '2026-10-01')], lastVisit: '2026-10-01' }),
    patient('dm-ok', { name: 'Baraka, John', gender: 'male', conditionCodes: ['E11.65', 'I10'], latestResults: [hba1c(6.8, '2026-09-01')], lastVisit: '2026-09-01' }),
    patient('dm-stale', { name: 'Chebet, Ann', conditionCodes: ['E10.9'], latestResults: [hba1c(7.2, '2026-03-01')], lastVisit: '2025-06-01' }),
    patient('dm-none', { name: 'Diallo, Sam', gender: 'male', conditionCodes: ['E13.9'], lastVisit: '2026-11-01' }),
    patient('prediabetes', { name: 'Eze, Tom', conditionCodes: ['R73.03'], lastVisit: '2026-11-01' }),
    patient('htn', { name: 'Faraji, Lea', conditionCodes: ['I11.9'], latestResults: [{ code: '8480-6', text: 'Systolic', value: 152, unit: 'mm[Hg]', at: '2026-11-20' }], lastVisit: '2026-11-20' }),
    patient('htn-i14', { name: 'Gitau, Max', conditionCodes: ['I95.9'], lastVisit: '2026-11-20' }),
    patient('preg', { name: 'Hassan, Zara', birthDate: '1996-02-02', pregnancy: { activeCondition: false, lmp: '2026-03-10', edd: '' }, lastVisit: '2026-11-25' }),
    patient('child', { name: 'Imani, Kito', birthDate: '2019-05-05', gender: 'male', immunizations: [flu('2025-10-01')], lastVisit: '2026-11-02' }),
    patient('child-done', { name: 'Juma, Ali', birthDate: '2019-05-05', gender: 'male', immunizations: [flu('2026-10-01')], lastVisit: '2026-11-02' }),
    patient('no-birth', { name: 'Kamau, X', birthDate: '', lastVisit: '2026-11-02' })
  ];
  const ids = (rows: { patientId: string }[]) => rows.map((r) => r.patientId);

  test.each([
    ['diabetes', ['dm-high', 'dm-ok', 'dm-stale', 'dm-none'], []],
    ['hypertension', ['dm-ok', 'htn'], []],
    ['pregnancy', ['preg'], []],
    ['child-vaccines', ['child'], ['no-birth']],
    ['follow-up', ['dm-stale'], []]
  ])('%s lists %j, cannot judge %j', (id, members, notEvaluated) => {
    const list = buildWorklist(builtInRegistry(id)!, panel, NOW);
    expect(ids(list.members)).toEqual(members);
    expect(ids(list.notEvaluated)).toEqual(notEvaluated);
  });

  it('the diabetes filters: HbA1c over 9%, and none in 6 months', () => {
    const list = buildWorklist(builtInRegistry('diabetes')!, panel, NOW);
    expect(ids(filterRows(list.members, ['hba1c-over-9']))).toEqual(['dm-high']);
    expect(ids(filterRows(list.members, ['hba1c-stale']))).toEqual(['dm-stale', 'dm-none']);
    expect(ids(filterRows(list.members, ['hba1c-over-9', 'hba1c-stale']))).toEqual([]);
    expect(ids(filterRows(list.members, [], 'chebet'))).toEqual(['dm-stale']);
    expect(list.members[0]).toMatchObject({ patientId: 'dm-high', keyResult: { value: 9.4, unit: '%', at: '2026-10-01' }, age: 56 });
  });

  it('sorts by HbA1c, highest first, rows without one last', () => {
    const list = buildWorklist(builtInRegistry('diabetes')!, panel, NOW);
    expect(ids(sortRows(list.members, 'keyValue', 'desc'))).toEqual(['dm-high', 'dm-stale', 'dm-ok', 'dm-none']);
    expect(ids(sortRows(list.members, 'keyValue', 'asc'))).toEqual(['dm-ok', 'dm-stale', 'dm-high', 'dm-none']);
    expect(ids(sortRows(list.members, 'lastVisit', 'asc'))).toEqual(['dm-stale', 'dm-ok', 'dm-high', 'dm-none']);
  });

  it('the pregnancy registry shows the delivery date by Naegele and the weeks', () => {
    const [row] = buildWorklist(builtInRegistry('pregnancy')!, panel, NOW).members;
    expect(row.pregnancy).toEqual({ edd: '2026-12-17', eddFrom: 'lmp', weeks: 38, days: 0 });
  });

  it('every built-in registry is valid under the schema clinics write theirs in', () => {
    for (const r of BUILT_IN_REGISTRIES) expect(registryDefinitionSchema.safeParse(r).success, r.id).toBe(true);
  });
});

describe('CSV export', () => {
  test.each([
    ['plain', 'plain'],
    ['Achieng, Mary', '"Achieng, Mary"'],
    ['say "hi"', '"say ""hi"""'],
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['+1', "'+1"],
    ['-2', "'-2"],
    ['@SUM', "'@SUM"]
  ])('%s → %s', (value, expected) => expect(csvField(value)).toBe(expected));

  it('writes a header and one line per row, CRLF-separated', () => {
    const rows = buildWorklist(builtInRegistry('diabetes')!, [patient('x', { name: 'Achieng, Mary', conditionCodes: ['E11'], latestResults: [hba1c(9.4, '2026-10-01')] })], NOW).members;
    const csv = worklistCsv(rows, [
      { header: 'Name', value: (r) => r.name },
      { header: 'HbA1c', value: (r) => String(r.keyResult?.value ?? '') }
    ]);
    expect(csv).toBe('Name,HbA1c\r\n"Achieng, Mary",9.4\r\n');
  });
});
