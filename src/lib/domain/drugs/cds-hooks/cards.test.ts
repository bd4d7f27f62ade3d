/**
 * Alert -> CDS Hooks card. Expected card ids were worked out independently
 * (FNV-1a over the same key, outside this code base), so a change in the id
 * scheme shows here rather than only as "some uuid".
 */
import { describe, expect, test } from 'vitest';
import type { Alert } from '../alert';
import type { DrugPack } from '../pack-schema';
import { alertToCard, allergiesUnknownCard, truncate } from './cards';

const pack = { version: '2.5.0' } as DrugPack;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const OVERRIDE_REASONS = [
  { code: 'benefit-outweighs-risk', display: 'Benefit outweighs risk', system: 'urn:outpost:cds:override-reason' },
  { code: 'will-monitor', display: 'Will monitor the patient closely', system: 'urn:outpost:cds:override-reason' },
  { code: 'already-tolerated', display: 'Patient has tolerated this combination before', system: 'urn:outpost:cds:override-reason' },
  { code: 'allergy-record-inaccurate', display: 'Allergy record is inaccurate', system: 'urn:outpost:cds:override-reason' }
];

const med = (name: string) => ({ role: 'order' as const, name, ingredients: [] });

function alert(over: Partial<Alert> = {}): Alert {
  return {
    kind: 'drug-drug',
    severity: 'moderate',
    title: 'Test interaction',
    detail: 'Detail text.',
    action: 'Do something.',
    source: { citation: 'Local rule book. Second sentence.' },
    ruleId: 'test-rule',
    involved: [med('digoxin')],
    ...over
  };
}

