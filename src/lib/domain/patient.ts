import { z } from 'zod';

/**
 * Demographics a clinic registers. Field names follow FHIR R4 `Patient`
 * (flattened where two people may edit different parts at once: family and
 * given names are separate fields so concurrent edits both survive).
 */
export const GENDERS = ['female', 'male', 'other', 'unknown'] as const;
export type Gender = (typeof GENDERS)[number];

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use the form YYYY-MM-DD')
  .refine(isRealDate, 'Not a real date');

/** True for a calendar date that exists (rejects 1981-02-29, which Date.parse accepts). */
export function isRealDate(s: string): boolean {
  const d = new Date(s + 'T00:00:00Z');
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

export const patientInputSchema = z.object({
  family: z.string().trim().min(1, 'Family name is required').max(100),
  given: z.array(z.string().trim().min(1).max(100)).min(1, 'Given name is required').max(5),
  birthDate: isoDate.refine((s) => s <= new Date().toISOString().slice(0, 10), 'Birth date is in the future'),
  gender: z.enum(GENDERS),
  mrn: z.string().trim().max(40).optional(),
  phone: z.string().trim().max(40).optional(),
  email: z.union([z.literal(''), z.string().trim().email('Not an email address').max(200)]).optional(),
  addressLine: z.string().trim().max(200).optional(),
  city: z.string().trim().max(100).optional(),
  postalCode: z.string().trim().max(20).optional(),
  deceasedDate: z.union([z.literal(''), isoDate]).optional()
});
export type PatientInput = z.infer<typeof patientInputSchema>;

/** Fields a user may change after registration (all optional). */
export const patientChangesSchema = patientInputSchema.partial();
export type PatientChanges = z.infer<typeof patientChangesSchema>;

export interface PatientRecord extends PatientInput {
  id: string;
  mrn: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

/**
 * The row a patient list shows. Matches the server's `GET /api/patients`
 * contract: `{id, name: {family, given}, birthDate, gender, mrn, updatedAt}`.
 */
export interface PatientSummary {
  id: string;
  name: { family: string; given: string[] };
  birthDate: string;
  gender: Gender;
  mrn: string;
  updatedAt: string;
}

export function toSummary(p: PatientRecord): PatientSummary {
  return {
    id: p.id,
    name: { family: p.family, given: [...p.given] },
    birthDate: p.birthDate,
    gender: p.gender,
    mrn: p.mrn,
    updatedAt: p.updatedAt
  };
}

export function displayName(name: { family: string; given: readonly string[] }): string {
  return `${name.family}, ${name.given.join(' ')}`.trim();
}

/** Age in whole years on `on` (defaults to today). */
export function ageInYears(birthDate: string, on: Date = new Date()): number {
  const b = new Date(birthDate + 'T00:00:00Z');
  let age = on.getUTCFullYear() - b.getUTCFullYear();
  const m = on.getUTCMonth() - b.getUTCMonth();
  if (m < 0 || (m === 0 && on.getUTCDate() < b.getUTCDate())) age--;
  return age;
}

/**
 * A medical record number made on the device, so registration works offline
 * without a server round trip: a clinic prefix and a random base-32 body
 * with a check character (Luhn mod N) that catches a mistyped character.
 */
const MRN_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford, no I L O U

export function newMrn(random: () => number = Math.random): string {
  let body = '';
  for (let i = 0; i < 8; i++) body += MRN_ALPHABET[Math.floor(random() * 32)];
  return `${body}${mrnCheck(body)}`;
}

export function mrnCheck(body: string): string {
  const n = MRN_ALPHABET.length;
  let factor = 2;
  let sum = 0;
  for (let i = body.length - 1; i >= 0; i--) {
    let addend = factor * MRN_ALPHABET.indexOf(body[i]);
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / n) + (addend % n);
    sum += addend;
  }
  return MRN_ALPHABET[(n - (sum % n)) % n];
}

export function isValidMrn(mrn: string): boolean {
  if (!/^[0-9A-HJKMNP-TV-Z]{9}$/.test(mrn)) return false;
  return mrnCheck(mrn.slice(0, 8)) === mrn[8];
}

/**
 * Search: every query word must prefix-match a word of the name, or match
 * the MRN, or the birth date (YYYY-MM-DD or DD/MM/YYYY). Case and accents
 * are ignored. Pure, so the client list and server share it.
 */
export function normalizeForSearch(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

export function searchTokens(p: PatientSummary): string[] {
  const words = normalizeForSearch([p.name.family, ...p.name.given].join(' '))
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return [...words, p.mrn.toLowerCase(), p.birthDate];
}

export function matchesQuery(tokens: readonly string[], query: string): boolean {
  return matchesWords(tokens, queryWords(query));
}

/** A query split into normalized words, once, so a list of thousands is not re-normalized per row. */
export function queryWords(query: string): string[] {
  return normalizeForSearch(query)
    .split(/[\s,]+/)
    .filter(Boolean);
}

export function matchesWords(tokens: readonly string[], words: readonly string[]): boolean {
  return words.every((w) => tokens.some((t) => t.startsWith(w)));
}
