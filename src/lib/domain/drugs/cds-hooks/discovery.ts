/**
 * CDS Hooks discovery document for GET /cds-services. Prefetch templates ask
 * for what the checks read: the patient, active medications, allergies,
 * conditions (GI bleeding history) and the labs of the digoxin rule.
 */
import { bundledDrugPack } from '../drug-pack';
import type { DrugPack } from '../pack-schema';
import { ORDER_SIGN_SERVICE_ID } from './order-sign';

export function cdsServicesDiscovery(pack: DrugPack = bundledDrugPack()) {
  const loinc = Object.values(pack.context.loinc).flat().map((c) => `http://loinc.org|${c}`).join(',');
  return {
    services: [
      {
        hook: 'order-sign',
        id: ORDER_SIGN_SERVICE_ID,
        title: 'Outpost drug checks',
        description: `Drug–drug (ONC high-priority pairs, HL7 PDDI-CDS warfarin + NSAID and digoxin + cyclosporine), drug–allergy, duplicate-therapy and dose-range checks for draft medication orders. Pack ${pack.version}. ${pack.coverage.summary}`,
        prefetch: {
          patient: 'Patient/{{context.patientId}}',
          medications: 'MedicationRequest?patient={{context.patientId}}&status=active',
          statements: 'MedicationStatement?patient={{context.patientId}}&status=active',
          allergies: 'AllergyIntolerance?patient={{context.patientId}}',
          conditions: 'Condition?patient={{context.patientId}}',
          observations: `Observation?patient={{context.patientId}}&code=${loinc}`
        }
      }
    ]
  };
}
