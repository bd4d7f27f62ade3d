import type { z } from 'zod';
import { newMrn, patientInputSchema, type PatientInput } from '../../src/lib/domain/patient';
import { mulberry32, seedFrom } from '../seed/prng';
import type { patientSchema } from './fhir-schemas';

/**
 * FHIR Patient → Outpost demographics (the `patient:` document). Every
 * identifier is kept as it came (the MR number of the sending system
 * included), and the clinic gets a short, check-digited MRN derived from the
 * MR identifier, so the same record always gets the same MRN.
 */

type FhirPatient = z.infer<typeof patientSchema>;

export interface Identifier {
  system?: string;
  value: string;
  /** v2-0203 identifier type code (MR, SS, DL, PPN, …). */
  type?: string;
}

export interface MappedPatient {
  input: PatientInput;
  identifiers: Identifier[];
  /** The sending system's medical record number identifier, if any. */
  mr?: Identifier;
}

/** Synthea appends digits to names ("Asa127"); people's names carry none. */
const cleanName = (s: string) => s.replace(/\d+$/, '').trim();

export function mapPatient(p: FhirPatient): MappedPatient {
  const name = p.name.find((n) => n.use === 'official') ?? p.name[0];
  const address = p.address?.[0];
  const identifiers: Identifier[] = (p.identifier ?? [])
    .filter((i): i is typeof i & { value: string } => typeof i.value === 'string' && i.value.length > 0)
    .map((i) => ({
      ...(i.system ? { system: i.system } : {}),
      value: i.value,
      ...(i.type?.coding?.[0]?.code ? { type: i.type.coding[0].code } : {})
    }));
  const mr = identifiers.find((i) => i.type === 'MR');
  return {
    input: {
      family: cleanName(name?.family ?? ''),
      given: (name?.given ?? []).map(cleanName).filter(Boolean),
      birthDate: p.birthDate,
      gender: p.gender ?? 'unknown',
      mrn: newMrn(mulberry32(seedFrom(mr?.value ?? p.id ?? `${name?.family}|${p.birthDate}`))),
      phone: p.telecom?.find((t) => t.system === 'phone')?.value ?? '',
      addressLine: (address?.line ?? []).join(', '),
      city: address?.city ?? '',
      postalCode: address?.postalCode ?? '',
      deceasedDate: p.deceasedDateTime ? p.deceasedDateTime.slice(0, 10) : ''
    },
    identifiers,
    ...(mr ? { mr } : {})
  };
}

/** Where each demographic field came from, so a refusal names the FHIR element. */
const FHIR_PATH: Record<string, string> = {
  family: 'name[0].family',
  given: 'name[0].given',
  birthDate: 'birthDate',
  gender: 'gender',
  phone: 'telecom',
  addressLine: 'address[0].line',
  city: 'address[0].city',
  postalCode: 'address[0].postalCode',
  deceasedDate: 'deceasedDateTime'
};

/** Problems Outpost's patient model has with the mapped demographics, as FHIR element paths. */
export function patientProblems(input: PatientInput): { path: string; message: string }[] {
  const r = patientInputSchema.safeParse(input);
  if (r.success) return [];
  return r.error.issues.map((i) => ({ path: FHIR_PATH[String(i.path[0])] ?? String(i.path[0]), message: i.message }));
}

