import { randomUUID } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import * as Y from 'yjs';
import { chartToFhir, patientToFhir, type FhirResource } from '../../src/lib/fhir/export/chart-to-fhir';
import { docName, isUuid } from '../../src/lib/domain/doc-names';
import { AppError } from '../../src/lib/domain/errors';
import type { FhirStore } from '../fhir/fhir-store';
import { MatchReviewPending, type FhirImporter } from '../fhir/import-bundle';
import type { PatientProjection } from '../store/patients';
import type { AccessGate, Audit, SessionUser, SyncService } from '../types';
import { resourceInCategories } from '../../src/lib/domain/restriction-categories';
import { readJson } from '../http/body';
import { requireUser, type RequestContext, type Route } from '../http/context';
import { sendJson } from '../http/errors';
import type { HealthLinks } from './health-links';
import { transferBundle } from './transfer-bundle';
import type { TransferStore } from './transfer-store';

/**
 * Transfer and referral: the record follows the patient.
 *
 * - `GET /api/transfer/destinations` — the clinics an administrator
 *   registered as destinations (id and name; never their keys).
 * - `POST /api/patients/<id>/transfer` — builds the transfer document
 *   (transfer-bundle.ts: the patient summary, the referral reason, the
 *   chosen signed notes) and either POSTs it to the destination's
 *   `/fhir/R4` with the key the destination issued, or, with
 *   `download: true`, answers it as a .json file, or, with `print: true`,
 *   answers it with a SMART Health Link for the printed QR code
 *   (health-links.ts: the document encrypted, fetched once, expiring).
 *   Audited as `transfer.send` / `transfer.download` / `transfer.print`
 *   with counts, never content. A device that was
 *   offline queues the request in the chart (transfer-outbox-doc.ts) and
 *   makes it on reconnect, with the same `transferId`: the destination
 *   stages a record it already has only once, so a repeat is harmless.
 * - `GET /api/transfer/match-reviews`, `POST /api/transfer/match-reviews/<id>`
 *   — records sent here whose patient could not be matched with certainty:
 *   a clinician picks the patient (or a new one) and the record is imported
 *   for reconciliation.
 * Clinicians only: a transfer discloses the record, a match decides whose
 * chart it joins.
 */

export interface TransferDeps {
  sync: Pick<SyncService, 'readState'>;
  /**
   * Patient restrictions: a resource coded in a restricted category never
   * leaves in a transfer, a download or a printed link, even when the
   * clinician sending it is named. The destination is not named, and the
   * document does not carry the restriction with it; a patient who wants
   * it sent has the restriction lifted first (recorded, audited).
   * Restricted notes live in `restricted:<patient>`, which is never read here.
   */
  access?: Pick<AccessGate, 'restrictedCategories'>;
  store: TransferStore;
  fhirStore: FhirStore;
  importer: FhirImporter;
  patients: Pick<PatientProjection, 'list'>;
  audit: Audit;
  clinicName(clinicId: string): string | null;
  /** Printed transfers' QR links. */
  links: HealthLinks;
  /** The origin other systems reach this server at (OUTPOST_PUBLIC_URL); default: from the request. */
  publicUrl?: string;
  /** Replaceable in tests. */
  fetch?: typeof fetch;
  sendTimeoutMs?: number;
}

const MAX_NOTES = 50;

function clinician(ctx: RequestContext, audit: Audit, target: string): SessionUser {
  const user = requireUser(ctx);
  if (!user.roles.includes('clinician')) {
    audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target, ip: ctx.ip });
    throw new AppError('forbidden', 'Only clinicians may transfer records or match them.');
  }
  return user;
}

async function loadRecord(
  sync: TransferDeps['sync'],
  access: TransferDeps['access'],
  clinicId: string,
  patientId: string
): Promise<{ patient: FhirResource; chart: FhirResource[] }> {
  const read = async (name: string) => {
    try {
      return await sync.readState(name, clinicId);
    } catch (err) {
      if (err instanceof AppError && err.code === 'forbidden') return null;
      throw err;
    }
  };
  const patientState = isUuid(patientId) ? await read(docName('patient', patientId)) : null;
  if (!patientState) throw new AppError('not-found', 'No such patient in this clinic');
  const pdoc = new Y.Doc();
  Y.applyUpdate(pdoc, patientState);
  const patient = patientToFhir(pdoc);
  pdoc.destroy();
  if (!patient) throw new AppError('not-found', 'No such patient in this clinic');
  const chartState = await read(docName('chart', patientId));
  if (!chartState) return { patient, chart: [] };
  const cdoc = new Y.Doc();
  Y.applyUpdate(cdoc, chartState);
  const restricted = access?.restrictedCategories(patientId) ?? [];
  const chart = chartToFhir(cdoc, patientId).filter((r) => !resourceInCategories(r as { code?: unknown }, restricted));
  cdoc.destroy();
  return { patient, chart };
}

