import type { PatientInput, PatientRecord } from '../domain/patient';
import { m } from '../paraglide/messages';
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

/**
 * What each demographic field is called on screen, in the app's language:
 * the edit form and the review of imported changes say the same. Functions,
 * so a label is read in the language chosen when it is shown.
 */
export const DEMOGRAPHIC_LABELS = {
  family: m.chart_field_family,
  given: m.chart_field_given,
  birthDate: m.chart_field_birth_date,
  gender: m.chart_field_sex,
  phone: m.chart_field_phone,
  email: m.chart_field_email,
  addressLine: m.chart_field_address,
  city: m.chart_field_city,
  postalCode: m.chart_field_postal_code,
  deceasedDate: m.chart_field_date_of_death
} as const satisfies Record<keyof DemographicsForm | 'deceasedDate', () => string>;

/** A demographic value as shown: names joined, sex spelled out, an empty value as a dash. */
export function demographicValue(field: keyof typeof DEMOGRAPHIC_LABELS, value: unknown): string {
  if (Array.isArray(value)) return value.join(' ') || '\u2014';
  if (typeof value !== 'string' || value === '') return '\u2014';
  return field === 'gender' ? genderLabel(value) : value;
}
