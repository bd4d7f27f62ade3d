import { describe, expect, test } from 'vitest';
import { bundledDrugPack } from '../drug-pack';
import type { DrugPack } from '../pack-schema';
import { cdsServicesDiscovery } from './discovery';

describe('CDS Hooks discovery document', () => {
  test('the bundled pack yields exactly one order-sign service with these templates', () => {
    expect(cdsServicesDiscovery()).toEqual({
      services: [
        {
          hook: 'order-sign',
          id: 'outpost-drug-checks',
          title: 'Outpost drug checks',
          description:
            'Drug–drug (ONC high-priority pairs, HL7 PDDI-CDS warfarin + NSAID and digoxin + cyclosporine), drug–allergy, duplicate-therapy and dose-range checks for draft medication orders. Pack 1.0.0. ' +
            'Outpost’s drug checks cover a curated dictionary of common outpatient medicines and a small, cited rule set. They are NOT a comprehensive drug interaction or allergy database and do not replace a pharmacist’s review or a full commercial compendium. A missing alert does not mean a combination is safe.',
          prefetch: {
            patient: 'Patient/{{context.patientId}}',
            medications: 'MedicationRequest?patient={{context.patientId}}&status=active',
            statements: 'MedicationStatement?patient={{context.patientId}}&status=active',
            allergies: 'AllergyIntolerance?patient={{context.patientId}}',
            conditions: 'Condition?patient={{context.patientId}}',
            observations:
              'Observation?patient={{context.patientId}}&code=' +
              [
                '10535-3', '3563-4', '75940-7', // digoxin
                '12812-4', '12813-2', '22760-3', '2823-3', '2824-1', '29349-8', '32713-0', '39789-3', '39790-1', '41656-0', '51618-7', '6298-4', // potassium
                '19123-9', '2597-3', '2601-3', // magnesium
                '17864-0', '17861-6', '1994-3', '1995-0', '29265-6', // calcium
                '2160-0', '33914-3', '50044-7', '48642-3', '48643-1' // creatinine
              ]
                .map((c) => `http://loinc.org|${c}`)
                .join(',')
          }
        }
      ]
    });
  });

  test('version, coverage summary and lab codes come from the pack it is given', () => {
    const base = bundledDrugPack();
    const pack: DrugPack = {
      ...base,
      version: '7.3.1',
      coverage: { ...base.coverage, summary: 'Tiny test pack.' },
      context: { ...base.context, loinc: { digoxin: ['1-1'], potassium: [], magnesium: ['2-2', '3-3'], calcium: [], creatinine: ['4-4'] } }
    };
    const [service] = cdsServicesDiscovery(pack).services;
    expect(service.description).toBe(
      'Drug–drug (ONC high-priority pairs, HL7 PDDI-CDS warfarin + NSAID and digoxin + cyclosporine), drug–allergy, duplicate-therapy and dose-range checks for draft medication orders. Pack 7.3.1. Tiny test pack.'
    );
    expect(service.prefetch.observations).toBe(
      'Observation?patient={{context.patientId}}&code=http://loinc.org|1-1,http://loinc.org|2-2,http://loinc.org|3-3,http://loinc.org|4-4'
    );
  });
});