interface TransferRequest {
  /** The chart's outbox entry this request carries out (transfer-outbox-doc.ts), for the audit trail. */
  transferId?: string;
  destinationId?: string;
  reason: string;
  noteIds: string[];
  download: boolean;
  print: boolean;
}

function parseRequest(body: unknown): TransferRequest {
  const b = (body ?? {}) as Record<string, unknown>;
  const reason = typeof b.reason === 'string' ? b.reason.trim() : '';
  const details: { path: string; message: string }[] = [];
  if (!reason) details.push({ path: 'reason', message: 'Give the reason for the referral' });
  if (reason.length > 2000) details.push({ path: 'reason', message: 'At most 2000 characters' });
  const noteIds = Array.isArray(b.noteIds) ? b.noteIds : [];
  if (noteIds.length > MAX_NOTES || !noteIds.every((n) => typeof n === 'string' && n.length <= 64)) details.push({ path: 'noteIds', message: 'A list of note ids' });
  const download = b.download === true;
  const print = b.print === true;
  const destinationId = typeof b.destinationId === 'string' ? b.destinationId : undefined;
  if (!download && !print && !destinationId) details.push({ path: 'destinationId', message: 'Choose a destination' });
  if (details.length) throw new AppError('invalid', 'The transfer request is not complete', details);
  const transferId = typeof b.transferId === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(b.transferId) ? b.transferId : undefined;
  return { destinationId, reason, noteIds: noteIds as string[], download, print, ...(transferId ? { transferId } : {}) };
}

function counts(bundle: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of bundle.entry as { resource: { resourceType: string } }[]) out[e.resource.resourceType] = (out[e.resource.resourceType] ?? 0) + 1;
  return out;
}

