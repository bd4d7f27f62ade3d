/**
 * Whole order-sign responses for a few representative requests, and the exact
 * errors for requests the service refuses.
 */
import { describe, expect, test } from 'vitest';
import digoxinRequest from '../__fixtures__/digoxin-cyclosporine-cds-request.json';
import { CdsHooksRequestError, cdsHooksOrderSign } from './order-sign';

const NOW = new Date('2024-06-01T00:00:00Z');
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

const OVERRIDE_REASONS = [
  { code: 'benefit-outweighs-risk', display: 'Benefit outweighs risk', system: 'urn:outpost:cds:override-reason' },
  { code: 'will-monitor', display: 'Will monitor the patient closely', system: 'urn:outpost:cds:override-reason' },
  { code: 'already-tolerated', display: 'Patient has tolerated this combination before', system: 'urn:outpost:cds:override-reason' },
  { code: 'allergy-record-inaccurate', display: 'Allergy record is inaccurate', system: 'urn:outpost:cds:override-reason' }
];
const PACK_LABEL =
  'Outpost drug knowledge pack 1.0.0, coverage statement: Outpost’s drug checks cover a curated dictionary of common outpatient medicines and\u2026';
const FOOTER = '_Outpost drug knowledge pack 1.0.0. Not a comprehensive interaction database._';
const ALLERGIES_NOT_CHECKED = {
  uuid: 'b9d70206-f681-5bbf-bf2f-ded09c067d59',
  summary: 'Allergies not checked: no allergy list was provided with the request',
  indicator: 'info',
  detail: 'The request carried no AllergyIntolerance resources, so drug–allergy checks were not done.',
  source: { label: 'Outpost drug knowledge pack 1.0.0' }
};

const mr = (text: string, status = 'draft') => ({ resourceType: 'MedicationRequest', status, medicationCodeableConcept: { text } });
const dosed = (text: string, value: number, frequency: number) => ({
  ...mr(text),
  dosageInstruction: [{ doseQuantity: { value, unit: 'mg' }, timing: { repeat: { frequency, period: 1, periodUnit: 'd' } } }]
});
const bundle = (...resources: unknown[]) => ({ resourceType: 'Bundle', entry: resources.map((resource) => ({ resource })) });
const allergy = (text: string) => ({ resourceType: 'AllergyIntolerance', code: { text } });
const penicillinAllergy = {
  resourceType: 'AllergyIntolerance',
  clinicalStatus: { coding: [{ code: 'active' }] },
  code: { coding: [{ system: 'http://snomed.info/sct', code: '91936005', display: 'Allergy to penicillin' }], text: 'Penicillin' },
  criticality: 'high',
  reaction: [{ manifestation: [{ text: 'hives' }] }]
};
const summaries = (body: unknown, now = NOW) => cdsHooksOrderSign(body, { now }).cards.map((c) => [c.summary, c.indicator]);

const warfarinIbuprofen = (birthDate?: string) => ({
  hook: 'order-sign',
  context: { patientId: 'p1', draftOrders: bundle(dosed('ibuprofen 400 mg tablet', 400, 3)) },
  prefetch: {
    patient: { resourceType: 'Patient', id: 'p1', gender: 'female', ...(birthDate ? { birthDate } : {}) },
    medications: bundle(mr('warfarin 5 mg tablet', 'active')),
    allergies: bundle(allergy('latex'))
  }
});

const WARFARIN_NSAID_MECHANISM =
  '**Mechanism:** NSAIDs have antiplatelet effects which increase the bleeding risk when combined with oral anticoagulants such as warfarin. NSAIDs also can cause peptic ulcers; most of the evidence for increased bleeding risk with NSAIDs plus warfarin is due to upper gastrointestinal bleeding (UGIB).';
const WARFARIN_NSAID_ACTION_TAIL =
  'If the NSAID is being used as an analgesic or antipyretic, it would be prudent to use an alternative such as acetaminophen. In some people, acetaminophen can increase the anticoagulant effect of warfarin, so monitor the INR if acetaminophen is used in doses over 2 g/day for a few days. For more severe pain consider short-term opioids in place of the NSAID.';

