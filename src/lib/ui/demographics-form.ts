import type { PatientInput, PatientRecord } from '../domain/patient';
import { genderLabel } from './format';

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

/** What each demographic field is called on screen: the edit form and the review of imported changes say the same. */
export const DEMOGRAPHIC_LABELS = {
  family: 'Family name',
  given: 'Given names',
  birthDate: 'Birth date',
  gender: 'Sex',
  phone: 'Phone',
  email: 'Email',
  addressLine: 'Address',
  city: 'Town / village',
  postalCode: 'Postal code',
  deceasedDate: 'Date of death'
} as const satisfies Record<keyof DemographicsForm | 'deceasedDate', string>;

/** A demographic value as shown: names joined, sex spelled out, an empty value as a dash. */
export function demographicValue(field: keyof typeof DEMOGRAPHIC_LABELS, value: unknown): string {
  if (Array.isArray(value)) return value.join(' ') || '\u2014';
  if (typeof value !== 'string' || value === '') return '\u2014';
  return field === 'gender' ? genderLabel(value) : value;
}
