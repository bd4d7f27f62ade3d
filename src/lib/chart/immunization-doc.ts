import * as Y from 'yjs';
import { z } from 'zod';
import type { Actor } from '../domain/chart';
import { AppError } from '../domain/errors';
import { CVX_SYSTEM, vaccineByCvx } from '../domain/immunization-schedule';
import { isRealDate } from '../domain/patient';
import { clinicalFields, putEntry } from './clinical-doc';
import { migrate, newId, nowIso } from './schema';

/**
 * Recording vaccines given in Outpost: a CVX-coded FHIR Immunization in the
 * chart's `immunizations` map (the same map FHIR import fills), with lot,
 * site and route. A mistaken entry is marked entered-in-error with who, when
 * and why; nothing is deleted.
 */

/** HL7 v3 ActSite codes FHIR's Immunization site examples use. */
export const IMMUNIZATION_SITES = [
  { code: 'LA', display: 'Left arm' },
  { code: 'RA', display: 'Right arm' },
  { code: 'LT', display: 'Left thigh' },
  { code: 'RT', display: 'Right thigh' },
  { code: 'LD', display: 'Left deltoid' },
  { code: 'RD', display: 'Right deltoid' }
] as const;
/** HL7 v3 RouteOfAdministration codes. */
export const IMMUNIZATION_ROUTES = [
  { code: 'IM', display: 'Intramuscular' },
  { code: 'SC', display: 'Subcutaneous' },
  { code: 'ID', display: 'Intradermal' },
  { code: 'NASINHLC', display: 'Intranasal' },
  { code: 'PO', display: 'Oral' }
] as const;
const SITE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActSite';
const ROUTE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration';

export const vaccinationInputSchema = z.object({
  cvx: z.string().refine((c) => !!vaccineByCvx(c), 'Choose a vaccine from the list'),
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use the form YYYY-MM-DD')
    .refine(isRealDate, 'Not a real date')
    .refine((d) => d <= nowIso().slice(0, 10), 'The date is in the future'),
  lotNumber: z.string().trim().max(40).default(''),
  site: z.union([z.literal(''), z.enum(IMMUNIZATION_SITES.map((s) => s.code) as [string, ...string[]])]).default(''),
  route: z.union([z.literal(''), z.enum(IMMUNIZATION_ROUTES.map((s) => s.code) as [string, ...string[]])]).default('')
});
export type VaccinationInput = z.input<typeof vaccinationInputSchema>;

/** Records a dose given; returns the Immunization entry id. Throws AppError('invalid') with field paths. */
export function recordVaccination(doc: Y.Doc, input: VaccinationInput, actor: Actor, id: string = newId()): string {
  const parsed = vaccinationInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError('invalid', 'The vaccination is not valid', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  const v = parsed.data;
  const vaccine = vaccineByCvx(v.cvx)!;
  const site = IMMUNIZATION_SITES.find((s) => s.code === v.site);
  const route = IMMUNIZATION_ROUTES.find((s) => s.code === v.route);
  const fields = clinicalFields('immunizations', {
    status: 'completed',
    vaccineCode: { text: vaccine.name, coding: [{ system: CVX_SYSTEM, code: vaccine.cvx, display: vaccine.name }] },
    occurrenceDateTime: v.date,
    lotNumber: v.lotNumber || undefined,
    site: site ? { text: site.display, coding: [{ system: SITE_SYSTEM, code: site.code, display: site.display }] } : undefined,
    route: route ? { text: route.display, coding: [{ system: ROUTE_SYSTEM, code: route.code, display: route.display }] } : undefined,
    primarySource: true
  });
  migrate(doc);
  putEntry(doc, 'immunizations', id, { ...fields, performer: [{ actor: { display: actor.name } }] }, actor);
  return id;
}

/** Marks an immunization as recorded by mistake: it stays in the chart, struck through, and no longer counts for the schedule. */
export function markImmunizationEnteredInError(doc: Y.Doc, id: string, reason: string, actor: Actor): void {
  const why = reason.trim();
  if (!why) throw new AppError('invalid', 'Say why the entry was recorded in error', [{ path: 'reason', message: 'Required' }]);
  const e = doc.getMap('immunizations').get(id);
  if (!(e instanceof Y.Map)) throw new AppError('not-found', 'That entry is not in this chart');
  doc.transact(() => {
    const now = nowIso();
    e.set('status', 'entered-in-error');
    e.set('enteredInErrorAt', now);
    e.set('enteredInErrorBy', actor.name);
    e.set('enteredInErrorReason', why.slice(0, 500));
    e.set('updatedAt', now);
    e.set('updatedBy', actor.name);
  }, 'local');
}