describe('order-sign responses', () => {
  test('warfarin on the list, ibuprofen ordered for an 84-year-old: the whole response', () => {
    expect(cdsHooksOrderSign(warfarinIbuprofen('1940-01-01'), { now: NOW })).toStrictEqual({
      cards: [
        {
          uuid: 'fbf1ee08-edf2-52fd-861a-a3ae90de3ba3',
          summary: 'Potential drug–drug interaction between warfarin (warfarin 5 mg tablet) and NSAID (ibuprofen 400 mg tablet)',
          indicator: 'critical',
          detail: [
            '**Serious** (drug-drug)',
            '',
            'Increased risk of bleeding, including gastrointestinal bleeding, intracranial hemorrhage and cerebral hemorrhage. Patients with a history of UGIB or peptic ulcer may have an increased risk of UGIB from this interaction; UGIB in general increases with age.',
            '',
            WARFARIN_NSAID_MECHANISM,
            '',
            `**Recommended action:** Use only if benefit outweighs risk. ${WARFARIN_NSAID_ACTION_TAIL}`,
            '',
            '**Patient factors:**',
            '- [ ] NSAID is topical (low systemic absorption)',
            '- [ ] Taking a proton pump inhibitor or misoprostol (protective)',
            '- [x] Age over 65 years — Age 84',
            '- [ ] History of upper GI bleeding or peptic ulcer',
            '- [ ] Systemic corticosteroid',
            '- [ ] Aldosterone antagonist',
            '- [ ] Another NSAID',
            '',
            'Source: HL7 PDDI-CDS Implementation Guide (CC0): Warfarin + NSAIDs knowledge artifact (Malone, Horn, Hansten; AHRQ R21-HS023826).',
            '',
            FOOTER
          ].join('\n'),
          source: { label: 'HL7 PDDI-CDS Implementation Guide', url: 'http://hl7.org/fhir/uv/pddi/' },
          overrideReasons: OVERRIDE_REASONS
        },
        {
          uuid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
          summary: 'Allergy not checked: latex',
          indicator: 'info',
          detail: expect.any(String),
          source: expect.any(Object)
        }
      ]
    });
  });

  test('the Patient birth date is read: the same order for a 24-year-old, and for a patient without one', () => {
    const young = cdsHooksOrderSign(warfarinIbuprofen('2000-01-01'), { now: NOW }).cards[0];
    expect(young.indicator).toBe('warning');
    expect(young.detail).toContain('\n- [ ] Age over 65 years — Age 24\n');
    expect(young.detail).toContain(`**Recommended action:** Assess risk and take action if necessary. ${WARFARIN_NSAID_ACTION_TAIL}`);
    expect('overrideReasons' in young).toBe(false);
    expect(cdsHooksOrderSign(warfarinIbuprofen(), { now: NOW }).cards[0].detail).toContain('\n- [ ] Age over 65 years — Age unknown\n');
  });

  test('penicillin allergy, amoxicillin ordered at a normal dose: the whole response', () => {
    const body = { hook: 'order-sign', context: { draftOrders: bundle(dosed('amoxicillin 500 mg capsule', 500, 3)) }, prefetch: { allergies: bundle(penicillinAllergy) } };
    expect(cdsHooksOrderSign(body, { now: NOW })).toStrictEqual({
      cards: [
        {
          uuid: 'f5d3fddb-40bb-5e06-9230-7c952b841618',
          summary: 'Penicillin allergy: ordered drug is a penicillin',
          indicator: 'critical',
          detail: [
            '**Serious** (drug-allergy)',
            '',
            'Recorded allergy: Penicillin (reaction: hives; criticality: high). Ordered: amoxicillin 500 mg capsule (amoxicillin). The patient has a recorded penicillin allergy and the ordered drug is a penicillin.',
            '',
            '**Recommended action:** Review the recorded reaction and choose an alternative unless the benefit outweighs the risk.',
            '',
            'Source: Khan DA, et al. Drug allergy: a 2022 practice parameter update. J Allergy Clin Immunol 2022;150(6):1333-1393.',
            '',
            FOOTER
          ].join('\n'),
          source: { label: 'Khan DA, et al.', url: 'https://doi.org/10.1016/j.jaci.2022.08.028' },
          overrideReasons: OVERRIDE_REASONS
        }
      ]
    });
  });

  test('a resolved penicillin allergy is not held against amoxicillin (positive control: the active one is)', () => {
    const body = (clinicalStatus: string) => ({
      hook: 'order-sign',
      context: { draftOrders: bundle(dosed('amoxicillin 500 mg capsule', 500, 3)) },
      prefetch: { allergies: bundle({ ...penicillinAllergy, clinicalStatus: { coding: [{ code: clinicalStatus }] } }) }
    });
    expect(summaries(body('resolved'))).toStrictEqual([]);
    expect(summaries(body('active'))).toStrictEqual([['Penicillin allergy: ordered drug is a penicillin', 'critical']]);
  });

  test('nothing to report: paracetamol at a normal dose, allergy list present', () => {
    expect(
      cdsHooksOrderSign(
        { hook: 'order-sign', context: { draftOrders: bundle(dosed('paracetamol 500 mg tablet', 500, 4)) }, prefetch: { allergies: bundle(penicillinAllergy) } },
        { now: NOW }
      )
    ).toStrictEqual({ cards: [] });
  });

  test('an order with no dose and no allergy list: the two "not checked" cards', () => {
    expect(cdsHooksOrderSign({ hook: 'order-sign', context: { draftOrders: mr('paracetamol 500 mg tablet') } }, { now: NOW })).toStrictEqual({
      cards: [
        {
          uuid: '6b0d972c-0c40-5df9-9991-fbe6546dea63',
          summary: 'Dose not checked for paracetamol 500 mg tablet',
          indicator: 'info',
          detail: [
            '**Info** (not-checked)',
            '',
            'The dose was not range-checked because the order has no dose.',
            '',
            '**Recommended action:** Check the dose against the prescribing information.',
            '',
            'Source: Outpost drug knowledge pack 1.0.0, coverage statement: Outpost’s drug checks cover a curated dictionary of common outpatient medicines and a small, cited rule set. They are NOT a comprehensive drug interaction or allergy database and do not replace a pharmacist’s review or a full commercial compendium. A missing alert does not mean a combination is safe.',
            '',
            FOOTER
          ].join('\n'),
          source: { label: PACK_LABEL }
        },
        ALLERGIES_NOT_CHECKED
      ]
    });
  });

  test('a medicine outside the dictionary: the "not checked" card warns', () => {
    const { cards } = cdsHooksOrderSign({ hook: 'order-sign', context: { draftOrders: mr('zzzyx 10 mg') }, prefetch: { a: bundle(allergy('latex')) } }, { now: NOW });
    expect(cards[0]).toStrictEqual({
      uuid: '7db28533-476a-54b0-8478-2079198d946e',
      summary: "Not checked: zzzyx 10 mg is not in Outpost's drug dictionary",
      indicator: 'warning',
      detail: [
        '**Info** (not-checked)',
        '',
        'This medicine could not be matched to Outpost’s drug dictionary, so no interaction, allergy, duplicate-therapy or dose check was done for it.',
        '',
        '**Recommended action:** Check interactions, allergies and dose by hand or with a pharmacist before signing.',
        '',
        'Source: Outpost drug knowledge pack 1.0.0, coverage statement: Outpost’s drug checks cover a curated dictionary of common outpatient medicines and a small, cited rule set. They are NOT a comprehensive drug interaction or allergy database and do not replace a pharmacist’s review or a full commercial compendium. A missing alert does not mean a combination is safe.',
        '',
        FOOTER
      ].join('\n'),
      source: { label: PACK_LABEL }
    });
  });

  test('digoxin + cyclosporine (HL7 PDDI-CDS example): every card', () => {
    expect(summaries(digoxinRequest, new Date('2018-09-01T00:00:00Z'))).toStrictEqual([
      ['Already active: digoxin (Digoxin 0.25 MG Oral Tablet)', 'info'],
      ['Potential drug–drug interaction between digoxin (Digoxin 0.2 MG Oral Capsule) and cyclosporine (Cyclosporine 100 MG)', 'info'],
      ['Allergies not checked: no allergy list was provided with the request', 'info']
    ]);
  });
});

