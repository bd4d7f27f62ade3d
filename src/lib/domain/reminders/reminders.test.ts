import { describe, expect, it, test } from 'vitest';
import type { Condition } from '../chart';
import type { Immunization, Observation, Procedure } from '../clinical';
import type { OrderRecord } from '../orders';
import { applyDismissals, evaluateReminders, type Dismissal, type Reminder, type ReminderContext } from './index';

const now = '2026-12-01T10:00:00.000Z';
const prov = { createdAt: '2020-01-01T00:00:00Z', createdBy: 'x', updatedAt: '', updatedBy: '' };
const obs = (code: string, at: string, value?: number, extra: Partial<Observation> = {}): Observation => ({
  ...prov,
  id: `${code}-${at}`,
  status: 'final',
  category: 'laboratory',
  code: { text: code, coding: [{ system: 'http://loinc.org', code }] },
  effectiveDateTime: at,
  ...(value === undefined ? {} : { valueQuantity: { value } }),
  ...extra
});
const bp = (s: number, d: number, at: string): Observation => ({
  ...obs('85354-9', at),
  category: 'vital-signs',
  component: [
    { code: { text: 's', coding: [{ code: '8480-6' }] }, valueQuantity: { value: s, unit: 'mm[Hg]' } },
    { code: { text: 'd', coding: [{ code: '8462-4' }] }, valueQuantity: { value: d, unit: 'mm[Hg]' } }
  ]
});
const bmi = (v: number, at = '2026-06-01') => ({ ...obs('39156-5', at, v), category: 'vital-signs', valueQuantity: { value: v, unit: 'kg/m2' } });
const procedure = (code: string, text: string, at: string): Procedure => ({ ...prov, id: code, status: 'completed', code: { text, coding: [{ code }] }, performedPeriod: { start: at } });
const problem = (text: string, code: string): Condition => ({
  ...prov,
  id: code,
  code: { text, coding: [{ code }] },
  clinicalStatus: 'active',
  verificationStatus: 'confirmed',
  onsetDate: '',
  abatementDate: '',
  note: '',
  recordedDate: ''
});
const dose = (cvx: string, date: string): Immunization => ({ ...prov, id: `${cvx}${date}`, status: 'completed', vaccineCode: { text: cvx, coding: [{ code: cvx }] }, occurrenceDateTime: date });

function ctx(over: Partial<ReminderContext> = {}): ReminderContext {
  return { birthDate: '1971-03-03', gender: 'male', now, conditions: [], observations: [], reports: [], procedures: [], immunizations: [], orders: [], medications: [], allergies: [], ...over };
}
const find = (list: Reminder[], id: string) => list.find((r) => r.id === id);

