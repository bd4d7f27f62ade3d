import type Database from 'better-sqlite3';
import * as Y from 'yjs';
import { z } from 'zod';
import { initChartDoc } from '../../src/lib/chart/chart-doc';
import { listObservations, putEntry, clinicalFields } from '../../src/lib/chart/clinical-doc';
import { readPatient } from '../../src/lib/chart/patient-doc';
import { listRefillRequests, recordRefillRequest, REFILL_REQUESTS } from '../../src/lib/chart/refill-request-doc';
import { migrate } from '../../src/lib/chart/schema';
import { listTasks } from '../../src/lib/chart/tasks-doc';
import { docName, isUuid, tasksName } from '../../src/lib/domain/doc-names';
import { AppError } from '../../src/lib/domain/errors';
import { portalRefusal } from '../../src/lib/domain/portal-refusals';
import { flaggedReading, homeReadingInputSchema, homeReadingObservation, isUrgent, takenAtProblem, takenAtProblemKind, HOME_READING_MAX_AGE_DAYS, type HomeReadingKind } from '../../src/lib/domain/home-readings';
import { REFILL_NOTE_MAX } from '../../src/lib/domain/refill-requests';
import { VITALS, type VitalFlag } from '../../src/lib/domain/vitals';
import { resultReleaseOf } from '../admin/result-release-store';
import { parseWith, readJson } from '../http/body';
import { requireUser, type RequestContext, type Route } from '../http/context';
import { sendJson } from '../http/errors';
import type { Audit, SessionUser, SyncService } from '../types';
import { raiseInboxItem } from './inbox';
import { PortalWriteLimiter } from './write-limiter';
import { isPatientSession } from './patient-gate';
import { patientViewParts } from './patient-view';
import type { PortalStore, RecordAccess } from './portal-store';

/**
 * What a patient (or someone acting for them) sends from the patient area,
 * besides reading their record:
 *
 * - Home readings (POST/GET /api/portal/records/:patientId/home-readings):
 *   a blood pressure, blood sugar, weight, temperature or oxygen level,
 *   checked with the bedside form's plausibility limits
 *   (domain/home-readings.ts), written by the server into the chart's
 *   Observations marked `reportedBy` (patient or proxy), with the patient
 *   (or the carer, by name) as performer. A reading the chart flags at the
 *   danger level raises one clinic inbox item (kind `home-reading`, for the
 *   clinicians, due today).
 * - Refill requests (POST/GET /api/portal/records/:patientId/refill-requests):
 *   for one of the record's active prescriptions as the patient's own view
 *   shows them, with an optional note; kept on the `patient:` document as a
 *   request `via: portal` (refill-request-doc.ts) and raised as an inbox
 *   item (kind `refill-request`). Staff answer it as any request; the
 *   patient reads its state here (waiting, renewed, declined with the
 *   reason).
 *
 * Every write takes the device-made `id` and answers the same again for an
 * id it already kept (the portal outbox resends after a cut). Each route
 * checks the account's live grant to the record (403, audited) and audits
 * what it did without values, names or notes.
 */
export interface ReadingsRouteDeps {
  db: Database.Database;
  store: Pick<PortalStore, 'grant'>;
  audit: Audit;
  sync: Pick<SyncService, 'readState' | 'applyServerUpdate'>;
  now?: () => number;
  /** Bounds new writes per account (write-limiter.ts); one is made when not given. */
  limiter?: PortalWriteLimiter;
}

export const READINGS_PATIENT_ROUTES = [
  'POST /api/portal/records/:patientId/home-readings',
  'GET /api/portal/records/:patientId/home-readings',
  'POST /api/portal/records/:patientId/refill-requests',
  'GET /api/portal/records/:patientId/refill-requests'
] as const;

/** How many of the latest home readings the patient's list shows. */
export const HOME_READINGS_SHOWN = 20;

const refillSchema = z
  .object({
    id: z.string().refine(isUuid, 'The request needs its own id (a UUID)'),
    medicationId: z.string({ error: 'Choose the medicine you need more of' }).min(1, 'Choose the medicine you need more of').max(100),
    note: z.string().trim().max(REFILL_NOTE_MAX, `The note is at most ${REFILL_NOTE_MAX} characters`).default('')
  })
  .strict();

/**
 * The body checked by `schema`; refused with the first problem as the message
 * (the patient's device keeps only the message of a refusal, and shows it).
 */
function parseForPatient<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  try {
    return parseWith(schema, value);
  } catch (err) {
    if (err instanceof AppError && err.code === 'invalid' && err.details?.length) {
      const messages = [...new Set(err.details.map((d) => d.message))];
      throw new AppError('invalid', messages.join(' '), err.details);
    }
    throw err;
  }
}


