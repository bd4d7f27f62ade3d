import type { PatientInput, PatientRecord } from '../domain/patient';

/** The editable demographics as form strings, shared by registration and the chart's edit form. */
export interface DemographicsForm {
  family: string;
  given: string;
  birthDate: string;
  gender: string;
  phone: string;
  email: string;
  addressLine: string;
  city: string;
  postalCode: string;
}

export function emptyForm(): DemographicsForm {
  return { family: '', given: '', birthDate: '', gender: '', phone: '', email: '', addressLine: '', city: '', postalCode: '' };
}

export function formFromRecord(p: PatientRecord): DemographicsForm {
  return {
    family: p.family,
    given: p.given.join(' '),
    birthDate: p.birthDate,
    gender: p.gender,
    phone: p.phone ?? '',
    email: p.email ?? '',
    addressLine: p.addressLine ?? '',
    city: p.city ?? '',
    postalCode: p.postalCode ?? ''
  };
}

/** Form strings → the domain input; the domain schema does the validating. */
export function inputFromForm(f: DemographicsForm): PatientInput {
  return {
    family: f.family,
    given: f.given.split(/\s+/).filter(Boolean),
    birthDate: f.birthDate,
    gender: f.gender as PatientInput['gender'],
    phone: f.phone,
    email: f.email,
    addressLine: f.addressLine,
    city: f.city,
    postalCode: f.postalCode
  };
}
