import { describe, expect, test } from 'vitest';
import { evaluateReminders, REMINDER_COVERAGE, type Reminder } from './index';
import { bmi, ctx, find, obs, order, procedure, report } from './test-factories';

/**
 * What each preventive reminder says, word for word: the title, the USPSTF
 * recommendation it cites (name, year, grade) and where to read it, the
 * interval it explains, what was last recorded and the action it offers.
 */

const URL = 'https://www.uspreventiveservicestaskforce.org/uspstf/recommendation-topics/uspstf-a-and-b-recommendations';

describe('a due reminder with nothing recorded', () => {
  // A 55-year-old woman with a BMI of 31 and nothing else in her chart; a 15-year-old for the adolescent rule.
  const woman = evaluateReminders(ctx({ gender: 'female', observations: [bmi(31)] }));
  const teenager = evaluateReminders(ctx({ birthDate: '2011-06-01' }));

  test.each<[string, Reminder]>([
    [
      'colorectal cancer',
      {
        id: 'uspstf-colorectal-cancer',
        category: 'preventive',
        title: 'Colorectal cancer screening (45–75)',
        source: { citation: 'USPSTF, Colorectal Cancer: Screening, 2021 (A for 50–75, B for 45–49)', url: URL },
        status: 'due',
        level: 'info',
        overdue: false,
        detail: 'FIT yearly, stool DNA-FIT every 1–3 years, CT colonography or sigmoidoscopy every 5, or colonoscopy every 10 years. None recorded.',
        action: { kind: 'order', code: '57905-2', label: 'Order FIT' }
      }
    ],
    [
      'breast cancer',
      {
        id: 'uspstf-breast-cancer',
        category: 'preventive',
        title: 'Breast cancer screening: mammography every 2 years (women 40–74)',
        source: { citation: 'USPSTF, Breast Cancer: Screening, 2024 (B)', url: URL },
        status: 'due',
        level: 'info',
        overdue: false,
        detail: 'Biennial screening mammography. None recorded.',
        action: { kind: 'order', code: '24606-6', label: 'Order screening mammogram' }
      }
    ],
    [
      'cervical cancer',
      {
        id: 'uspstf-cervical-cancer',
        category: 'preventive',
        title: 'Cervical cancer screening (women 21–65)',
        source: { citation: 'USPSTF, Cervical Cancer: Screening, 2018 (A)', url: URL },
        status: 'due',
        level: 'info',
        overdue: false,
        detail:
          'Cytology every 3 years (21–65), or from 30 high-risk HPV testing or co-testing every 5 years. (Hysterectomy with cervix removed is not checked.) None recorded.',
        action: { kind: 'review', label: 'Offer cervical screening' }
      }
    ],
    [
      'blood pressure',
      {
        id: 'uspstf-hypertension',
        category: 'preventive',
        title: 'Blood pressure screening (adults)',
        source: { citation: 'USPSTF, Hypertension in Adults: Screening, 2021 (A)', url: URL },
        status: 'due',
        level: 'info',
        overdue: false,
        detail: 'Yearly from 40; every 3–5 years for 18–39 (this rule uses 3). None recorded.',
        action: { kind: 'record-vitals', label: 'Go to vitals' }
      }
    ],
    [
      'prediabetes and diabetes',
      {
        id: 'uspstf-prediabetes-diabetes',
        category: 'preventive',
        title: 'Prediabetes and type 2 diabetes screening (35–70 with overweight or obesity)',
        source: { citation: 'USPSTF, Prediabetes and Type 2 Diabetes: Screening, 2021 (B)', url: URL },
        status: 'due',
        level: 'info',
        overdue: false,
        detail: 'HbA1c or fasting glucose; USPSTF suggests every 3 years may be reasonable. None recorded.',
        action: { kind: 'order', code: '4548-4', label: 'Order HbA1c' }
      }
    ],
    [
      'lipids',
      {
        id: 'uspstf-statin-lipids',
        category: 'preventive',
        title: 'Cardiovascular risk assessment: lipids (40–75)',
        source: { citation: 'USPSTF, Statin Use for the Primary Prevention of Cardiovascular Disease in Adults: Preventive Medication, 2022 (B)', url: URL },
        status: 'due',
        level: 'info',
        overdue: false,
        detail:
          'Lipids to estimate 10-year CVD risk for the statin decision. USPSTF sets no interval; this rule uses 5 years (2018 ACC/AHA cholesterol guideline: every 4–6 years). None recorded.',
        action: { kind: 'order', code: '57698-3', label: 'Order lipid panel' }
      }
    ],
    [
      'depression, adults',
      {
        id: 'uspstf-depression-adults',
        category: 'preventive',
        title: 'Depression screening (adults)',
        source: { citation: 'USPSTF, Depression and Suicide Risk in Adults: Screening, 2023 (B)', url: URL },
        status: 'due',
        level: 'info',
        overdue: false,
        detail: 'USPSTF sets no interval; this rule uses yearly. None recorded.',
        action: { kind: 'review', label: 'Screen with PHQ-2/PHQ-9' }
      }
    ],
    [
      'tobacco',
      {
        id: 'uspstf-tobacco',
        category: 'preventive',
        title: 'Ask about tobacco use (adults)',
        source: { citation: 'USPSTF, Tobacco Smoking Cessation in Adults, Including Pregnant Persons: Interventions, 2021 (A)', url: URL },
        status: 'due',
        level: 'info',
        overdue: false,
        detail: 'Ask at visits; this rule looks for a smoking status in the last year. None recorded.',
        action: { kind: 'review', label: 'Ask and record smoking status' }
      }
    ],
    [
      'hepatitis C',
      {
        id: 'uspstf-hepatitis-c',
        category: 'preventive',
        title: 'Hepatitis C screening once (18–79)',
        source: { citation: 'USPSTF, Hepatitis C Virus Infection in Adolescents and Adults: Screening, 2020 (B)', url: URL },
        status: 'due',
        level: 'info',
        overdue: false,
        detail: 'Once in adulthood. None recorded.',
        action: { kind: 'review', label: 'Offer HCV antibody test' }
      }
    ],
    [
      'HIV',
      {
        id: 'uspstf-hiv',
        category: 'preventive',
        title: 'HIV screening (15–65)',
        source: { citation: 'USPSTF, Human Immunodeficiency Virus (HIV) Infection: Screening, 2019 (A)', url: URL },
        status: 'due',
        level: 'info',
        overdue: false,
        detail: 'At least once; repeat for those at increased risk (not checked). None recorded.',
        action: { kind: 'review', label: 'Offer HIV test' }
      }
    ]
  ])('%s', (_, expected) => {
    expect(find(woman, expected.id)).toEqual(expected);
  });

  test('depression, adolescents', () => {
    expect(find(teenager, 'uspstf-depression-adolescents')).toEqual({
      id: 'uspstf-depression-adolescents',
      category: 'preventive',
      title: 'Depression screening (adolescents 12–18)',
      source: { citation: 'USPSTF, Depression and Suicide Risk in Children and Adolescents: Screening, 2022 (B)', url: URL },
      status: 'due',
      level: 'info',
      overdue: false,
      detail: 'USPSTF sets no interval; this rule uses yearly. None recorded.',
      action: { kind: 'review', label: 'Screen with PHQ-A' }
    });
  });
});