describe('preventive care rules (USPSTF subset)', () => {
  test.each<[string, Partial<ReminderContext>, string, Reminder['status'] | 'none']>([
    ['colorectal: 55-year-old with nothing recorded', {}, 'uspstf-colorectal-cancer', 'due'],
    ['colorectal: 44-year-old', { birthDate: '1982-06-01' }, 'uspstf-colorectal-cancer', 'none'],
    ['colorectal: 45-year-old', { birthDate: '1981-06-01' }, 'uspstf-colorectal-cancer', 'due'],
    ['colorectal: 76-year-old', { birthDate: '1950-01-01' }, 'uspstf-colorectal-cancer', 'none'],
    ['colorectal: colonoscopy 9 years ago', { procedures: [procedure('73761001', 'Colonoscopy', '2018-01-01')] }, 'uspstf-colorectal-cancer', 'none'],
    ['colorectal: colonoscopy 11 years ago', { procedures: [procedure('73761001', 'Colonoscopy', '2015-01-01')] }, 'uspstf-colorectal-cancer', 'due'],
    ['colorectal: FIT this year', { observations: [obs('57905-2', '2026-03-01')] }, 'uspstf-colorectal-cancer', 'none'],
    ['colorectal: FIT two years ago', { observations: [obs('57905-2', '2024-03-01')] }, 'uspstf-colorectal-cancer', 'due'],
    ['colorectal: FIT entered in error', { observations: [obs('57905-2', '2026-03-01', undefined, { status: 'entered-in-error' })] }, 'uspstf-colorectal-cancer', 'due'],
    ['breast: woman of 45', { gender: 'female', birthDate: '1981-01-01' }, 'uspstf-breast-cancer', 'due'],
    ['breast: woman of 39', { gender: 'female', birthDate: '1987-06-01' }, 'uspstf-breast-cancer', 'none'],
    ['breast: woman of 75', { gender: 'female', birthDate: '1951-06-01' }, 'uspstf-breast-cancer', 'none'],
    ['breast: man of 45', { gender: 'male', birthDate: '1981-01-01' }, 'uspstf-breast-cancer', 'none'],
    ['breast: sex unknown', { gender: 'unknown', birthDate: '1981-01-01' }, 'uspstf-breast-cancer', 'not-evaluated'],
    ['breast: mammogram 18 months ago', { gender: 'female', birthDate: '1981-01-01', reports: [{ ...obs('24606-6', '2025-06-01'), category: [], result: [] }] }, 'uspstf-breast-cancer', 'none'],
    ['cervical: woman of 30', { gender: 'female', birthDate: '1996-01-01' }, 'uspstf-cervical-cancer', 'due'],
    ['cervical: woman of 30 with HPV test 4 years ago', { gender: 'female', birthDate: '1996-01-01', observations: [obs('30167-1', '2022-12-15')] }, 'uspstf-cervical-cancer', 'none'],
    ['cervical: woman of 66', { gender: 'female', birthDate: '1960-01-01' }, 'uspstf-cervical-cancer', 'none'],
    ['cervical: sex other', { gender: 'other', birthDate: '1996-01-01' }, 'uspstf-cervical-cancer', 'not-evaluated'],
    ['hypertension: 55 with BP this year', { observations: [bp(118, 76, '2026-05-01')] }, 'uspstf-hypertension', 'none'],
    ['hypertension: 55 with BP 2 years ago', { observations: [bp(118, 76, '2024-05-01')] }, 'uspstf-hypertension', 'due'],
    ['hypertension: 30 with BP 2 years ago', { birthDate: '1996-01-01', observations: [bp(118, 76, '2024-05-01')] }, 'uspstf-hypertension', 'none'],
    ['hypertension: 30 with BP 4 years ago', { birthDate: '1996-01-01', observations: [bp(118, 76, '2022-05-01')] }, 'uspstf-hypertension', 'due'],
    ['diabetes: 55 with BMI 31, no HbA1c', { observations: [bmi(31)] }, 'uspstf-prediabetes-diabetes', 'due'],
    ['diabetes: 55 with BMI 22', { observations: [bmi(22)] }, 'uspstf-prediabetes-diabetes', 'none'],
    ['diabetes: 55 without BMI', {}, 'uspstf-prediabetes-diabetes', 'not-evaluated'],
    ['diabetes: 55 without BMI, obesity on the problem list', { conditions: [problem('Body mass index 30+ - obesity (finding)', '162864005')] }, 'uspstf-prediabetes-diabetes', 'due'],
    ['diabetes: 55 with BMI 31 and HbA1c 2 years ago', { observations: [bmi(31), obs('4548-4', '2024-12-01', 5.9)] }, 'uspstf-prediabetes-diabetes', 'none'],
    ['diabetes: already has type 2 diabetes (SNOMED)', { observations: [bmi(31)], conditions: [problem('Diabetes mellitus type 2', '44054006')] }, 'uspstf-prediabetes-diabetes', 'none'],
    ['diabetes: already has type 2 diabetes (ICD-10-CM)', { observations: [bmi(31)], conditions: [problem('T2DM without complications', 'E11.9')] }, 'uspstf-prediabetes-diabetes', 'none'],
    ['diabetes: prediabetes is still screened', { observations: [bmi(31)], conditions: [problem('Prediabetes', '15777000')] }, 'uspstf-prediabetes-diabetes', 'due'],
    ['diabetes: an open HbA1c order', { observations: [bmi(31)], orders: [{ ...prov, id: 'o1', status: 'active', intent: 'order', category: 'laboratory', code: { text: 'HbA1c', coding: [{ code: '4548-4' }] }, priority: 'routine', reasonText: '', note: '', authoredOn: now } satisfies OrderRecord] }, 'uspstf-prediabetes-diabetes', 'ordered'],
    ['lipids: 55 with lipid panel 6 years ago', { observations: [obs('2093-3', '2020-01-01')] }, 'uspstf-statin-lipids', 'due'],
    ['lipids: 55 with lipid panel 4 years ago', { observations: [obs('2093-3', '2023-01-01')] }, 'uspstf-statin-lipids', 'none'],
    ['depression: adult never screened', {}, 'uspstf-depression-adults', 'due'],
    ['depression: PHQ-9 this year', { observations: [obs('44261-6', '2026-02-01', 3)] }, 'uspstf-depression-adults', 'none'],
    ['depression: adolescent of 15', { birthDate: '2011-01-01' }, 'uspstf-depression-adolescents', 'due'],
    ['tobacco: smoking status this year', { observations: [obs('72166-2', '2026-02-01')] }, 'uspstf-tobacco', 'none'],
    ['hepatitis C: once, years ago', { observations: [obs('13955-0', '2001-02-01')] }, 'uspstf-hepatitis-c', 'none'],
    ['HIV: 70-year-old', { birthDate: '1956-01-01' }, 'uspstf-hiv', 'none'],
    ['HIV: 30-year-old', { birthDate: '1996-01-01' }, 'uspstf-hiv', 'due'],
    ['no birth date: not evaluated', { birthDate: '' }, 'uspstf-colorectal-cancer', 'not-evaluated']
  ])('%s', (_, over, id, status) => {
    const r = find(evaluateReminders(ctx(over)), id);
    expect(r?.status ?? 'none').toBe(status);
    if (r) expect(r.source.citation).toMatch(/^(USPSTF|CDC)/);
  });

  it('raises nothing for a deceased patient', () => {
    expect(evaluateReminders(ctx({ deceasedDate: '2019-04-05' }))).toEqual([]);
  });

  it('every preventive and immunization reminder cites a year', () => {
    // A 55-year-old woman with a BMI of 31 and nothing else recorded: one
    // vitals reminder and fifteen preventive and immunization reminders.
    const all = evaluateReminders(ctx({ gender: 'female', observations: [bmi(31)] }));
    expect(all.filter((r) => r.category === 'vitals')).toHaveLength(1);
    const cited = all.filter((r) => r.category !== 'vitals');
    expect(cited).toHaveLength(15);
    expect(Object.fromEntries(cited.map((r) => [r.id, r.source.citation.match(/\b20\d\d\b/)?.[0]]))).toEqual({
      'cdc-influenza': '2025',
      'cdc-tetanus': '2025',
      'cdc-pneumococcal': '2025',
      'cdc-zoster': '2025',
      'cdc-hepatitis-b': '2025',
      'uspstf-colorectal-cancer': '2021',
      'uspstf-breast-cancer': '2024',
      'uspstf-cervical-cancer': '2018',
      'uspstf-hypertension': '2021',
      'uspstf-prediabetes-diabetes': '2021',
      'uspstf-statin-lipids': '2022',
      'uspstf-depression-adults': '2023',
      'uspstf-tobacco': '2021',
      'uspstf-hepatitis-c': '2020',
      'uspstf-hiv': '2019'
    });
  });
});