describe('several draft orders', () => {
  test('two NSAIDs ordered for a patient on warfarin: one warfarin card per NSAID, the duplicate-therapy pair once', () => {
    const body = {
      hook: 'order-sign',
      context: { draftOrders: bundle(dosed('ibuprofen 400 mg tablet', 400, 3), dosed('naproxen 250 mg tablet', 250, 2)) },
      prefetch: { medications: mr('warfarin 5 mg tablet', 'active'), allergies: bundle(allergy('latex')) }
    };
    expect(summaries(body)).toStrictEqual([
      ['Potential drug–drug interaction between warfarin (warfarin 5 mg tablet) and NSAID (ibuprofen 400 mg tablet)', 'critical'],
      ['Duplicate therapy: ibuprofen and naproxen are both Non-steroidal anti-inflammatory drugs', 'warning'],
      ['Allergy not checked: latex', 'info'],
      ['Potential drug–drug interaction between warfarin (warfarin 5 mg tablet) and NSAID (naproxen 250 mg tablet)', 'critical'],
      // The unmatched allergy is reported per order: it names the order it was not checked against.
      ['Allergy not checked: latex', 'info']
    ]);
  });

  test('one order is never checked against itself', () => {
    const body = {
      hook: 'order-sign',
      context: { draftOrders: bundle(dosed('ibuprofen 400 mg tablet', 400, 3)) },
      prefetch: { allergies: bundle(penicillinAllergy) }
    };
    expect(summaries(body)).toStrictEqual([]);
  });

  test('two allergies crossing two orders: each order-allergy pairing is its own card, even under the same rule', () => {
    const body = {
      hook: 'order-sign',
      context: { draftOrders: bundle(mr('amoxicillin'), mr('ampicillin')) },
      prefetch: { allergies: bundle(allergy('amoxicillin'), allergy('ampicillin')) }
    };
    const cards = cdsHooksOrderSign(body, { now: NOW }).cards;
    expect(cards.map((c) => [c.summary, c.indicator])).toStrictEqual([
      ['Allergy: amoxicillin contains amoxicillin, a recorded allergen', 'critical'],
      ['Penicillin allergy: ordered drug is a penicillin', 'critical'],
      ['Duplicate therapy: amoxicillin and ampicillin are both Penicillins', 'warning'],
      ['Dose not checked for amoxicillin', 'info'],
      ['Allergy: ampicillin contains ampicillin, a recorded allergen', 'critical'],
      ['Penicillin allergy: ordered drug is a penicillin', 'critical'],
      ['Dose not checked for ampicillin', 'info']
    ]);
    const penicillinCards = cards.filter((c) => c.summary.startsWith('Penicillin allergy'));
    expect(penicillinCards[0].detail).toContain('Recorded allergy: ampicillin. Ordered: amoxicillin (amoxicillin).');
    expect(penicillinCards[1].detail).toContain('Recorded allergy: amoxicillin. Ordered: ampicillin (ampicillin).');
  });

  test('a draft that is not a medication request is shown as not checked; the others are still checked', () => {
    const body = {
      hook: 'order-sign',
      context: { draftOrders: bundle({ resourceType: 'Medication', code: { text: 'ibuprofen' } }, dosed('ibuprofen 400 mg tablet', 400, 3)) },
      prefetch: { medications: mr('warfarin 5 mg tablet', 'active'), allergies: bundle(allergy('latex')) }
    };
    expect(summaries(body)).toStrictEqual([
      ['Potential drug–drug interaction between warfarin (warfarin 5 mg tablet) and NSAID (ibuprofen 400 mg tablet)', 'warning'],
      ['Allergy not checked: latex', 'info'],
      ['Draft order 1 not checked: it could not be read as a medication request', 'warning']
    ]);
  });

  test('drafts no drug check can read are never passed over in silence; orders that are not medicines and stopped ones need no notice', () => {
    const body = (...drafts: unknown[]) => ({ hook: 'order-sign', context: { draftOrders: bundle(...drafts) }, prefetch: { medications: mr('warfarin 5 mg tablet', 'active'), allergies: bundle(allergy('latex')) } });
    const notice = (n: number) => [`Draft order ${n} not checked: it could not be read as a medication request`, 'warning'];
    // A MedicationRequest whose medicine is not a concept, and a resource without a type.
    expect(summaries(body({ resourceType: 'MedicationRequest', medicationCodeableConcept: 'ibuprofen' }, { code: { text: 'ibuprofen' } }))).toStrictEqual([notice(1), notice(2)]);
    // A lab order and a stopped medicine order: nothing to say.
    expect(summaries(body({ resourceType: 'ServiceRequest', code: { text: 'HbA1c' } }, { ...mr('ibuprofen 400 mg tablet', 'stopped') }))).toStrictEqual([]);
    const [card] = cdsHooksOrderSign(body({ resourceType: 'Medication', code: { text: 'ibuprofen' } })).cards.filter((c) => c.summary.startsWith('Draft order'));
    expect(card.detail).toBe('Draft order 1 is a Medication that this service cannot read as a medication request, so no drug–drug, drug–allergy, duplicate-therapy or dose checks were done for it.');
    expect(card.source.label).toMatch(/^Outpost drug knowledge pack \d+\.\d+\.\d+$/);
    // Deterministic: the same unread draft gives the same card id on every call.
    expect(card.uuid).toBe('80fb81f3-7edf-54aa-997c-a0d56f66e7dc');
  });

  test('draft orders sent as a bare list instead of a Bundle are read and checked', () => {
    const body = { hook: 'order-sign', context: { draftOrders: [dosed('ibuprofen 400 mg tablet', 400, 3)] }, prefetch: { medications: mr('warfarin 5 mg tablet', 'active'), allergies: bundle(allergy('latex')) } };
    expect(summaries(body)).toStrictEqual([
      ['Potential drug–drug interaction between warfarin (warfarin 5 mg tablet) and NSAID (ibuprofen 400 mg tablet)', 'warning'],
      ['Allergy not checked: latex', 'info']
    ]);
  });
});

