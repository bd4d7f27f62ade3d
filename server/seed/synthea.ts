import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AllergyInput, ConditionInput } from '../../src/lib/domain/chart';
import { CONDITION_CLINICAL, ENCOUNTER_CLASSES } from '../../src/lib/domain/chart';
import { GENDERS, newMrn, type Gender, type PatientInput } from '../../src/lib/domain/patient';
import { isUuid } from '../../src/lib/domain/doc-names';
import { mulberry32, seedFrom } from './prng';
import type { SeedPatient, SeedVisit } from './seed-patient';

/**
 * Maps the Synthea sample Bundles (fixtures/synthea) into seed patients:
 * demographics, allergies, problems with their SNOMED codes, and the most
 * recent visits. Deliberately partial: full FHIR import (medications,
 * observations, immunizations) is its own feature.
 */

export const SYNTHEA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/synthea');

/** The loosely typed parts of FHIR resources this mapping reads. */
interface Coding {
  system?: string;
  code?: string;
  display?: string;
}
interface Concept {
  coding?: Coding[];
  text?: string;
}
interface Resource {
  resourceType: string;
  id?: string;
  [key: string]: unknown;
}
interface Bundle {
  resourceType: 'Bundle';
  entry?: { resource?: Resource }[];
}

const VISITS_PER_PATIENT = 3;

export function loadSyntheaBundles(dir: string = SYNTHEA_DIR): Bundle[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Bundle);
}

export function syntheaToSeedPatient(bundle: Bundle): SeedPatient {
  const resources = (bundle.entry ?? []).map((e) => e.resource).filter((r): r is Resource => !!r);
  const patient = resources.find((r) => r.resourceType === 'Patient');
  if (!patient || !isUuid(patient.id)) throw new Error('Bundle has no Patient with a UUID id');
  const of = (type: string) => resources.filter((r) => r.resourceType === type);
  return {
    id: patient.id,
    mrn: mrnFor(patient),
    demographics: demographics(patient),
    allergies: of('AllergyIntolerance').map(allergy),
    conditions: of('Condition').map(condition),
    visits: of('Encounter')
      .map(visit)
      .sort((a, b) => (b.input.start ?? '').localeCompare(a.input.start ?? ''))
      .slice(0, VISITS_PER_PATIENT)
  };
}

/** Synthea appends digits to names in some releases ("Asa127"); people's names carry none. */
const cleanName = (s: string) => s.replace(/\d+$/, '').trim();

function demographics(p: Resource): PatientInput {
  const names = (p.name as { use?: string; family?: string; given?: string[] }[] | undefined) ?? [];
  const name = names.find((n) => n.use === 'official') ?? names[0] ?? {};
  const telecom = (p.telecom as { system?: string; value?: string }[] | undefined) ?? [];
  const address = ((p.address as { line?: string[]; city?: string; postalCode?: string }[] | undefined) ?? [])[0];
  const gender = typeof p.gender === 'string' && (GENDERS as readonly string[]).includes(p.gender) ? (p.gender as Gender) : 'unknown';
  const deceased = typeof p.deceasedDateTime === 'string' ? p.deceasedDateTime.slice(0, 10) : '';
  return {
    family: cleanName(name.family ?? 'Unknown'),
    given: (name.given ?? ['Unknown']).map(cleanName).filter(Boolean),
    birthDate: String(p.birthDate),
    gender,
    phone: telecom.find((t) => t.system === 'phone')?.value ?? '',
    addressLine: (address?.line ?? []).join(', '),
    city: address?.city ?? '',
    postalCode: address?.postalCode ?? '',
    deceasedDate: deceased
  };
}

/**
 * A clinic MRN for the imported record. Synthea's MR identifier is a UUID, far
 * too long to read over the phone; a short check-digited MRN is derived from
 * it, so the same record always gets the same MRN.
 */
function mrnFor(p: Resource): string {
  const ids = (p.identifier as { type?: Concept; value?: string }[] | undefined) ?? [];
  const mr = ids.find((i) => i.type?.coding?.some((c) => c.code === 'MR'))?.value ?? String(p.id);
  return newMrn(mulberry32(seedFrom(mr)));
}

function text(c: Concept | undefined): string {
  return (c?.text ?? c?.coding?.[0]?.display ?? '').trim();
}

function codings(c: Concept | undefined): { system: string; code: string; display?: string }[] | undefined {
  const out = (c?.coding ?? [])
    .filter((x): x is Coding & { system: string; code: string } => !!x.system && !!x.code)
    .map((x) => ({ system: x.system, code: x.code, ...(x.display ? { display: x.display } : {}) }));
  return out.length ? out : undefined;
}

function statusCode(v: unknown): string | undefined {
  return (v as Concept | undefined)?.coding?.[0]?.code;
}

/** Synthea (2019) files every allergy under `food`, pollen and venom included; the substance tells better. */
const ENVIRONMENTAL = /pollen|mould|mold|dust|dander|venom|latex|grass/i;

function allergy(r: Resource): AllergyInput {
  const code = r.code as Concept | undefined;
  const substance = text(code).replace(/^Allergy to /i, '').slice(0, 200) || 'Unknown substance';
  const fhirCategory = (r.category as string[] | undefined)?.[0];
  const category = ENVIRONMENTAL.test(substance)
    ? 'environment'
    : fhirCategory === 'medication' || fhirCategory === 'biologic' || fhirCategory === 'environment'
      ? fhirCategory
      : 'food';
  const criticality = r.criticality === 'high' || r.criticality === 'low' ? r.criticality : 'unable-to-assess';
  return {
    substance: substance.charAt(0).toUpperCase() + substance.slice(1),
    coding: codings(code),
    category,
    criticality,
    verificationStatus: statusCode(r.verificationStatus) === 'unconfirmed' ? 'unconfirmed' : 'confirmed',
    recordedDate: typeof r.recordedDate === 'string' ? r.recordedDate.slice(0, 10) : undefined
  };
}

function condition(r: Resource): ConditionInput {
  const code = r.code as Concept | undefined;
  const status = statusCode(r.clinicalStatus);
  return {
    text: text(code).slice(0, 300) || 'Unnamed problem',
    coding: codings(code),
    clinicalStatus: (CONDITION_CLINICAL as readonly string[]).includes(status ?? '')
      ? (status as ConditionInput['clinicalStatus'])
      : 'active',
    onsetDate: typeof r.onsetDateTime === 'string' ? r.onsetDateTime.slice(0, 10) : '',
    abatementDate: typeof r.abatementDateTime === 'string' ? r.abatementDateTime.slice(0, 10) : ''
  };
}

const CLASS_MAP: Record<string, (typeof ENCOUNTER_CLASSES)[number]> = {
  AMB: 'ambulatory',
  EMER: 'emergency',
  HH: 'home',
  VR: 'virtual'
};

function visit(r: Resource): SeedVisit {
  const period = (r.period as { start?: string; end?: string } | undefined) ?? {};
  const type = text((r.type as Concept[] | undefined)?.[0]).replace(/\s*\((procedure|finding)\)$/, '');
  const reason = text((r.reasonCode as Concept[] | undefined)?.[0]).replace(/\s*\(disorder\)$/, '');
  const classCode = (r.class as Coding | undefined)?.code ?? 'AMB';
  return {
    input: {
      class: CLASS_MAP[classCode] ?? 'ambulatory',
      type: (type || 'Office visit').slice(0, 100),
      reason: reason.slice(0, 300),
      start: period.start ? new Date(period.start).toISOString() : undefined
    },
    finishedAt: period.end ? new Date(period.end).toISOString() : period.start
  };
}