describe('a due reminder after an earlier screening lapsed', () => {
  test('is overdue and names the date of the newest screening of any kind, not the time', () => {
    // Colonoscopy 11½ years ago, sigmoidoscopy 13 and FIT 14: every one has lapsed; the newest is named.
    const r = find(
      evaluateReminders(
        ctx({
          procedures: [procedure('73761001', 'Colonoscopy', '2015-06-01T09:30:00Z'), procedure('44441009', 'Flexible sigmoidoscopy', '2014-01-01')],
          observations: [obs('57905-2', '2013-01-01')]
        })
      ),
      'uspstf-colorectal-cancer'
    );
    expect(r).toMatchObject({
      status: 'due',
      overdue: true,
      detail: 'FIT yearly, stool DNA-FIT every 1–3 years, CT colonography or sigmoidoscopy every 5, or colonoscopy every 10 years. Last recorded 2015-06-01.'
    });
  });

  test('names the newest even when it is the last kind of evidence the rule lists', () => {
    const r = find(
      evaluateReminders(ctx({ procedures: [procedure('73761001', 'Colonoscopy', '2013-01-01')], observations: [obs('57905-2', '2024-02-01')] })),
      'uspstf-colorectal-cancer'
    );
    expect(r).toMatchObject({ overdue: true, detail: expect.stringMatching(/ Last recorded 2024-02-01\.$/) });
  });

  test('a mammogram recorded as a report three years ago', () => {
    const r = find(evaluateReminders(ctx({ gender: 'female', reports: [report('24606-6', 'Mammogram', '2023-11-15')] })), 'uspstf-breast-cancer');
    expect(r).toMatchObject({ status: 'due', overdue: true, detail: 'Biennial screening mammography. Last recorded 2023-11-15.' });
  });
});