describe('hooks and request shapes', () => {
  const ibuprofenOnWarfarin = { medications: mr('warfarin 5 mg tablet', 'active'), allergies: allergy('latex') };
  const expected = [
    ['Potential drug–drug interaction between warfarin (warfarin 5 mg tablet) and NSAID (ibuprofen 400 mg tablet)', 'warning'],
    ['Allergy not checked: latex', 'info']
  ];

  test.each(['order-sign', 'order-select'])('%s reads context.draftOrders', (hook) => {
    expect(summaries({ hook, context: { draftOrders: dosed('ibuprofen 400 mg tablet', 400, 3) }, prefetch: ibuprofenOnWarfarin })).toStrictEqual(expected);
  });

  test('medication-prescribe reads context.medications', () => {
    expect(
      summaries({ hook: 'medication-prescribe', context: { medications: bundle(dosed('ibuprofen 400 mg tablet', 400, 3)) }, prefetch: ibuprofenOnWarfarin })
    ).toStrictEqual(expected);
  });

  test('draftOrders wins over medications when both are sent', () => {
    expect(
      summaries({
        hook: 'order-sign',
        context: { draftOrders: dosed('paracetamol 500 mg tablet', 500, 4), medications: dosed('ibuprofen 400 mg tablet', 400, 3) },
        prefetch: ibuprofenOnWarfarin
      })
      // Paracetamol with warfarin is a low-priority pair (Phansalkar 2013): an info card, no override reasons.
    ).toStrictEqual([
      ['Anticoagulants + Acetaminophen: acetaminophen with warfarin', 'info'],
      ['Allergy not checked: latex', 'info']
    ]);
  });

  test('no draft orders and no prefetch: no cards at all', () => {
    expect(cdsHooksOrderSign({ hook: 'order-select', context: {}, prefetch: null })).toStrictEqual({ cards: [] });
    expect(cdsHooksOrderSign({ hook: 'order-sign', context: { patientId: 'p1' } })).toStrictEqual({ cards: [] });
  });

  test('prefetched medications coded by RxNorm are matched by code', () => {
    const body = {
      hook: 'order-sign',
      context: { draftOrders: dosed('ibuprofen 400 mg tablet', 400, 3) },
      prefetch: {
        medications: { ...mr('', 'active'), medicationCodeableConcept: { coding: [{ system: RXNORM, code: '855332', display: 'Warfarin Sodium 5 MG Oral Tablet' }] } },
        allergies: allergy('latex')
      }
    };
    expect(summaries(body)[0]).toStrictEqual([
      'Potential drug–drug interaction between warfarin (Warfarin Sodium 5 MG Oral Tablet) and NSAID (ibuprofen 400 mg tablet)',
      'warning'
    ]);
  });
});