/** A flag as the patient's screen needs it (no free text the screen would show untranslated). */
function flagOut(flag: VitalFlag) {
  if (flag.status === 'abnormal') return { status: flag.status, level: flag.level, label: flag.label };
  if (flag.status === 'normal') return { status: flag.status, label: flag.label };
  if (flag.status === 'not-checked') return { status: flag.status, reason: flag.reason };
  return { status: flag.status };
}

async function loadDoc(sync: ReadingsRouteDeps['sync'], name: string, clinicId: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const state = await sync.readState(name, clinicId);
  if (state) Y.applyUpdate(doc, state);
  return doc;
}

export function readingsRoutes(deps: ReadingsRouteDeps): Route[] {
  const { store, audit, sync } = deps;
  const now = deps.now ?? Date.now;
  const limiter = deps.limiter ?? new PortalWriteLimiter({ audit, now });
  // One write per record at a time: a resend racing its original sees what the first kept.
  const busy = new Map<string, Promise<unknown>>();
  function oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
    const prev = busy.get(key) ?? Promise.resolve();
    const next = prev.then(work, work);
    const settled = next.catch(() => undefined);
    busy.set(key, settled);
    void settled.then(() => {
      if (busy.get(key) === settled) busy.delete(key);
    });
    return next;
  }

  /** The signed-in account's live grant to this record; 403 (audited) otherwise. */
  function grantFor(ctx: RequestContext): { user: SessionUser; grant: RecordAccess } {
    const user = requireUser(ctx);
    const patientId = ctx.params.patientId;
    const grant = isPatientSession(user.roles) && isUuid(patientId) ? store.grant(user.id, patientId) : null;
    if (!grant || grant.clinicId !== user.clinicId) {
      audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: 'portal:record', ip: ctx.ip, detail: { reason: 'no-grant' } });
      throw portalRefusal('record.not-yours');
    }
    return { user, grant };
  }

  async function birthDateOf(grant: RecordAccess): Promise<string> {
    const doc = await loadDoc(sync, docName('patient', grant.patientId), grant.clinicId);
    try {
      const p = readPatient(doc);
      if (!p) throw portalRefusal('record.unavailable');
      return p.birthDate;
    } finally {
      doc.destroy();
    }
  }

  /** Whether the clinic already has an inbox item for this prompt (a resend after a cut between the write and the item). */
  async function inboxHas(clinicId: string, kind: string, ref: string): Promise<boolean> {
    const doc = await loadDoc(sync, tasksName(clinicId), clinicId);
    try {
      return listTasks(doc).some((t) => t.focus.kind === kind && t.focus.ref === ref);
    } finally {
      doc.destroy();
    }
  }

  function readingOut(o: Parameters<typeof flaggedReading>[0], birthDate: string) {
    const f = flaggedReading(o, birthDate);
    if (!f) return null;
    const r = f.reading;
    return {
      id: o.id,
      kind: r.kind as HomeReadingKind,
      at: r.at,
      value: r.value,
      ...(r.diastolic !== undefined ? { diastolic: r.diastolic } : {}),
      unit: VITALS[r.kind].display,
      reportedBy: o.reportedBy,
      status: o.status,
      flag: flagOut(f.flag),
      urgent: isUrgent(f.flag)
    };
  }

  async function homeReading(ctx: RequestContext): Promise<void> {
    const { user, grant } = grantFor(ctx);
    const body = parseForPatient(homeReadingInputSchema, await readJson(ctx.req));
    const at = body.takenAt ? new Date(body.takenAt).toISOString() : new Date(now()).toISOString();
    const problem = takenAtProblem(at, new Date(now()));
    if (problem) throw portalRefusal(takenAtProblemKind(at, new Date(now())) === 'future' ? 'reading.future' : 'reading.too-old', { days: HOME_READING_MAX_AGE_DAYS }, [{ path: 'takenAt', message: problem }]);
    const birthDate = await birthDateOf(grant);
    await oneAtATime(`chart:${grant.patientId}`, async () => {
      const chartName = docName('chart', grant.patientId);
      const doc = await loadDoc(sync, chartName, grant.clinicId);
      try {
        const kept = doc.getMap('observations').get(body.id);
        let repeat = false;
        if (kept !== undefined) {
          const o = listObservations(doc).find((x) => x.id === body.id);
          // An id the record already holds for something else is not this reading.
          if (!o?.reportedBy) throw portalRefusal('reading.not-saved');
          repeat = true;
        } else {
          limiter.assertAllowed(ctx, user, 'home-readings', chartName);
          const before = Y.encodeStateVector(doc);
          if (doc.getMap('meta').get('schemaVersion') === undefined) initChartDoc(doc, grant.patientId);
          migrate(doc);
          const performer =
            grant.relation === 'self'
              ? [{ reference: `Patient/${grant.patientId}`, display: 'The patient' }]
              : [{ display: `${grant.proxyName ?? user.name} (${grant.proxyKind ?? 'proxy'}, acting for the patient)` }];
          const fields = { ...clinicalFields('observations', homeReadingObservation(body, at)), performer, reportedBy: grant.relation === 'self' ? 'patient' : 'proxy' };
          putEntry(doc, 'observations', body.id, fields, { id: user.id, name: user.name });
          await sync.applyServerUpdate(chartName, grant.clinicId, Y.encodeStateAsUpdate(doc, before), user.id, 'system');
          limiter.record(user, 'home-readings');
        }
        const o = listObservations(doc).find((x) => x.id === body.id)!;
        const out = readingOut(o, birthDate);
        if (!out) throw new AppError('internal', 'The reading was saved but cannot be read back.');
        let raised = false;
        if (out.urgent && !(repeat && (await inboxHas(grant.clinicId, 'home-reading', body.id)))) {
          await raiseInboxItem(
            sync,
            {
              clinicId: grant.clinicId,
              patientId: grant.patientId,
              kind: 'home-reading',
              ref: body.id,
              label: 'Home reading out of range',
              description: `Home ${HOME_LABEL[out.kind]} out of range: see the chart's vital signs`,
              owner: { kind: 'role', role: 'clinician' },
              category: 'clinical'
            },
            { userId: user.id, name: user.name },
            new Date(now())
          );
          raised = true;
        }
        audit.record({ action: 'portal.home-reading', outcome: 'success', userId: user.id, target: `chart:${grant.patientId}`, ip: ctx.ip, detail: { reading: body.id, kind: body.kind, urgent: out.urgent, repeat, relation: grant.relation } });
        sendJson(ctx.res, repeat ? 200 : 201, { reading: out, clinicTold: out.urgent, raised });
      } finally {
        doc.destroy();
      }
    });
  }

  async function listHomeReadings(ctx: RequestContext): Promise<void> {
    const { user, grant } = grantFor(ctx);
    const birthDate = await birthDateOf(grant);
    const doc = await loadDoc(sync, docName('chart', grant.patientId), grant.clinicId);
    try {
      const readings = listObservations(doc)
        .filter((o) => o.reportedBy && o.status !== 'entered-in-error' && o.status !== 'cancelled')
        .map((o) => readingOut(o, birthDate))
        .filter((r): r is NonNullable<typeof r> => r !== null)
        .sort((a, b) => b.at.localeCompare(a.at))
        .slice(0, HOME_READINGS_SHOWN);
      audit.record({ action: 'portal.record', outcome: 'success', userId: user.id, target: `chart:${grant.patientId}`, ip: ctx.ip, detail: { interaction: 'home-readings', count: readings.length, relation: grant.relation } });
      sendJson(ctx.res, 200, { readings });
    } finally {
      doc.destroy();
    }
  }

  /** The record's active prescriptions as the patient's own view shows them (proxy restrictions included). */
  async function activeMedicines(grant: RecordAccess): Promise<{ id: string; text: string }[]> {
    const parts = await patientViewParts(sync, grant, resultReleaseOf(deps.db, grant.clinicId), new Date(now()));
    if (!parts) throw portalRefusal('record.unavailable');
    return parts.resources
      .filter((r) => r.resourceType === 'MedicationRequest' && r.status === 'active')
      .map((r) => ({ id: r.id, text: String((r.medicationCodeableConcept as { text?: string } | undefined)?.text ?? '') }))
      .filter((m) => m.text.length >= 2);
  }

  type RequestRow = ReturnType<typeof listRefillRequests>[number];
  const requestOut = (r: RequestRow) => ({
    id: r.id,
    medicationId: r.medicationId ?? null,
    medicationText: r.medicationText,
    note: r.note,
    status: r.status,
    requestedAt: r.requestedAt,
    closedAt: r.closedAt ?? null,
    declineReason: r.status === 'declined' ? (r.declineReason ?? null) : null
  });

  async function refillRequest(ctx: RequestContext): Promise<void> {
    const { user, grant } = grantFor(ctx);
    const body = parseForPatient(refillSchema, await readJson(ctx.req));
    await oneAtATime(`patient:${grant.patientId}`, async () => {
      const name = docName('patient', grant.patientId);
      const doc = await loadDoc(sync, name, grant.clinicId);
      try {
        if (!readPatient(doc)) throw portalRefusal('record.unavailable');
        const requests = listRefillRequests(doc);
        const kept = requests.find((r) => r.id === body.id);
        if (kept || doc.getMap(REFILL_REQUESTS).has(body.id)) {
          if (!kept || kept.via !== 'portal' || kept.medicationId !== body.medicationId) throw portalRefusal('refill.not-saved');
          if (!(await inboxHas(grant.clinicId, 'refill-request', body.id))) await raiseRefill(grant, user, body.id);
          audit.record({ action: 'portal.refill-request', outcome: 'success', userId: user.id, target: `patient:${grant.patientId}`, ip: ctx.ip, detail: { request: body.id, repeat: true, relation: grant.relation } });
          sendJson(ctx.res, 200, { request: requestOut(kept) });
          return;
        }
        limiter.assertAllowed(ctx, user, 'refill-requests', name);
        const medicine = (await activeMedicines(grant)).find((m) => m.id === body.medicationId);
        if (!medicine) {
          audit.record({ action: 'portal.refill-request', outcome: 'failure', userId: user.id, target: `patient:${grant.patientId}`, ip: ctx.ip, detail: { reason: 'not-active', relation: grant.relation } });
          throw portalRefusal('refill.not-current', {}, [{ path: 'medicationId', message: 'Not an active medicine on your record' }]);
        }
        if (requests.some((r) => r.status === 'open' && r.via === 'portal' && r.medicationId === medicine.id)) {
          throw portalRefusal('refill.already-asked', {}, [{ path: 'medicationId', message: 'Already asked' }]);
        }
        const before = Y.encodeStateVector(doc);
        recordRefillRequest(doc, { medicationText: medicine.text.slice(0, 200), via: 'portal', note: body.note, medicationId: medicine.id }, { id: user.id, name: user.name }, new Date(now()).toISOString(), body.id);
        await sync.applyServerUpdate(name, grant.clinicId, Y.encodeStateAsUpdate(doc, before), user.id, 'system');
        limiter.record(user, 'refill-requests');
        await raiseRefill(grant, user, body.id);
        audit.record({ action: 'portal.refill-request', outcome: 'success', userId: user.id, target: `patient:${grant.patientId}`, ip: ctx.ip, detail: { request: body.id, repeat: false, relation: grant.relation } });
        sendJson(ctx.res, 201, { request: requestOut(listRefillRequests(doc).find((r) => r.id === body.id)!) });
      } finally {
        doc.destroy();
      }
    });
  }

  function raiseRefill(grant: RecordAccess, user: SessionUser, id: string): Promise<string> {
    return raiseInboxItem(
      sync,
      { clinicId: grant.clinicId, patientId: grant.patientId, kind: 'refill-request', ref: id, label: 'Refill request', description: 'Refill request from the patient portal', owner: { kind: 'role', role: 'clinician' }, category: 'clinical' },
      { userId: user.id, name: user.name },
      new Date(now())
    );
  }

  async function listRefills(ctx: RequestContext): Promise<void> {
    const { user, grant } = grantFor(ctx);
    const doc = await loadDoc(sync, docName('patient', grant.patientId), grant.clinicId);
    try {
      // Only what was asked in the portal: requests taken by phone carry the staff's words.
      const requests = listRefillRequests(doc).filter((r) => r.via === 'portal').map(requestOut);
      const medicines = await activeMedicines(grant);
      audit.record({ action: 'portal.record', outcome: 'success', userId: user.id, target: `patient:${grant.patientId}`, ip: ctx.ip, detail: { interaction: 'refill-requests', count: requests.length, relation: grant.relation } });
      sendJson(ctx.res, 200, { requests, medicines });
    } finally {
      doc.destroy();
    }
  }

  return [
    { method: 'POST', path: '/api/portal/records/:patientId/home-readings', handler: homeReading },
    { method: 'GET', path: '/api/portal/records/:patientId/home-readings', handler: listHomeReadings },
    { method: 'POST', path: '/api/portal/records/:patientId/refill-requests', handler: refillRequest },
    { method: 'GET', path: '/api/portal/records/:patientId/refill-requests', handler: listRefills }
  ];
}

/** The inbox line names the kind of reading only (what a front-desk person may read), never its value. */
const HOME_LABEL: Record<HomeReadingKind, string> = {
  bloodPressure: 'blood pressure',
  glucose: 'blood sugar',
  weight: 'weight',
  temperature: 'temperature',
  spo2: 'oxygen level'
};
