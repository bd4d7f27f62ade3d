import { randomUUID } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import * as Y from 'yjs';
import { chartToFhir, patientToFhir, type FhirResource } from '../../../src/lib/fhir/export/chart-to-fhir';
import { docAccess, docName, isUuid } from '../../../src/lib/domain/doc-names';
import { AppError } from '../../../src/lib/domain/errors';
import { patientSummary } from '../../../src/lib/fhir/export/patient-summary';
import { capabilityStatement } from '../../fhir/export/capability';
import { createRecordCache } from '../../fhir/export/record-cache';
import type { ResourceIndex } from '../../fhir/export/resource-index';
import { matches, parseSearch, RESOURCE_TYPES, searchBundle, sortResources } from '../../fhir/export/search';
import type { FhirStore } from '../../fhir/fhir-store';
import { OperationOutcomeError, sendFhir } from '../../fhir/operation-outcome';
import type { Audit, SessionUser, SyncService } from '../../types';
import { requireUser, type RequestContext, type Route } from '../context';

/**
 * The read side of the FHIR R4 API:
 *
 * - `GET /fhir/R4/metadata` — the CapabilityStatement (capability.ts).
 * - `GET /fhir/R4/<Type>/<id>` — read; ids are chart entry ids (the Patient's
 *   is the patient id), found through the resource index.
 * - `GET /fhir/R4/<Type>?…` — search within one patient (search.ts).
 * - `GET /fhir/R4/Patient/<id>/$everything` — the whole record plus the
 *   resources kept verbatim from imports.
 * - `GET /fhir/R4/Patient/<id>/$summary` — the International Patient Summary
 *   (IPS IG 2.0.0) as a document Bundle (patient-summary.ts), authored by
 *   the clinic.
 *
 * Signed-in staff only: Patient for anyone who may open `patient:` documents
 * (front desk, administrators, clinical staff), every other type for those
 * who may open `chart:` documents (clinicians, nurses). A patient of another
 * clinic is answered 404, exactly as an unknown one, so ids cannot be probed
 * across clinics (the refusal is audited as authz.denied). Every answered
 * read is audited as `fhir.read` with the resource type, the interaction and
 * a count, against the patient's document name; never with content.
 */
export interface FhirReadDeps {
  sync: Pick<SyncService, 'readState' | 'changes'>;
  store: Pick<FhirStore, 'kept'>;
  index: ResourceIndex;
  audit: Audit;
  version: string;
  /** The clinic's name, for the Organization that authors a patient summary. */
  clinicName(clinicId: string): string | null;
}

const notFound = (what: string) => new OperationOutcomeError(404, [{ severity: 'error', code: 'not-found', diagnostics: what }]);

function baseUrl(ctx: RequestContext): string {
  const scheme = (ctx.req.socket as TLSSocket).encrypted ? 'https' : 'http';
  return `${scheme}://${ctx.req.headers.host ?? 'localhost'}/fhir/R4`;
}

