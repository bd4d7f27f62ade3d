import * as Y from 'yjs';
import { z } from 'zod';
import type { Actor } from '../domain/chart';
import { AppError } from '../domain/errors';
import { patientChangesSchema, type PatientChanges, type PatientInput, type PatientRecord } from '../domain/patient';
import { updatePatient } from './patient-doc';
import { nowIso } from './schema';

/**
 * Demographic changes brought by a FHIR import for a patient the clinic
 * already has. An import never overwrites who a patient is (a wrong birth
 * date or name from another system would follow the patient into every
 * check and every printout): it proposes, and front desk or clinical staff
 * accept or reject the proposal on the patient's record.
 *
 * Layout, in the `patient:<id>` document:
 *
 *   demographicsReview: Y.Map<reviewId, Y.Map>   (top level)
 *     id            string, the review id (the key)
 *     proposed      plain object: only the demographic fields that differ
 *                   (family, given, birthDate, gender, phone, email,
 *                   addressLine, city, postalCode, deceasedDate), as the
 *                   sending system has them; never changed after proposal
 *     source        string: the import source (see server/fhir/import-source.ts)
 *     proposedAt    ISO date-time; proposedBy (name), proposedById (user id)
 *     status        'pending' | 'accepted' | 'rejected'
 *     decidedAt, decidedBy, decidedById   set with the decision
 *
 * The review id is derived from the source, the patient and the proposal,
 * so importing the same record again finds its review and adds nothing,
 * whether it is still pending or was already decided.
 */

export const DEMOGRAPHICS_REVIEW_MAP = 'demographicsReview';

/** The demographic fields an import may propose; the clinic's MRN is never among them. */
export const REVIEWABLE_FIELDS = ['family', 'given', 'birthDate', 'gender', 'phone', 'email', 'addressLine', 'city', 'postalCode', 'deceasedDate'] as const;
export type ReviewableField = (typeof REVIEWABLE_FIELDS)[number];

export const REVIEW_STATUSES = ['pending', 'accepted', 'rejected'] as const;

const reviewSchema = z.object({
  id: z.string(),
  status: z.enum(REVIEW_STATUSES),
  proposed: patientChangesSchema.omit({ mrn: true }),
  source: z.string(),
  proposedAt: z.string(),
  proposedBy: z.string(),
  proposedById: z.string().optional(),
  decidedAt: z.string().optional(),
  decidedBy: z.string().optional(),
  decidedById: z.string().optional()
});
export type DemographicsReview = z.infer<typeof reviewSchema>;

function reviews(doc: Y.Doc): Y.Map<Y.Map<unknown>> {
  return doc.getMap(DEMOGRAPHICS_REVIEW_MAP) as Y.Map<Y.Map<unknown>>;
}

/**
 * The fields of `incoming` whose value differs from the record; empty when
 * the import brings nothing new. A field the sender left empty says nothing
 * about the patient, so it never proposes clearing what the clinic recorded.
 */
export function demographicsDiff(current: PatientRecord, incoming: Partial<PatientInput>): PatientChanges {
  const diff: Record<string, unknown> = {};
  for (const field of REVIEWABLE_FIELDS) {
    const value = incoming[field];
    if (value === undefined || value === '' || (Array.isArray(value) && !value.length)) continue;
    if (JSON.stringify(current[field] ?? '') !== JSON.stringify(value)) diff[field] = value;
  }
  return diff as PatientChanges;
}

/**
 * Records a proposal unless one with the same id exists (pending or
 * decided). Returns whether it added one.
 */
export function proposeDemographics(doc: Y.Doc, review: { id: string; proposed: PatientChanges; source: string }, actor: Actor): boolean {
  const proposed = patientChangesSchema.omit({ mrn: true }).parse(review.proposed);
  if (!Object.keys(proposed).length || reviews(doc).has(review.id)) return false;
  doc.transact(() => {
    const e = new Y.Map<unknown>();
    reviews(doc).set(review.id, e);
    e.set('id', review.id);
    e.set('status', 'pending');
    e.set('proposed', proposed);
    e.set('source', review.source);
    e.set('proposedAt', nowIso());
    e.set('proposedBy', actor.name);
    e.set('proposedById', actor.id);
  }, 'local');
  return true;
}

/** Every review, pending first, then newest first; entries in another shape are left out. */
export function listDemographicsReviews(doc: Y.Doc): DemographicsReview[] {
  const out: DemographicsReview[] = [];
  reviews(doc).forEach((e) => {
    if (!(e instanceof Y.Map)) return;
    const parsed = reviewSchema.safeParse(e.toJSON());
    if (parsed.success) out.push(parsed.data);
  });
  return out.sort((a, b) => Number(b.status === 'pending') - Number(a.status === 'pending') || b.proposedAt.localeCompare(a.proposedAt));
}

function pendingEntry(doc: Y.Doc, id: string): Y.Map<unknown> {
  const e = reviews(doc).get(id);
  const parsed = e instanceof Y.Map ? reviewSchema.safeParse(e.toJSON()) : undefined;
  if (!e || !parsed?.success) throw new AppError('not-found', 'That proposed change is not on this record');
  if (parsed.data.status !== 'pending') throw new AppError('conflict', `That proposed change was already ${parsed.data.status}`);
  return e;
}

function decide(e: Y.Map<unknown>, status: 'accepted' | 'rejected', actor: Actor): void {
  e.set('status', status);
  e.set('decidedAt', nowIso());
  e.set('decidedBy', actor.name);
  e.set('decidedById', actor.id);
}

/** Applies the proposed fields to the demographics and records who accepted them, in one change. */
export function acceptDemographicsReview(doc: Y.Doc, id: string, actor: Actor): void {
  const e = pendingEntry(doc, id);
  const proposed = reviewSchema.shape.proposed.parse(e.get('proposed'));
  doc.transact(() => {
    updatePatient(doc, proposed, actor);
    decide(e, 'accepted', actor);
  }, 'local');
}

/** Leaves the demographics as they are and records who rejected the proposal. */
export function rejectDemographicsReview(doc: Y.Doc, id: string, actor: Actor): void {
  const e = pendingEntry(doc, id);
  doc.transact(() => decide(e, 'rejected', actor), 'local');
}