describe('refused requests', () => {
  const refusal = (body: unknown) => {
    try {
      cdsHooksOrderSign(body);
    } catch (e) {
      return e;
    }
    throw new Error('no error thrown');
  };

  test.each([
    [null, ['body: Invalid input: expected object, received null']],
    [[], ['body: Invalid input: expected object, received array']],
    [{ hook: 'order-sign' }, ['context: Invalid input: expected object, received undefined']],
    [{ hook: 1, context: {} }, ['hook: Invalid input: expected string, received number']],
    [{ hook: 'order-sign', context: { patientId: 42 } }, ['context.patientId: Invalid input: expected string, received number']],
    [{ hook: 'order-sign', context: {}, prefetch: [] }, ['prefetch: Invalid input: expected record, received array']],
    [{ hook: 'patient-view', context: {} }, ['hook: unsupported hook "patient-view"']],
    [{ hook: '', context: {} }, ['hook: unsupported hook ""']]
  ])('%j', (body, issues) => {
    const e = refusal(body) as CdsHooksRequestError;
    expect(e).toBeInstanceOf(CdsHooksRequestError);
    expect(e.name).toBe('CdsHooksRequestError');
    expect(e.issues).toStrictEqual(issues);
    expect(e.message).toBe(`Invalid CDS Hooks request: ${issues.join('; ')}`);
  });

  test('several problems are listed together', () => {
    const e = refusal({ hook: 2, context: 'x' }) as CdsHooksRequestError;
    expect(e.message).toBe('Invalid CDS Hooks request: hook: Invalid input: expected string, received number; context: Invalid input: expected object, received string');
  });
});
