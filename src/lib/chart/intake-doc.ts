import * as Y from 'yjs';
import type { Actor } from '../domain/chart';
import { ALLERGY_CATEGORIES } from '../domain/chart';
import { AppError } from '../domain/errors';
import { intakeDecisionSchema, intakeResponseSchema, INTAKE_RESPONSE_FIELDS, type IntakeDecision, type IntakeDecisionKind, type IntakeResponse } from '../domain/intake/intake-response';
import { recordAllergy } from './allergy-status';
import { addMedication } from './clinical-doc';
import { stopMedication } from './medication-doc';
import { newId, nowIso } from './schema';

/**
 * Pre-visit forms in the chart document.
 *
 * `intakeResponses`: one map per completed form, written by the server only
 * (server/portal/intake-routes.ts, 'system' origin, the patient's account as
 * author); staff devices read it, and the write policy refuses any change
 * from them (`intake.server-only`): what a patient said is never edited.
 *
 * `intakeDecisions`: what a clinician did with a statement (accepted a new
 * allergy or medicine into the chart, marked a listed medicine stopped),
 * who and when, from which response; written in the same transaction as
 * the chart change, with the chart's own functions (so the drug–allergy
 * checks see an accepted allergy like any other). Nothing is accepted
 * automatically.
 */
export const INTAKE_RESPONSES = 'intakeResponses';
export const INTAKE_DECISIONS = 'intakeDecisions';

type Entry = Y.Map<unknown>;
const responses = (doc: Y.Doc) => doc.getMap(INTAKE_RESPONSES) as Y.Map<Entry>;
const decisions = (doc: Y.Doc) => doc.getMap(INTAKE_DECISIONS) as Y.Map<Entry>;

/** Server side: writes one response (ids are the device's; an existing one is left as it is). Returns false when it was already there. */
export function writeIntakeResponse(doc: Y.Doc, response: IntakeResponse): boolean {
  if (responses(doc).has(response.id)) return false;
  doc.transact(() => {
    const e = new Y.Map<unknown>();
    responses(doc).set(response.id, e);
    const values: Record<string, unknown> = { ...response, createdAt: response.submittedAt, createdBy: response.submittedBy, updatedAt: response.submittedAt, updatedBy: response.submittedBy };
    for (const f of INTAKE_RESPONSE_FIELDS) e.set(f, values[f]);
  });
  return true;
}

export function readIntakeResponse(doc: Y.Doc, id: string): IntakeResponse | null {
  const e = responses(doc).get(id);
  if (!(e instanceof Y.Map)) return null;
  const parsed = intakeResponseSchema.safeParse(e.toJSON());
  return parsed.success ? parsed.data : null;
}

/** Every response, newest first; entries in another shape are left out. */
export function listIntakeResponses(doc: Y.Doc): IntakeResponse[] {
  const out: IntakeResponse[] = [];
  responses(doc).forEach((e) => {
    if (!(e instanceof Y.Map)) return;
    const parsed = intakeResponseSchema.safeParse(e.toJSON());
    if (parsed.success) out.push(parsed.data);
  });
  return out.sort((a, b) => b.submittedAt.localeCompare(a.submittedAt));
}

export function listIntakeDecisions(doc: Y.Doc, responseId?: string): IntakeDecision[] {
  const out: IntakeDecision[] = [];
  decisions(doc).forEach((e) => {
    if (!(e instanceof Y.Map)) return;
    const parsed = intakeDecisionSchema.safeParse(e.toJSON());
    if (parsed.success && (!responseId || parsed.data.responseId === responseId)) out.push(parsed.data);
  });
  return out.sort((a, b) => a.decidedAt.localeCompare(b.decidedAt));
}

function responseOrThrow(doc: Y.Doc, responseId: string): IntakeResponse {
  const r = readIntakeResponse(doc, responseId);
  if (!r) throw new AppError('not-found', 'That form is not on this record');
  return r;
}

function decided(doc: Y.Doc, responseId: string, item: string): IntakeDecision | undefined {
  return listIntakeDecisions(doc, responseId).find((d) => d.item === item);
}

function record(doc: Y.Doc, responseId: string, item: string, decision: IntakeDecisionKind, targetId: string, actor: Actor, now: string): void {
  const id = newId();
  const e = new Y.Map<unknown>();
  decisions(doc).set(id, e);
  const values: IntakeDecision = { id, responseId, item, decision, targetId, decidedAt: now, decidedBy: actor.name, decidedById: actor.id };
  for (const [k, v] of Object.entries(values)) e.set(k, v);
}

/** Adds a stated new allergy to the chart (unconfirmed: patient-reported), and records who accepted it. Returns the allergy's id. */
export function acceptIntakeAllergy(doc: Y.Doc, responseId: string, key: string, category: (typeof ALLERGY_CATEGORIES)[number], actor: Actor, now: string = nowIso()): string {
  const r = responseOrThrow(doc, responseId);
  const stated = r.newAllergies.find((a) => a.key === key);
  if (!stated) throw new AppError('not-found', 'That allergy is not on this form');
  if (decided(doc, responseId, key)) throw new AppError('conflict', 'This allergy was already added');
  let id = '';
  doc.transact(() => {
    id = recordAllergy(doc, { substance: stated.substance, category, reaction: stated.reaction, verificationStatus: 'unconfirmed', recordedDate: now.slice(0, 10) }, actor);
    record(doc, responseId, key, 'allergy-added', id, actor, now);
  }, 'local');
  return id;
}

/** Adds a stated medicine as a MedicationStatement (what the patient reports taking), and records who accepted it. */
export function acceptIntakeMedicine(doc: Y.Doc, responseId: string, key: string, actor: Actor, now: string = nowIso()): string {
  const r = responseOrThrow(doc, responseId);
  const stated = r.newMedicines.find((m) => m.key === key);
  if (!stated) throw new AppError('not-found', 'That medicine is not on this form');
  if (decided(doc, responseId, key)) throw new AppError('conflict', 'This medicine was already added');
  let id = '';
  doc.transact(() => {
    id = addMedication(doc, { resourceType: 'MedicationStatement', status: 'active', medicationCodeableConcept: { text: stated.name }, dosageText: stated.dose, authoredOn: now.slice(0, 10) }, actor);
    record(doc, responseId, key, 'medicine-added', id, actor, now);
  }, 'local');
  return id;
}

/** Marks a listed medicine the patient says they stopped as stopped (the reason is kept), and records who did it. */
export function stopIntakeMedicine(doc: Y.Doc, responseId: string, medicationId: string, reason: string, actor: Actor, now: string = nowIso()): void {
  const r = responseOrThrow(doc, responseId);
  if (!r.medicines.some((m) => m.medicationId === medicationId && m.answer === 'stopped')) throw new AppError('not-found', 'The patient did not say they stopped that medicine');
  if (decided(doc, responseId, medicationId)) throw new AppError('conflict', 'This medicine was already marked stopped');
  doc.transact(() => {
    stopMedication(doc, medicationId, reason, actor);
    record(doc, responseId, medicationId, 'medicine-stopped', medicationId, actor, now);
  }, 'local');
}
