import type * as Y from 'yjs';
import { addCondition, addEncounter, initChartDoc, listConditions, listEncounters, noteSection, signedNote, signNote } from '../chart/chart-doc';
import { migrate } from '../chart/schema';
import type { Actor, Condition } from '../domain/chart';
import { docName } from '../domain/doc-names';
import { AppError } from '../domain/errors';
import { ICD10CM_SYSTEM } from '../domain/icd10';
import { codeInCategory, RESTRICTION_CATEGORIES, type RestrictionCategory } from '../domain/restriction-categories';
import type { LiveDoc } from '../sync/live-doc';
import { api } from './api-client';
import { currentWorkspace, type Workspace } from './workspace';

/**
 * A patient's restrictions (server/access/access-routes.ts) and the
 * restricted part of their record (`restricted:<patient>`), for the chart.
 *
 * The server decides everything here: who may record or lift a restriction,
 * what an unnamed user learns of one (only that it exists), and who may
 * open the restricted part. The chart asks, and shows what it is told.
 */

export { RESTRICTION_CATEGORIES, type RestrictionCategory };

/** A restriction as the server shows it to someone it does not name: that it exists, nothing more. */
export interface HiddenRestriction {
  id: string;
  named: false;
  category?: undefined;
}

/** A restriction as its named users, a running emergency access and the clinic's administrators see it. */
export interface VisibleRestriction {
  id: string;
  named: boolean;
  category: RestrictionCategory;
  allowed: { id: string; name: string }[];
  requestedOn: string;
  note: string;
  recordedBy: string;
  recordedAt: string;
  mayLift: boolean;
}

export type Restriction = HiddenRestriction | VisibleRestriction;

export interface Restrictions {
  restrictions: Restriction[];
  /** The caller's running emergency access to this patient, if any (ISO time it ends). */
  grantExpiresAt: string | null;
}

export interface CareTeamMember {
  id: string;
  name: string;
  roles: string[];
}

export interface RestrictionInput {
  patientId: string;
  category: RestrictionCategory;
  allowedUserIds: string[];
  requestedOn: string;
  request: string;
}

export const isVisible = (r: Restriction): r is VisibleRestriction => r.category !== undefined;

export function listRestrictions(patientId: string): Promise<Restrictions> {
  return api<Restrictions>(`/api/restrictions?patient=${encodeURIComponent(patientId)}`);
}

export async function careTeam(): Promise<CareTeamMember[]> {
  return (await api<{ people: CareTeamMember[] }>('/api/restrictions/care-team')).people;
}

export async function recordRestriction(input: RestrictionInput): Promise<VisibleRestriction> {
  return (await api<{ restriction: VisibleRestriction }>('/api/restrictions', { method: 'POST', body: input })).restriction;
}

export async function liftRestriction(id: string, reason: string): Promise<void> {
  await api(`/api/restrictions/${encodeURIComponent(id)}/end`, { method: 'POST', body: { reason } });
}

/**
 * Opens the restricted part for live editing, like the chart: from the
 * device when it holds it, else fetched first (the server refuses anyone
 * it does not open to). A part nobody wrote yet is started here.
 */
export async function openRestrictedPart(patientId: string, ws: Workspace = currentWorkspace()): Promise<LiveDoc> {
  const name = docName('restricted', patientId);
  if (!(await ws.vault.docs.has(name))) {
    const failed = await ws.engine.pull([name]).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'unavailable') return [];
      throw err;
    });
    if (failed.some((f) => f.code === 'forbidden')) throw new AppError('forbidden', "This part of the record is restricted at the patient's request.");
  }
  const live = await ws.engine.acquire(name);
  if (live.doc.getMap('meta').get('kind') === undefined) initChartDoc(live.doc, patientId, 'restricted');
  else migrate(live.doc);
  return live;
}

/**
 * Whether this device holds the restricted part (its user was named when
 * it was last online). Offline, the chart opens that copy rather than
 * leaving a named clinician without their own notes; what is written syncs
 * when the server, which decides again, is reachable.
 */
export function restrictedPartOnDevice(patientId: string, ws: Workspace = currentWorkspace()): Promise<boolean> {
  return ws.vault.docs.has(docName('restricted', patientId));
}

export function closeRestrictedPart(live: LiveDoc, ws: Workspace = currentWorkspace()): Promise<void> {
  return ws.engine.release(live);
}

/** How a restricted note is titled: which part of the record it belongs to stays with it. */
export const RESTRICTED_NOTE_TYPE: Record<RestrictionCategory, string> = {
  'mental-health': 'Restricted note: mental health',
  hiv: 'Restricted note: HIV'
};

/** Writes and signs a note in the restricted part (only those it opens to ever receive it). */
export function writeRestrictedNote(doc: Y.Doc, category: RestrictionCategory, text: string, actor: Actor): string {
  if (!text.trim()) throw new AppError('invalid', 'Write the note before signing it', [{ path: 'text', message: 'Required' }]);
  const id = addEncounter(doc, { type: RESTRICTED_NOTE_TYPE[category], reason: '' }, actor);
  doc.transact(() => noteSection(doc, id, 'assessment').insert(0, text.trim()), 'local');
  signNote(doc, id, actor);
  return id;
}

/**
 * Adds a problem to the restricted part. An ICD-10-CM code, when given,
 * must fall in the category chosen (F01–F99 for mental health; B20, Z21,
 * R75, Z71.7 for HIV), so a problem is not kept apart by mistake.
 */
export function addRestrictedProblem(doc: Y.Doc, input: { category: RestrictionCategory; text: string; code: string }, actor: Actor): string {
  const code = input.code.trim().toUpperCase();
  if (code && !codeInCategory(code, input.category)) {
    throw new AppError('invalid', 'The code is not in the part of the record chosen', [{ path: 'code', message: 'Not in this category' }]);
  }
  return addCondition(doc, { text: input.text, ...(code ? { coding: [{ system: ICD10CM_SYSTEM, code }] } : {}) }, actor);
}

export interface RestrictedNote {
  id: string;
  type: string;
  text: string;
  signedBy: string;
  signedAt: string;
}

/** What the restricted part holds, for the chart: its problems and its signed notes, newest first. */
export function readRestrictedPart(doc: Y.Doc): { problems: Condition[]; notes: RestrictedNote[] } {
  const problems = listConditions(doc).filter((c) => c.verificationStatus !== 'entered-in-error');
  const notes: RestrictedNote[] = [];
  for (const e of listEncounters(doc)) {
    if (e.status === 'entered-in-error') continue;
    const signed = signedNote(doc, e.id);
    if (!signed) continue;
    const text = [signed.record.subjective, signed.record.objective, signed.record.assessment, signed.record.plan].filter((t) => t.trim()).join('\n\n');
    notes.push({ id: e.id, type: e.type, text, signedBy: signed.signature.by, signedAt: signed.signature.at });
  }
  return { problems, notes };
}