export function transferRoutes(deps: TransferDeps): Route[] {
  const { audit } = deps;
  const doFetch = deps.fetch ?? fetch;
  return [
    {
      method: 'GET',
      path: '/api/transfer/destinations',
      handler(ctx) {
        const user = clinician(ctx, audit, 'transfer-destinations');
        sendJson(ctx.res, 200, { destinations: deps.store.destinations(user.clinicId).map((d) => ({ id: d.id, name: d.name })) });
      }
    },
    {
      method: 'POST',
      path: '/api/patients/:id/transfer',
      async handler(ctx) {
        const patientId = ctx.params.id;
        const user = clinician(ctx, audit, docName('chart', patientId));
        const req = parseRequest(await readJson(ctx.req));
        const destination = req.destinationId ? deps.store.destination(user.clinicId, req.destinationId) : null;
        if (req.destinationId && !destination) throw new AppError('not-found', 'No such destination; an administrator registers destinations');
        const { patient, chart } = await loadRecord(deps.sync, deps.access, user.clinicId, patientId);
        const bundle = transferBundle({
          patient,
          chart,
          organization: { id: user.clinicId, name: deps.clinicName(user.clinicId) ?? 'Clinic' },
          ...(destination ? { destination: { name: destination.name } } : {}),
          reason: req.reason,
          noteIds: req.noteIds,
          base: `${(ctx.req.socket as TLSSocket).encrypted ? 'https' : 'http'}://${ctx.req.headers.host ?? 'localhost'}/fhir/R4`,
          ids: { bundle: randomUUID(), composition: randomUUID(), serviceRequest: randomUUID() },
          now: new Date(),
          requester: { name: user.name }
        });
        const detail = { resources: counts(bundle), notes: req.noteIds.length, ...(req.transferId ? { transferId: req.transferId } : {}) };
        if (req.print) {
          const origin = deps.publicUrl?.replace(/\/+$/, '') ?? `${(ctx.req.socket as TLSSocket).encrypted ? 'https' : 'http'}://${ctx.req.headers.host ?? 'localhost'}`;
          const link = await deps.links.create({ clinicId: user.clinicId, patientId, createdBy: user.id, bundle, baseUrl: origin, label: `Referral from ${deps.clinicName(user.clinicId) ?? 'the clinic'}` });
          audit.record({ action: 'transfer.print', outcome: 'success', userId: user.id, target: docName('chart', patientId), ip: ctx.ip, detail: { ...detail, link: link.id, expiresAt: link.expiresAt } });
          sendJson(ctx.res, 200, { shlink: link.shlink, expiresAt: link.expiresAt, bundle });
          return;
        }
        if (req.download || !destination) {
          audit.record({ action: 'transfer.download', outcome: 'success', userId: user.id, target: docName('chart', patientId), ip: ctx.ip, detail });
          ctx.res.setHeader('Content-Disposition', `attachment; filename="patient-record-${new Date().toISOString().slice(0, 10)}.json"`);
          sendJson(ctx.res, 200, bundle);
          return;
        }
        let res: Response;
        try {
          res = await doFetch(destination.url, {
            method: 'POST',
            headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', ...(destination.sendKey ? { authorization: `Bearer ${destination.sendKey}` } : {}) },
            body: JSON.stringify(bundle),
            redirect: 'error',
            signal: AbortSignal.timeout(deps.sendTimeoutMs ?? 60_000)
          });
        } catch {
          audit.record({ action: 'transfer.send', outcome: 'failure', userId: user.id, target: docName('chart', patientId), ip: ctx.ip, detail: { ...detail, destination: destination.id, reason: 'unreachable' } });
          throw new AppError('unavailable', `${destination.name} could not be reached; the transfer can be sent again later.`);
        }
        const answer = (await res.json().catch(() => null)) as { entry?: { response?: { status?: string } }[] } | null;
        const ok = res.status === 200 || res.status === 202;
        const state = res.status === 202 ? 'awaiting-match-review' : 'delivered';
        audit.record({
          action: 'transfer.send',
          outcome: ok ? 'success' : 'failure',
          userId: user.id,
          target: docName('chart', patientId),
          ip: ctx.ip,
          detail: { ...detail, destination: destination.id, status: res.status, ...(ok ? { state } : {}) }
        });
        if (!ok) throw new AppError(res.status === 401 || res.status === 403 ? 'forbidden' : 'unavailable', `${destination.name} did not accept the record (HTTP ${res.status}).`);
        const staged = (answer?.entry ?? []).filter((e) => e.response?.status === '202 Accepted').length;
        sendJson(ctx.res, 200, { state, destination: destination.name, staged });
      }
    },
    {
      method: 'GET',
      path: '/api/transfer/match-reviews',
      handler(ctx) {
        const user = clinician(ctx, audit, 'match-reviews');
        const everyone = new Map(deps.patients.list(user.clinicId).map((p) => [p.id, p]));
        const reviews = deps.fhirStore.pendingReviews(user.clinicId).map((r) => {
          const full = deps.fhirStore.review(user.clinicId, r.id)!;
          const bundle = JSON.parse(full.bundle) as { entry?: { resource?: { resourceType?: string; name?: { family?: string; given?: string[] }[]; birthDate?: string } }[] };
          const p = bundle.entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource;
          return {
            id: r.id,
            reason: r.reason,
            receivedAt: r.createdAt,
            incoming: { family: p?.name?.[0]?.family ?? '', given: p?.name?.[0]?.given ?? [], birthDate: p?.birthDate ?? '' },
            candidates: r.candidates.map((id) => everyone.get(id)).filter(Boolean)
          };
        });
        audit.record({ action: 'transfer.match-review', outcome: 'success', userId: user.id, target: 'match-reviews', ip: ctx.ip, detail: { interaction: 'list', count: reviews.length } });
        sendJson(ctx.res, 200, { reviews });
      }
    },
    {
      method: 'POST',
      path: '/api/transfer/match-reviews/:id',
      async handler(ctx) {
        const user = clinician(ctx, audit, 'match-reviews');
        const body = (await readJson(ctx.req)) as { patientId?: unknown; newPatient?: unknown };
        const review = deps.fhirStore.review(user.clinicId, ctx.params.id);
        if (!review || review.status !== 'pending') throw new AppError('not-found', 'No such pending match review');
        const patient = body.newPatient === true ? ('new' as const) : typeof body.patientId === 'string' ? { id: body.patientId } : null;
        if (!patient) throw new AppError('invalid', 'Choose a patient or a new one', [{ path: 'patientId', message: 'Required' }]);
        let result;
        try {
          result = await deps.importer.importBundle({ userId: user.id, name: user.name, clinicId: user.clinicId }, JSON.parse(review.bundle), { patient });
        } catch (err) {
          if (err instanceof MatchReviewPending) throw new AppError('conflict', 'The record still needs a match review');
          throw err;
        }
        deps.fhirStore.resolveReview(user.clinicId, review.id, user.id, result.summary.patientId);
        audit.record({
          action: 'transfer.match-review',
          outcome: 'success',
          userId: user.id,
          target: docName('patient', result.summary.patientId),
          ip: ctx.ip,
          detail: { interaction: 'resolve', newPatient: result.summary.newPatient, staged: result.summary.staged }
        });
        sendJson(ctx.res, 200, { patientId: result.summary.patientId, newPatient: result.summary.newPatient, staged: result.summary.staged });
      }
    }
  ];
}