describe('immunization and vitals reminders', () => {
  it('an overdue Td and missing influenza dose are due; recording them clears them', () => {
    const before = evaluateReminders(ctx({ immunizations: [dose('113', '2012-01-01')] }));
    expect(find(before, 'cdc-tetanus')).toMatchObject({ status: 'due', overdue: true, action: { kind: 'immunize', cvx: '115' } });
    expect(find(before, 'cdc-influenza')).toMatchObject({ status: 'due', action: { kind: 'immunize', cvx: '140' } });
    const after = evaluateReminders(ctx({ immunizations: [dose('113', '2012-01-01'), dose('115', '2026-11-30'), dose('140', '2026-11-30')] }));
    expect(find(after, 'cdc-tetanus')).toBeUndefined();
    expect(find(after, 'cdc-influenza')).toBeUndefined();
  });

  test.each([
    ['stage 2 hypertension', [bp(162, 101, '2026-11-01')], 'danger'],
    ['a normal reading after a high one', [bp(162, 101, '2026-10-01'), bp(118, 76, '2026-11-01')], null],
    ['obesity', [bmi(32)], 'warn']
  ] as const)('vitals: %s', (_, observations, level) => {
    const r = evaluateReminders(ctx({ observations: [...observations] })).filter((x) => x.category === 'vitals');
    if (level === null) expect(r).toEqual([]);
    else expect(r[0]).toMatchObject({ status: 'due', level });
  });

  it("a child's vitals are shown as not evaluated against adult ranges", () => {
    const r = evaluateReminders(ctx({ birthDate: '2019-10-23', observations: [bp(140, 90, '2026-11-01')] }));
    expect(find(r, 'vitals-ranges')).toMatchObject({ status: 'not-evaluated', reason: 'Child: adult ranges not checked' });
  });
});

describe('dismissals', () => {
  const reminders = evaluateReminders(ctx({ observations: [bp(162, 101, '2026-11-01')] }));
  const dismissal = (reminderId: string, over: Partial<Dismissal> = {}): Dismissal => ({
    id: 'd1',
    reminderId,
    reason: 'Patient declined',
    dismissedBy: 'Dr',
    dismissedAt: '2026-11-01T00:00:00Z',
    until: '2027-11-01T00:00:00Z',
    status: 'active',
    ...over
  });

  test.each([
    ['an active dismissal sets the reminder aside', dismissal('uspstf-hiv'), true],
    ['an expired dismissal does not', dismissal('uspstf-hiv', { until: '2026-11-30T00:00:00Z' }), false],
    ['a withdrawn dismissal does not', dismissal('uspstf-hiv', { status: 'withdrawn' }), false]
  ])('%s', (_, d, aside) => {
    const view = applyDismissals(reminders, [d], now);
    expect(view.dismissed.some((x) => x.reminder.id === 'uspstf-hiv')).toBe(aside);
    expect(view.active.some((x) => x.id === 'uspstf-hiv')).toBe(!aside);
  });

  it('shows the most urgent first and never hides a not-evaluated rule', () => {
    const view = applyDismissals(evaluateReminders(ctx({ gender: 'unknown', observations: [bp(162, 101, '2026-11-01')] })), [dismissal('uspstf-breast-cancer')], now);
    expect(view.active[0].category).toBe('vitals');
    expect(view.notEvaluated.map((r) => r.id)).toContain('uspstf-breast-cancer');
  });
});
