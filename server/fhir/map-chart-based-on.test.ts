import { describe, expect, it } from 'vitest';
import { mapEntry } from './map-chart';
import { validateBundle } from './validate-bundle';

/** Results that name their order (FHIR basedOn → ServiceRequest) keep the link as chart order ids. */
const outpostOrder = '0b7e6f4e-6b0e-4f47-9d0a-3c2a6a1f9e11';
const bundledOrder = 'urn:uuid:5d3b2b0a-1f6e-4a51-8c1f-0e4f3a2b1c00';
const patient = 'urn:uuid:9a0d4c2e-7b1f-4c3e-8a5d-2f6e1b0c9d88';
const entry = (fullUrl: string, resource: Record<string, unknown>) => ({ fullUrl, resource, request: { method: 'POST', url: resource.resourceType } });
const bundle = {
  resourceType: 'Bundle',
  type: 'transaction',
  entry: [
    entry(patient, { resourceType: 'Patient', name: [{ family: 'Test', given: ['Ann'] }], gender: 'female', birthDate: '1970-01-01' }),
    entry(bundledOrder, { resourceType: 'ServiceRequest', status: 'active', intent: 'order', code: { coding: [{ system: 'http://loinc.org', code: '3016-3' }] }, subject: { reference: patient } }),
    entry('urn:uuid:1c1c1c1c-1c1c-4c1c-8c1c-1c1c1c1c1c1c', {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }], text: 'HbA1c' },
      subject: { reference: patient },
      effectiveDateTime: '2026-11-02T09:00:00Z',
      valueQuantity: { value: 6.1, unit: '%' },
      basedOn: [{ reference: `ServiceRequest/${outpostOrder.toUpperCase()}` }, { reference: 'ServiceRequest/not-a-uuid' }]
    }),
    entry('urn:uuid:2c2c2c2c-2c2c-4c2c-8c2c-2c2c2c2c2c2c', {
      resourceType: 'DiagnosticReport',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '3016-3' }], text: 'TSH' },
      subject: { reference: patient },
      effectiveDateTime: '2026-11-02T09:00:00Z',
      basedOn: [{ reference: bundledOrder }]
    }),
    entry('urn:uuid:3c3c3c3c-3c3c-4c3c-8c3c-3c3c3c3c3c3c', {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }], text: 'Glucose' },
      subject: { reference: patient },
      effectiveDateTime: '2026-11-02T09:00:00Z'
    })
  ]
};

describe('FHIR import keeps the order a result answers', () => {
  const valid = validateBundle(bundle);
  const byType = (type: string, n = 0) => valid.entries.filter((e) => e.type === type)[n];
  const fields = (type: string, n = 0) => mapEntry(byType(type, n), valid)?.fields as Record<string, unknown>;

  it('an Outpost order named by id, in any case; references that are not orders are dropped', () => {
    expect(fields('Observation').basedOn).toEqual([outpostOrder]);
  });

  it('a ServiceRequest of the same bundle by its chart entry id', () => {
    expect(fields('DiagnosticReport').basedOn).toEqual([byType('ServiceRequest').entryId]);
  });

  it('no basedOn, no field', () => {
    expect(fields('Observation', 1)).not.toHaveProperty('basedOn');
  });
});