export function fhirReadRoutes(deps: FhirReadDeps): Route[] {
  const { sync, index, audit } = deps;
  const cache = createRecordCache();

  /** Signed in with access to this type; refusals audited. */
  function authorize(ctx: RequestContext, type: string, kind: 'patient' | 'chart' = type === 'Patient' ? 'patient' : 'chart'): SessionUser {
    const user = requireUser(ctx);
    if (docAccess(user.roles, kind) === 'none') {
      audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: `fhir:${type}`, ip: ctx.ip, detail: { reason: 'role', resourceType: type } });
      throw new AppError('forbidden', kind === 'patient' ? 'Your role does not give access to patient records.' : 'Only clinicians and nurses may read clinical records.');
    }
    return user;
  }

  function knownType(type: string): void {
    if (!RESOURCE_TYPES.includes(type)) {
      throw new OperationOutcomeError(404, [{ severity: 'error', code: 'not-supported', diagnostics: `This server does not serve ${type} resources (see /fhir/R4/metadata)` }]);
    }
  }

  /** The document's stored state; a document of another clinic is answered 404 (and audited). */
  async function loadState(name: string, user: SessionUser, ctx: RequestContext, type: string): Promise<Uint8Array | null> {
    try {
      return await sync.readState(name, user.clinicId);
    } catch (err) {
      if (err instanceof AppError && err.code === 'forbidden') {
        audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: name, ip: ctx.ip, detail: { reason: 'other-clinic', resourceType: type } });
        throw notFound('No such patient in this clinic');
      }
      throw err;
    }
  }

  /** The patient's resources of the types the user may read; 404 for a patient this clinic does not have. */
  async function record(ctx: RequestContext, user: SessionUser, patientId: string, type: string, clinical: boolean): Promise<{ patient: FhirResource; chart: FhirResource[] }> {
    if (!isUuid(patientId)) throw notFound('No such patient in this clinic');
    const patientState = await loadState(docName('patient', patientId), user, ctx, type);
    let patient: FhirResource | null = null;
    if (patientState) {
      const doc = new Y.Doc();
      Y.applyUpdate(doc, patientState);
      patient = patientToFhir(doc);
      doc.destroy();
    }
    if (!patient) throw notFound('No such patient in this clinic');
    if (!clinical) return { patient, chart: [] };
    const name = docName('chart', patientId);
    const chartState = await loadState(name, user, ctx, type);
    if (!chartState) return { patient, chart: [] };
    const { resources, fresh } = cache.get(`${user.clinicId}/${name}`, chartState, (doc) => chartToFhir(doc, patientId));
    // A cached mapping was indexed when it was made.
    if (fresh) index.record(user.clinicId, patientId, resources);
    return { patient, chart: resources };
  }

  /** Brings the index up to the charts changed since it was last brought up to date. */
  async function catchUp(user: SessionUser): Promise<void> {
    const { docs, cursor } = sync.changes(user, index.cursor(user.clinicId));
    for (const name of docs) {
      if (!name.startsWith('chart:')) continue;
      const patientId = name.slice('chart:'.length);
      const state = await sync.readState(name, user.clinicId);
      if (!state) continue;
      const doc = new Y.Doc();
      Y.applyUpdate(doc, state);
      index.record(user.clinicId, patientId, chartToFhir(doc, patientId));
      doc.destroy();
    }
    index.setCursor(user.clinicId, cursor);
  }

  async function patientOf(user: SessionUser, type: string, id: string): Promise<string | null> {
    const hit = index.find(user.clinicId, type, id);
    if (hit) return hit;
    await catchUp(user);
    return index.find(user.clinicId, type, id);
  }

  function done(ctx: RequestContext, user: SessionUser, patientId: string, type: string, interaction: string, count: number, body: unknown): void {
    audit.record({
      action: 'fhir.read',
      outcome: 'success',
      userId: user.id,
      target: docName(type === 'Patient' ? 'patient' : 'chart', patientId),
      ip: ctx.ip,
      detail: { interaction, resourceType: type, count }
    });
    sendFhir(ctx.res, 200, body);
  }

  return [
    {
      method: 'GET',
      path: '/fhir/R4/metadata',
      handler(ctx) {
        requireUser(ctx);
        sendFhir(ctx.res, 200, capabilityStatement(baseUrl(ctx), deps.version));
      }
    },
    {
      method: 'GET',
      path: '/fhir/R4/Patient/:id/$everything',
      async handler(ctx) {
        const user = authorize(ctx, 'Patient', 'chart');
        for (const [name] of ctx.url.searchParams) {
          if (name !== '_format') throw new OperationOutcomeError(400, [{ severity: 'error', code: 'not-supported', diagnostics: `$everything takes no parameter ${name}`, expression: [name] }]);
        }
        const patientId = ctx.params.id;
        const { patient, chart } = await record(ctx, user, patientId, 'Patient', true);
        const base = baseUrl(ctx);
        const kept = deps.store.kept(user.clinicId, patientId);
        const entry = [
          { fullUrl: `${base}/Patient/${patient.id}`, resource: patient, search: { mode: 'match' } },
          ...chart.map((r) => ({ fullUrl: `${base}/${r.resourceType}/${r.id}`, resource: r, search: { mode: 'match' } })),
          // Kept verbatim as imported: they are not served by read, so they are named by their import entry id.
          ...kept.map((k) => ({ fullUrl: `urn:uuid:${k.entryId}`, resource: k.resource, search: { mode: 'match' } }))
        ];
        const body = { resourceType: 'Bundle', type: 'searchset', total: entry.length, link: [{ relation: 'self', url: `${base}/Patient/${patient.id}/$everything` }], entry };
        audit.record({
          action: 'fhir.read',
          outcome: 'success',
          userId: user.id,
          target: docName('chart', patientId),
          ip: ctx.ip,
          detail: { interaction: 'everything', resourceType: 'Patient', count: entry.length, kept: kept.length }
        });
        sendFhir(ctx.res, 200, body);
      }
    },
    {
      method: 'GET',
      path: '/fhir/R4/Patient/:id/$summary',
      async handler(ctx) {
        const user = authorize(ctx, 'Patient', 'chart');
        for (const [name] of ctx.url.searchParams) {
          if (name !== '_format') throw new OperationOutcomeError(400, [{ severity: 'error', code: 'not-supported', diagnostics: `$summary takes no parameter ${name}`, expression: [name] }]);
        }
        const patientId = ctx.params.id;
        const { patient, chart } = await record(ctx, user, patientId, 'Patient', true);
        const bundle = patientSummary({
          patient,
          chart,
          organization: { id: user.clinicId, name: deps.clinicName(user.clinicId) ?? 'Clinic' },
          base: baseUrl(ctx),
          bundleId: randomUUID(),
          compositionId: randomUUID(),
          now: new Date()
        });
        audit.record({
          action: 'fhir.read',
          outcome: 'success',
          userId: user.id,
          target: docName('chart', patientId),
          ip: ctx.ip,
          detail: { interaction: 'summary', resourceType: 'Patient', count: (bundle.entry as unknown[]).length }
        });
        sendFhir(ctx.res, 200, bundle);
      }
    },
    {
      method: 'GET',
      path: '/fhir/R4/:type/:id',
      async handler(ctx) {
        const { type, id } = ctx.params;
        requireUser(ctx);
        knownType(type);
        const user = authorize(ctx, type);
        if (type === 'Patient') {
          const { patient } = await record(ctx, user, id, type, false);
          done(ctx, user, id, type, 'read', 1, patient);
          return;
        }
        const patientId = await patientOf(user, type, id);
        if (!patientId) throw notFound(`No ${type} with this id in this clinic`);
        const { chart } = await record(ctx, user, patientId, type, true);
        const found = chart.find((r) => r.resourceType === type && r.id === id);
        if (!found) throw notFound(`No ${type} with this id in this clinic`);
        done(ctx, user, patientId, type, 'read', 1, found);
      }
    },
    {
      method: 'GET',
      path: '/fhir/R4/:type',
      async handler(ctx) {
        const { type } = ctx.params;
        requireUser(ctx);
        knownType(type);
        const user = authorize(ctx, type);
        const q = parseSearch(type, ctx.url.searchParams);
        let patientId = q.patient;
        if (!patientId) {
          // Only _id given: the ids must all be one patient's.
          const owners = new Set<string>();
          for (const id of q.ids ?? []) {
            const owner = await patientOf(user, type, id);
            if (owner) owners.add(owner);
          }
          if (owners.size > 1) throw new OperationOutcomeError(400, [{ severity: 'error', code: 'not-supported', diagnostics: 'Search one patient at a time', expression: ['_id'] }]);
          patientId = [...owners][0];
          if (!patientId) {
            sendFhir(ctx.res, 200, searchBundle(baseUrl(ctx), q, [], null).bundle);
            return;
          }
        }
        let found: { patient: FhirResource; chart: FhirResource[] };
        try {
          found = await record(ctx, user, patientId, type, type !== 'Patient');
        } catch (err) {
          // A patient this clinic does not have (unknown, or another clinic's) matches nothing.
          if (!(err instanceof OperationOutcomeError) || err.status !== 404) throw err;
          sendFhir(ctx.res, 200, searchBundle(baseUrl(ctx), q, [], null).bundle);
          return;
        }
        const { patient, chart } = found;
        const all = type === 'Patient' ? [patient] : chart;
        const matched = sortResources(all.filter((r) => matches(r, q)));
        const { bundle, returned } = searchBundle(baseUrl(ctx), q, matched, patient);
        done(ctx, user, patientId, type, 'search', returned, bundle);
      }
    }
  ];
}
