import * as Y from 'yjs';
import { z } from 'zod';
import type { Actor } from '../domain/chart';
import { conceptSchema, quantitySchema } from '../domain/clinical';
import { AppError } from '../domain/errors';
import { migrate, newId, nowIso, str } from './schema';

/**
 * Prescriptions in the chart's `medications` map, shaped as FHIR R4
 * MedicationRequest: the same map FHIR import fills, so imported and
 * prescribed medicines form one list and one input to the drug checks.
 * Nothing is ever deleted: stopping, renewing and changing a prescription
 * set its status and link the new request to the old one
 * (`priorPrescription`), and every change carries who, when and why.
 */

type Entry = Y.Map<unknown>;

/** Statuses a prescription made in Outpost moves through; imported entries may carry other FHIR statuses. */
export const PRESCRIPTION_STATUSES = ['active', 'stopped', 'completed', 'entered-in-error'] as const;
export type PrescriptionStatus = (typeof PRESCRIPTION_STATUSES)[number];

/** Alert severities that may not be signed through without a stated reason. */
export const OVERRIDE_REQUIRED = ['contraindicated', 'serious'] as const;
export const MIN_OVERRIDE_REASON = 5;

const PERIOD_UNITS = ['h', 'd', 'wk', 'mo'] as const;

/** One check finding shown to the prescriber before signing, with the override reason when one was required. */
export const detectedIssueSchema = z.object({
  kind: z.string(),
  severity: z.enum(['contraindicated', 'serious', 'moderate', 'minor', 'info']),
  title: z.string(),
  detail: z.string(),
  action: z.string(),
  ruleId: z.string(),
  source: z.object({ citation: z.string(), url: z.string().optional() }),
  override: z.object({ reason: z.string(), by: z.string(), byId: z.string(), at: z.string() }).optional()
});
export type DetectedIssue = z.infer<typeof detectedIssueSchema>;

export const dosageSchema = z.object({
  text: z.string().trim().min(1, 'Instructions are required'),
  route: conceptSchema,
  doseQuantity: z.object({ value: z.number().positive('Dose must be more than zero'), unit: z.string().trim().min(1) }),
  timing: z.object({
    /** FHIR Timing.repeat: `frequency` times per `period` `periodUnit`. */
    frequency: z.number().int().positive(),
    period: z.number().positive(),
    periodUnit: z.enum(PERIOD_UNITS),
    /** Human label of the frequency as picked ("three times daily"). */
    text: z.string().optional()
  }),
  asNeeded: z.boolean().default(false)
});
export type Dosage = z.infer<typeof dosageSchema>;

export const dispenseSchema = z.object({
  quantity: quantitySchema.refine((q) => q.value > 0, 'Quantity must be more than zero'),
  numberOfRepeatsAllowed: z.number().int().min(0).max(11),
  /** Days of supply. */
  expectedSupplyDuration: z.number().int().positive().optional()
});

/** What the prescriber signs. Validated before anything is written. */
export const prescriptionInputSchema = z.object({
  medicationCodeableConcept: conceptSchema,
  dosage: dosageSchema,
  dispense: dispenseSchema,
  detectedIssues: z.array(detectedIssueSchema).default([]),
  /** Chart entry id of the request this one renews or replaces. */
  priorPrescription: z.string().optional(),
  note: z.string().optional()
});
export type PrescriptionInput = z.input<typeof prescriptionInputSchema>;

/** A medication as read back: imported entries have only the common fields, prescriptions all of them. */
export const medicationRecordSchema = z.object({
  resourceType: z.enum(['MedicationRequest', 'MedicationStatement']).catch('MedicationRequest'),
  status: z.string().catch('unknown'),
  intent: z.string().optional(),
  medicationCodeableConcept: conceptSchema,
  authoredOn: z.string().catch(''),
  dosageText: z.string().catch(''),
  dosage: dosageSchema.optional().catch(undefined),
  dispense: dispenseSchema.optional().catch(undefined),
  requester: z.object({ reference: z.string(), display: z.string() }).optional().catch(undefined),
  detectedIssues: z.array(detectedIssueSchema).catch([]),
  priorPrescription: z.string().optional().catch(undefined),
  statusReason: z.string().optional().catch(undefined),
  statusChangedAt: z.string().optional().catch(undefined),
  statusChangedBy: z.string().optional().catch(undefined),
  sourceId: z.string().optional().catch(undefined)
});
export type MedicationRecord = z.infer<typeof medicationRecordSchema> & {
  id: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
};