describe('ordered: an open order for the screening turns "due" into "ordered"', () => {
  test.each([
    ['uspstf-colorectal-cancer', '57905-2', {}],
    ['uspstf-breast-cancer', '24606-6', { gender: 'female' }],
    ['uspstf-prediabetes-diabetes', '4548-4', { observations: [bmi(31)] }],
    ['uspstf-statin-lipids', '57698-3', {}]
  ])('%s, ordered as %s', (id, code, patient) => {
    for (const status of ['active', 'draft'] as const) {
      const r = find(evaluateReminders(ctx({ ...patient, orders: [order('order-1', code, status)] })), id);
      expect(r).toEqual({ id, category: 'preventive', title: expect.any(String), source: expect.any(Object), status: 'ordered', detail: 'Ordered; awaiting the result', orderId: 'order-1' });
    }
    for (const status of ['completed', 'revoked', 'entered-in-error'] as const) {
      expect(find(evaluateReminders(ctx({ ...patient, orders: [order('order-1', code, status)] })), id)?.status).toBe('due');
    }
  });

  test('an order for something else leaves the reminder due', () => {
    expect(find(evaluateReminders(ctx({ orders: [order('order-1', '24606-6', 'active')] })), 'uspstf-colorectal-cancer')?.status).toBe('due');
  });

  test('an order with several codings counts when one of them is the screening', () => {
    const both = order('order-2', '57905-2', 'active', { code: { text: 'FIT', coding: [{ code: 'LAB-FIT' }, { code: '57905-2' }] } });
    expect(find(evaluateReminders(ctx({ orders: [both] })), 'uspstf-colorectal-cancer')).toMatchObject({ status: 'ordered', orderId: 'order-2' });
  });

  test('rules answered by a conversation, not an order, stay due whatever is ordered', () => {
    const r = find(evaluateReminders(ctx({ gender: 'female', orders: [order('order-1', '10524-7', 'active')] })), 'uspstf-cervical-cancer');
    expect(r?.status).toBe('due');
  });

  test('a screening already recorded is met, whatever is ordered', () => {
    const r = find(evaluateReminders(ctx({ observations: [obs('57905-2', '2026-06-01')], orders: [order('order-1', '57905-2', 'active')] })), 'uspstf-colorectal-cancer');
    expect(r).toBeUndefined();
  });
});

test('what the screen says the reminders check and do not check', () => {
  expect(REMINDER_COVERAGE).toEqual([
    'Checks a subset of USPSTF A and B recommendations by age and sex: colorectal, breast and cervical cancer screening, blood pressure, prediabetes/diabetes (with BMI), lipids for the statin decision, depression, tobacco use, hepatitis C and HIV. Not comprehensive: lung cancer (pack-years), AAA, osteoporosis, pregnancy-related, sexually transmitted infection and family-history-based recommendations are not checked.',
    'Medicines: a statin for adults 40–75 with diabetes (ADA Standards of Care 2025). ASCVD, lipid levels and statin intolerance other than a recorded allergy are not checked.',
    'Checks influenza, Td/Tdap, pneumococcal, recombinant zoster and hepatitis B (adults 19–59) against the CDC 2025 schedules. Not comprehensive: the child catch-up schedule, COVID-19, RSV, HPV, MMR, varicella, meningococcal, pregnancy and risk-based indications are not checked.',
    'Abnormal vitals use the adult ranges of the vitals card.'
  ]);
});
