import { describe, expect, test } from 'vitest';
import digoxinRequest from '../__fixtures__/digoxin-cyclosporine-cds-request.json';
import warfarinRequest from '../__fixtures__/warfarin-nsaids-cds-request.json';
import { cdsServicesDiscovery } from './discovery';
import { CdsHooksRequestError, cdsHooksOrderSign } from './order-sign';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const NOW = new Date('2018-09-01T00:00:00Z');

describe('HL7 PDDI-CDS example requests', () => {
  test('warfarin + NSAIDs: ketorolac ordered for a patient on warfarin with GI bleed history, aldosterone antagonists and another NSAID', () => {
    const { cards } = cdsHooksOrderSign(warfarinRequest, { now: NOW });
    const card = cards.find((c) => c.summary.startsWith('Potential drug–drug interaction between warfarin'))!;
    expect(card.summary).toBe('Potential drug–drug interaction between warfarin (Warfarin Sodium 0.5 MG Oral Tablet) and NSAID (Ketorolac Tromethamine 10 MG Oral Tablet)');
    expect(card.indicator).toBe('critical');
    expect(card.detail).toContain('Use only if benefit outweighs risk.');
    expect(card.detail).toContain('[x] History of upper GI bleeding or peptic ulcer — Acute duodenal ulcer with hemorrhage');
    expect(card.detail).toContain('[x] Aldosterone antagonist — eplerenone 25 MG Oral Tablet, Spironolactone 100 MG Oral Tablet');
    expect(card.detail).toContain('[x] Another NSAID — Etodolac 200 MG Oral Capsule');
    expect(card.detail).toContain('[ ] Taking a proton pump inhibitor or misoprostol');
    expect(card.source).toEqual({ label: 'HL7 PDDI-CDS Implementation Guide', url: 'http://hl7.org/fhir/uv/pddi/' });
    expect(card.overrideReasons?.length).toBeGreaterThan(0);
    expect(cards.some((c) => c.summary.startsWith('Duplicate therapy: ketorolac and etodolac'))).toBe(true);
  });

  test('warfarin + NSAIDs with a PPI on the list falls back to "assess risk"', () => {
    const body = structuredClone(warfarinRequest) as typeof warfarinRequest & { prefetch: Record<string, unknown> };
    body.prefetch.ppi = { resourceType: 'MedicationStatement', status: 'active', medicationCodeableConcept: { coding: [{ system: RXNORM, code: '7646', display: 'omeprazole' }] } };
    const card = cdsHooksOrderSign(body, { now: NOW }).cards.find((c) => c.summary.includes('warfarin'))!;
    expect(card.indicator).toBe('warning');
    expect(card.detail).toContain('Assess risk and take action if necessary.');
  });

  test('digoxin + cyclosporine: continuation digoxin order with normal level and labs is informational', () => {
    const { cards } = cdsHooksOrderSign(digoxinRequest, { now: NOW });
    const card = cards.find((c) => c.summary.startsWith('Potential drug–drug interaction between digoxin'))!;
    expect(card.summary).toBe('Potential drug–drug interaction between digoxin (Digoxin 0.2 MG Oral Capsule) and cyclosporine (Cyclosporine 100 MG)');
    expect(card.indicator).toBe('info');
    expect(card.detail).toContain('[x] Digoxin level below 0.9 ng/mL within 30 days — 0.7 ng/mL on 2018-08-28');
    expect(card.detail).toContain('[x] Normal potassium, magnesium, calcium and serum creatinine within 365 days');
    expect(card.detail).toContain('[x] Continuation order');
    expect(card.overrideReasons).toBeUndefined();
  });

  test('digoxin + cyclosporine: without the lab observations the same order warns', () => {
    const body = structuredClone(digoxinRequest) as { prefetch: Record<string, unknown> };
    delete body.prefetch.item6;
    const card = cdsHooksOrderSign(body, { now: NOW }).cards.find((c) => c.summary.includes('digoxin (Digoxin'))!;
    expect(card.indicator).toBe('warning');
  });

  test('every card fits CDS Hooks limits', () => {
    for (const req of [warfarinRequest, digoxinRequest])
      for (const card of cdsHooksOrderSign(req, { now: NOW }).cards) {
        expect(card.summary.length).toBeLessThanOrEqual(140);
        expect(['info', 'warning', 'critical']).toContain(card.indicator);
        expect(card.source.label.length).toBeGreaterThan(0);
        expect(card.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      }
  });
});

describe('order-sign with R4 draft orders', () => {
  const request = {
    hook: 'order-sign',
    hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
    context: {
      userId: 'Practitioner/1',
      patientId: 'p1',
      draftOrders: {
        resourceType: 'Bundle',
        entry: [
          { resource: { resourceType: 'MedicationRequest', status: 'draft', medicationCodeableConcept: { text: 'clarithromycin 500 mg tablet' } } },
          { resource: { resourceType: 'MedicationRequest', status: 'draft', medicationCodeableConcept: { coding: [{ system: RXNORM, code: '36567', display: 'simvastatin' }] } } }
        ]
      }
    },
    prefetch: {
      patient: { resourceType: 'Patient', id: 'p1', birthDate: '1950-01-01' },
      allergies: {
        resourceType: 'Bundle',
        entry: [{ resource: { resourceType: 'AllergyIntolerance', category: ['medication'], code: { text: 'Erythromycin' }, reaction: [{ manifestation: [{ text: 'rash' }] }] } }]
      },
      medications: {
        resourceType: 'Bundle',
        entry: [
          { resource: { resourceType: 'MedicationRequest', status: 'active', medicationCodeableConcept: { text: 'Zoloft 50 mg' } } },
          { resource: { resourceType: 'MedicationRequest', status: 'stopped', medicationCodeableConcept: { text: 'phenelzine 15 mg' } } }
        ]
      }
    }
  };

  test('checks drafts against each other once, against allergies, and ignores stopped medications', () => {
    const { cards } = cdsHooksOrderSign(request);
    const statin = cards.filter((c) => c.summary.startsWith('CYP3A4-metabolised statin'));
    expect(statin).toHaveLength(1);
    expect(statin[0].indicator).toBe('critical');
    expect(cards.some((c) => c.summary.startsWith('Macrolide allergy'))).toBe(true);
    expect(cards.some((c) => /phenelzine/i.test(c.summary))).toBe(false);
    expect(cards.some((c) => c.summary.startsWith('Allergies not checked'))).toBe(false);
  });

  test('a request without an allergy prefetch says allergies were not checked', () => {
    const { cards } = cdsHooksOrderSign({ ...request, prefetch: { medications: request.prefetch.medications } });
    expect(cards.some((c) => c.summary.startsWith('Allergies not checked'))).toBe(true);
  });

  test.each([
    [null, /body/],
    [{ hook: 'order-sign' }, /context/],
    [{ hook: 'patient-view', context: {} }, /unsupported hook/]
  ])('rejects %j', (body, message) => {
    expect(() => cdsHooksOrderSign(body)).toThrow(CdsHooksRequestError);
    expect(() => cdsHooksOrderSign(body)).toThrow(message);
  });
});

describe('discovery', () => {
  test('describes one order-sign service with prefetch templates', () => {
    const { services } = cdsServicesDiscovery();
    expect(services).toHaveLength(1);
    expect(services[0]).toMatchObject({ hook: 'order-sign', id: 'outpost-drug-checks' });
    expect(Object.keys(services[0].prefetch)).toEqual(expect.arrayContaining(['patient', 'medications', 'allergies', 'conditions', 'observations']));
    expect(services[0].prefetch.observations).toContain('http://loinc.org|10535-3');
  });
});
