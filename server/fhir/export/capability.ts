import { US_CORE } from '../../../src/lib/fhir/export/chart-to-fhir';
import { CLINIC_WIDE_TYPES, SEARCH_PARAMS } from './search';

/**
 * The CapabilityStatement of `GET /fhir/R4/metadata`: exactly what the
 * server does. US Core profiles are claimed only for Patient,
 * AllergyIntolerance and Condition, whose every required element the export
 * always fills; the other types are shaped after US Core but may miss a
 * required element (an imported medication without a requester, a vaccine
 * without primarySource, a result coded by text only), so none is claimed.
 */
const COMMON = [
  { name: '_id', type: 'token', documentation: 'Resource id (the chart entry id)' },
  { name: '_count', type: 'number', documentation: 'Page size (default 50, at most 500); Bundle.link next pages on' }
];
const PATIENT_SCOPED = [
  { name: 'patient', type: 'reference', documentation: 'Patient/<id> or <id>; one patient per search (required unless _id is given)' },
  { name: 'subject', type: 'reference', documentation: 'Same as patient' }
];
const CLINIC_WIDE = [
  { name: 'patient', type: 'reference', documentation: 'Patient/<id> or <id> (Task.for); one patient per search; optional: without it, the clinic\'s tasks' },
  { name: 'subject', type: 'reference', documentation: 'Same as patient' }
];
const PARAM_DOC: Record<string, (doc: string) => string> = {
  date: (doc) => `${doc}; prefixes eq (default), gt, lt, ge, le`,
  token: (doc) => `${doc}; system|code or code`,
  reference: (doc) => `${doc}; Type/id or id`
};

const DOCUMENTATION: Record<string, string> = {
  Task: "The clinic's tasks (what someone is asked to do for a patient by a due date); owner is Practitioner/<user id> for a task given to a person (a task for a role names the role in owner.display). In bulk $export with its patient; a task whose prompt a patient's restriction covers (a restricted result, a registry selecting on a restricted problem code) is left out.",
  Claim: "A visit's bill (the billing export): its ICD-10-CM diagnoses, one item per charge still standing, the total; self-pay. In bulk $export with its patient; a bill naming a diagnosis in a restricted category is left out."
};

const BULK_DOC =
  'Bulk Data Access IG 2.0.0: Prefer: respond-async required; _outputFormat (application/fhir+ndjson), _type, _since; signed-in clinicians and administrators (session cookie; not available to SMART bearer tokens); one running export per clinic; files kept 24 hours or until the status URL is DELETEd';

export function capabilityStatement(base: string, version: string, tokenUrl = base.replace(/\/fhir\/R4$/, '/auth/token')): Record<string, unknown> {
  const resource = Object.entries(SEARCH_PARAMS).map(([type, params]) => ({
    type,
    ...(type in US_CORE ? { supportedProfile: [US_CORE[type as keyof typeof US_CORE]] } : {}),
    interaction: [{ code: 'read' }, { code: 'search-type' }],
    ...(type === 'Patient' || CLINIC_WIDE_TYPES.includes(type) ? {} : { searchInclude: [`${type}:patient`] }),
    ...(DOCUMENTATION[type] ? { documentation: DOCUMENTATION[type] } : {}),
    searchParam: [
      ...COMMON,
      ...(type === 'Patient' ? [] : CLINIC_WIDE_TYPES.includes(type) ? CLINIC_WIDE : PATIENT_SCOPED),
      ...Object.entries(params).map(([name, def]) => ({ name, type: def.kind, documentation: PARAM_DOC[def.kind](def.doc) }))
    ],
    ...(type === 'Patient'
      ? {
          operation: [
            { name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything', documentation: 'Every exported resource of the patient plus resources kept verbatim from imports; no parameters' },
            // International Patient Summary IG 2.0.0 (http://hl7.org/fhir/uv/ips/STU2/).
            { name: 'summary', definition: 'http://hl7.org/fhir/uv/ips/OperationDefinition/summary', documentation: 'International Patient Summary (IPS IG 2.0.0) document Bundle; no parameters' },
            { name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export', documentation: BULK_DOC }
          ]
        }
      : {})
  }));
  // The clinic is the one Group, served only for $export.
  resource.push({ type: 'Group', interaction: [], searchParam: [], operation: [{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export', documentation: `Group/<clinic id>/$export. ${BULK_DOC}` }] } as (typeof resource)[number]);
  // Quality measures (server/http/routes/measure-routes.ts): simplified, not certified eCQMs.
  resource.push({ type: 'Measure', interaction: [{ code: 'read' }, { code: 'search-type' }], searchParam: [], operation: [{ name: 'evaluate-measure', definition: 'http://hl7.org/fhir/OperationDefinition/Measure-evaluate-measure', documentation: 'Measure/<id>/$evaluate-measure?periodStart=&periodEnd=&reportType=summary|subject-list over the clinic\'s patients; not certified eCQM results' }] } as unknown as (typeof resource)[number]);
  // Pre-visit intake forms (questionnaire-routes.ts): definitions only; completed forms stay in the chart.
  resource.push({ type: 'Questionnaire', interaction: [{ code: 'read' }, { code: 'search-type' }], searchParam: [], documentation: 'The pre-visit intake forms (reason for visit, medicines and allergies checks, PHQ-9 with PHQ-2 first, GAD-7), versioned; GET without parameters lists them all' } as unknown as (typeof resource)[number]);
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-12-06',
    kind: 'instance',
    software: { name: 'Outpost', version },
    implementation: { description: 'Outpost clinic server', url: base },
    instantiates: ['http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data'],
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Signed-in staff sessions: Patient, Claim and Task for front desk, administrators and clinical staff; every other type for clinicians and nurses. Registered systems: SMART Backend Services bearer tokens, limited to their clinic and their granted system scopes. Reads are audited.',
        security: {
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [{ url: 'token', valueUri: tokenUrl }]
            }
          ],
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR', display: 'SMART-on-FHIR' }], text: 'SMART Backend Services (client credentials, private_key_jwt)' }],
          description:
            'Staff: session cookie from /api/auth/login. Systems: OAuth 2.0 client credentials with a private_key_jwt assertion (RS384 or ES384) at the token endpoint, then Authorization: Bearer; see /.well-known/smart-configuration.'
        },
        resource,
        operation: [{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export', documentation: `System level: every patient of the caller's clinic. ${BULK_DOC}` }],
        interaction: [
          {
            code: 'transaction',
            documentation:
              "POST /fhir/R4: import of one patient's transaction Bundle (clinicians). The same endpoint takes a document or collection Bundle sent by another clinic (a transfer or referral: clinicians, or a clinic holding a transfer key): the patient is matched by identifiers, else name and birth date, an uncertain match waits for a person (202), and incoming allergies, problems and medications wait for a clinician to reconcile them."
          }
        ]
      }
    ]
  };
}