describe('alertToCard', () => {
  test('a serious ONC interaction with mechanism and patient factors: the whole card', () => {
    const card = alertToCard(
      alert({
        severity: 'serious',
        title: 'Warfarin and NSAID',
        detail: 'Bleeding risk rises.',
        mechanism: 'Platelet inhibition plus anticoagulation.',
        action: 'Avoid the combination.',
        source: { citation: 'Phansalkar S, et al. JAMIA 2012.', url: 'https://example.org/onc' },
        ruleId: 'onc-test-rule',
        involved: [med('warfarin 5 mg'), { role: 'active-medication', name: 'ibuprofen 400 mg', ingredients: ['ibuprofen'] }],
        factors: [
          { label: 'Age 65 or over', present: true, detail: '72 years' },
          { label: 'Taking a proton pump inhibitor', present: false }
        ]
      }),
      pack
    );
    expect(card).toStrictEqual({
      uuid: 'c11b4f9a-b7ac-5cc3-afda-b9006684e529',
      summary: 'Warfarin and NSAID',
      indicator: 'critical',
      detail: [
        '**Serious** (drug-drug)',
        '',
        'Bleeding risk rises.',
        '',
        '**Mechanism:** Platelet inhibition plus anticoagulation.',
        '',
        '**Recommended action:** Avoid the combination.',
        '',
        '**Patient factors:**',
        '- [x] Age 65 or over — 72 years',
        '- [ ] Taking a proton pump inhibitor',
        '',
        'Source: Phansalkar S, et al. JAMIA 2012.',
        '',
        '_Outpost drug knowledge pack 2.5.0. Not a comprehensive interaction database._'
      ].join('\n'),
      source: { label: 'ONC high-priority DDI list (Phansalkar et al., JAMIA 2012)', url: 'https://example.org/onc' },
      overrideReasons: OVERRIDE_REASONS
    });
  });

  test('a moderate local finding without mechanism or factors: the whole card', () => {
    expect(alertToCard(alert(), pack)).toStrictEqual({
      uuid: '31a8027a-e2c9-5ab5-88de-605c7265562f',
      summary: 'Test interaction',
      indicator: 'warning',
      detail:
        '**Moderate** (drug-drug)\n\nDetail text.\n\n**Recommended action:** Do something.\n\nSource: Local rule book. Second sentence.\n\n_Outpost drug knowledge pack 2.5.0. Not a comprehensive interaction database._',
      source: { label: 'Local rule book.' }
    });
  });

  test('an empty factor list adds no factor section', () => {
    expect(alertToCard(alert({ factors: [] }), pack).detail).toBe(alertToCard(alert(), pack).detail);
  });

  test.each([
    ['contraindicated', 'critical', 'Contraindicated', true],
    ['serious', 'critical', 'Serious', true],
    ['moderate', 'warning', 'Moderate', false],
    ['minor', 'info', 'Minor', false],
    ['info', 'info', 'Info', false]
  ] as const)('severity %s: indicator %s, label %s, override reasons %s', (severity, indicator, label, overrides) => {
    const card = alertToCard(alert({ severity, kind: 'drug-allergy' }), pack);
    expect(card.indicator).toBe(indicator);
    expect(card.detail.split('\n')[0]).toBe(`**${label}** (drug-allergy)`);
    if (overrides) expect(card.overrideReasons).toStrictEqual(OVERRIDE_REASONS);
    else expect('overrideReasons' in card).toBe(false);
  });

  test('an order that could not be checked warns, although its severity is info', () => {
    const card = alertToCard(
      alert({ kind: 'not-checked', severity: 'info', ruleId: 'not-checked-order', title: 'Not checked: Zzzyx 10 mg', involved: [med('Zzzyx 10 mg')] }),
      pack
    );
    expect(card.indicator).toBe('warning');
    expect(card.uuid).toBe('068ca313-5cec-5010-b85a-2059fa76e08e');
    // Positive control: the same rule id pattern but another rule keeps the severity's indicator.
    expect(alertToCard(alert({ kind: 'not-checked', severity: 'info', ruleId: 'not-checked-component' }), pack).indicator).toBe('info');
  });

  test.each([
    ['onc- rule', 'onc-x', 'Anything. At all.', 'ONC high-priority DDI list (Phansalkar et al., JAMIA 2012)'],
    ['pddi- rule', 'pddi-x', 'Anything. At all.', 'HL7 PDDI-CDS Implementation Guide'],
    ['rule named like onc without the prefix', 'x-onc-', 'Lexicomp entry. More.', 'Lexicomp entry.'],
    ['rule named like pddi without the prefix', 'local-pddi-', 'Lexicomp entry. More.', 'Lexicomp entry.'],
    ['citation with a decimal number', 'local', 'FDA label for X (2020). Section 5.1 warnings.', 'FDA label for X (2020).'],
    ['citation with a space not after a full stop', 'local', 'Stockley interactions. Chapter 3.', 'Stockley interactions.'],
    ['one-sentence citation', 'local', 'Outpost pack', 'Outpost pack']
  ])('source label for a %s', (_, ruleId, citation, label) => {
    expect(alertToCard(alert({ ruleId, source: { citation } }), pack).source).toStrictEqual({ label });
  });

  test('a long first citation sentence is cut to 140 characters', () => {
    const label = alertToCard(alert({ source: { citation: `${'a'.repeat(200)}. Next.` } }), pack).source.label;
    expect(label).toBe(`${'a'.repeat(139)}\u2026`);
  });

  test('card id: the same rule over the same items gives the same id whatever the wording; other items or rule give another', () => {
    const base = alertToCard(alert({ ruleId: 'pddi-test', involved: [med('digoxin'), med('cyclosporine')] }), pack).uuid;
    expect(base).toBe('0c4a97a7-e937-5f86-a74a-7d959c20b744');
    expect(alertToCard(alert({ ruleId: 'pddi-test', involved: [med('digoxin'), med('cyclosporine')], title: 'Other', severity: 'minor' }), pack).uuid).toBe(base);
    expect(alertToCard(alert({ ruleId: 'pddi-test', involved: [med('digoxin'), med('tacrolimus')] }), pack).uuid).not.toBe(base);
    expect(alertToCard(alert({ ruleId: 'pddi-other', involved: [med('digoxin'), med('cyclosporine')] }), pack).uuid).not.toBe(base);
    expect(base).toMatch(UUID);
  });

  test('a long title is cut to a 140-character summary', () => {
    const card = alertToCard(alert({ title: `${'x'.repeat(150)}` }), pack);
    expect(card.summary).toBe(`${'x'.repeat(139)}\u2026`);
  });
});

describe('truncate', () => {
  test('140 characters are kept as they are', () => {
    const text = 'y'.repeat(140);
    expect(truncate(text)).toBe(text);
  });

  test('141 characters become 139 plus an ellipsis', () => {
    expect(truncate(`${'y'.repeat(139)}zz`)).toBe(`${'y'.repeat(139)}\u2026`);
  });

  test('whitespace before the cut is dropped, leading whitespace is kept', () => {
    expect(truncate('  ab   cdefgh', 8)).toBe('  ab\u2026');
  });

  test('a custom limit', () => {
    expect(truncate('abcdef', 6)).toBe('abcdef');
    expect(truncate('abcdefg', 6)).toBe('abcde\u2026');
  });
});

describe('allergiesUnknownCard', () => {
  test('the whole card', () => {
    expect(allergiesUnknownCard(pack)).toStrictEqual({
      uuid: 'b9d70206-f681-5bbf-bf2f-ded09c067d59',
      summary: 'Allergies not checked: no allergy list was provided with the request',
      indicator: 'info',
      detail: 'The request carried no AllergyIntolerance resources, so drug–allergy checks were not done.',
      source: { label: 'Outpost drug knowledge pack 2.5.0' }
    });
  });
});