function medications(doc: Y.Doc): Y.Map<Entry> {
  return doc.getMap('medications') as Y.Map<Entry>;
}

function entryOrThrow(doc: Y.Doc, id: string): Entry {
  const e = medications(doc).get(id);
  if (!(e instanceof Y.Map)) throw new AppError('not-found', 'That medication is not in this chart');
  return e;
}

function invalid(what: string, issues: { path: PropertyKey[]; message: string }[]): AppError {
  return new AppError('invalid', `The ${what} is not valid`, issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
}

function requireReason(reason: string, what: string): string {
  const why = reason.trim();
  if (why.length < MIN_OVERRIDE_REASON) {
    throw new AppError('invalid', `Say why the ${what}`, [{ path: 'reason', message: `At least ${MIN_OVERRIDE_REASON} characters` }]);
  }
  return why.slice(0, 500);
}

/** Alerts of override-required severity that carry no adequate reason; signing is refused while any remain. */
export function missingOverrides(issues: readonly Pick<DetectedIssue, 'severity' | 'override' | 'ruleId' | 'title'>[]): string[] {
  return issues
    .filter((i) => (OVERRIDE_REQUIRED as readonly string[]).includes(i.severity))
    .filter((i) => (i.override?.reason.trim().length ?? 0) < MIN_OVERRIDE_REASON)
    .map((i) => i.title);
}

function setStatus(e: Entry, status: PrescriptionStatus, reason: string, actor: Actor): void {
  const now = nowIso();
  e.set('status', status);
  e.set('statusReason', reason);
  e.set('statusChangedAt', now);
  e.set('statusChangedBy', actor.name);
  e.set('updatedAt', now);
  e.set('updatedBy', actor.name);
}

/**
 * Writes a signed prescription as an active MedicationRequest and returns
 * its id. Refuses when an alert that needs a reason has none, so the rule
 * holds whichever screen calls it.
 */
export function prescribe(doc: Y.Doc, input: PrescriptionInput, actor: Actor, id: string = newId()): string {
  const parsed = prescriptionInputSchema.safeParse(input);
  if (!parsed.success) throw invalid('prescription', parsed.error.issues);
  const p = parsed.data;
  const missing = missingOverrides(p.detectedIssues);
  if (missing.length) {
    throw new AppError('invalid', 'Give a reason for each serious alert before signing', missing.map((t) => ({ path: 'override', message: t })));
  }
  if (p.priorPrescription) entryOrThrow(doc, p.priorPrescription);
  migrate(doc);
  doc.transact(() => {
    const now = nowIso();
    const e = new Y.Map<unknown>();
    medications(doc).set(id, e);
    e.set('resourceType', 'MedicationRequest');
    e.set('id', id);
    e.set('status', 'active');
    e.set('intent', 'order');
    e.set('medicationCodeableConcept', p.medicationCodeableConcept);
    e.set('authoredOn', now);
    e.set('dosageText', p.dosage.text);
    e.set('dosage', p.dosage);
    e.set('dispense', p.dispense);
    e.set('requester', { reference: `Practitioner/${actor.id}`, display: actor.name });
    e.set('detectedIssues', p.detectedIssues);
    if (p.priorPrescription) e.set('priorPrescription', p.priorPrescription);
    if (p.note) e.set('note', p.note);
    e.set('createdAt', now);
    e.set('createdBy', actor.name);
    e.set('updatedAt', now);
    e.set('updatedBy', actor.name);
  }, 'local');
  return id;
}

/** Stops an active medication; the reason is required and kept. */
export function stopMedication(doc: Y.Doc, id: string, reason: string, actor: Actor): void {
  const why = requireReason(reason, 'medication is stopped');
  const e = entryOrThrow(doc, id);
  if (e.get('status') !== 'active') throw new AppError('conflict', 'Only an active medication can be stopped');
  doc.transact(() => setStatus(e, 'stopped', why, actor), 'local');
}

/**
 * Renews an active prescription: a new request with the same drug and
 * directions (and the checks the caller ran again), linked to the old one,
 * which is marked completed.
 */
export function renewMedication(doc: Y.Doc, id: string, detectedIssues: DetectedIssue[], actor: Actor): string {
  const prior = readOne(doc, id);
  if (prior.status !== 'active') throw new AppError('conflict', 'Only an active medication can be renewed');
  if (!prior.dosage || !prior.dispense) throw new AppError('invalid', 'This medication has no structured directions to renew; prescribe it again');
  const input: PrescriptionInput = {
    medicationCodeableConcept: prior.medicationCodeableConcept,
    dosage: prior.dosage,
    dispense: prior.dispense,
    detectedIssues,
    priorPrescription: id
  };
  return replace(doc, id, input, 'completed', 'Renewed', actor);
}

/**
 * Refills an active prescription from the prescribe screen: the new request
 * (the same drug and directions, maybe adjusted there, with the checks the
 * caller ran again) is linked to the old one, which is marked completed.
 */
export function refillMedication(doc: Y.Doc, id: string, input: PrescriptionInput, actor: Actor): string {
  if (readOne(doc, id).status !== 'active') throw new AppError('conflict', 'Only an active medication can be refilled');
  return replace(doc, id, { ...input, priorPrescription: id }, 'completed', 'Refilled', actor);
}

/** Changes a prescription (dose, drug, directions): stops the old one with the reason and links the new one to it. */
export function changeMedication(doc: Y.Doc, id: string, input: PrescriptionInput, reason: string, actor: Actor): string {
  const why = requireReason(reason, 'prescription is changed');
  if (readOne(doc, id).status !== 'active') throw new AppError('conflict', 'Only an active medication can be changed');
  return replace(doc, id, { ...input, priorPrescription: id }, 'stopped', `Changed: ${why}`, actor);
}

function replace(doc: Y.Doc, priorId: string, input: PrescriptionInput, priorStatus: PrescriptionStatus, reason: string, actor: Actor): string {
  let newIdValue = '';
  doc.transact(() => {
    newIdValue = prescribe(doc, input, actor);
    setStatus(entryOrThrow(doc, priorId), priorStatus, reason, actor);
  }, 'local');
  return newIdValue;
}

/** Marks a medication as recorded by mistake; it leaves the active list and the checks but stays in the chart. */
export function markMedicationEnteredInError(doc: Y.Doc, id: string, reason: string, actor: Actor): void {
  const why = requireReason(reason, 'medication was recorded in error');
  const e = entryOrThrow(doc, id);
  doc.transact(() => setStatus(e, 'entered-in-error', why, actor), 'local');
}

function read(id: string, e: Entry): MedicationRecord | null {
  const parsed = medicationRecordSchema.safeParse(e.toJSON());
  if (!parsed.success) return null;
  return {
    ...parsed.data,
    id,
    createdAt: str(e, 'createdAt'),
    createdBy: str(e, 'createdBy'),
    updatedAt: str(e, 'updatedAt'),
    updatedBy: str(e, 'updatedBy')
  };
}

function readOne(doc: Y.Doc, id: string): MedicationRecord {
  const r = read(id, entryOrThrow(doc, id));
  if (!r) throw new AppError('invalid', 'This medication entry cannot be read');
  return r;
}

/** Every medication in the chart, newest first; entries in an unreadable shape are left out. */
export function listMedicationRecords(doc: Y.Doc): MedicationRecord[] {
  const out: MedicationRecord[] = [];
  medications(doc).forEach((e, id) => {
    if (!(e instanceof Y.Map)) return;
    const r = read(id, e);
    if (r) out.push(r);
  });
  const when = (m: MedicationRecord) => m.authoredOn || m.createdAt;
  return out.sort((a, b) => when(b).localeCompare(when(a)) || a.id.localeCompare(b.id));
}
