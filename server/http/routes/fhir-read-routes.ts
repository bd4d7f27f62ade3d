import { randomUUID } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import * as Y from 'yjs';
import { chartToFhir, patientToFhir, type FhirResource } from '../../../src/lib/fhir/export/chart-to-fhir';
import { docName, feesName, isUuid, registriesName, tasksName } from '../../../src/lib/domain/doc-names';
import { AppError } from '../../../src/lib/domain/errors';
import { patientSummary, SUMMARY_TYPES } from '../../../src/lib/fhir/export/patient-summary';
import { capabilityStatement } from '../../fhir/export/capability';
import { claimIds, claimInCategories, claimsOf, registryRulesOf, tasksOf, taskVisible, type TaskReader } from '../../fhir/export/clinic-resources';
import { fhirReader, type Reader } from '../../fhir/export/fhir-reader';
import { createRecordCache } from '../../fhir/export/record-cache';
import type { ResourceIndex } from '../../fhir/export/resource-index';
import { matches, parseSearch, RESOURCE_TYPES, searchBundle, sortResources } from '../../fhir/export/search';
import type { FhirStore } from '../../fhir/fhir-store';
import { OperationOutcomeError, sendFhir } from '../../fhir/operation-outcome';
import type { BearerResult } from '../../smart/smart-routes';
import type { AccessGate, Audit, SyncService } from '../../types';
import { resourceInCategories } from '../../../src/lib/domain/restriction-categories';
import { type RequestContext, type Route } from '../context';

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
 *   the clinic; it never holds what a patient restricted (it travels).
 *
 * Signed-in staff only: Patient for anyone who may open `patient:` documents
 * (front desk, administrators, clinical staff), every other type for those
 * who may open `chart:` documents (clinicians, nurses). A patient of another
 * clinic is answered 404, exactly as an unknown one, so ids cannot be probed
 * across clinics (the refusal is audited as authz.denied). Every answered
 * read is audited as `fhir.read` with the resource type, the interaction and
 * a count, against the patient's document name; never with content.
 *
 * API clients (SMART Backend Services, smart/smart-routes.ts) read with
 * `Authorization: Bearer <token>` instead of a session: they see their own
 * clinic's patients only (another clinic's patient is 404, as for staff),
 * and their scopes decide the types: a read needs `r` on the type, a search
 * `s`, `_include` of the Patient `r` on Patient; `$everything` needs `r` on
 * Patient and holds only the types the client may read; `$summary` needs `r`
 * on Patient and on every type a summary may list (SUMMARY_TYPES), else 403,
 * so that no section is left out unnoticed. A type outside the scopes is 403.
 * Bulk `$export` (fhir-bulk-routes.ts) takes the same tokens.
 *
 * Two types live outside the chart. `Task`: the clinic's tasks
 * (`tasks:<clinic>`), for whoever may open that document (front desk,
 * administrators, clinical staff) or a client with Task scopes; searched
 * by patient, status, owner, authored-on, or across the clinic without a
 * patient; audited against the tasks document. A task whose prompt is a
 * result the reader may not see, or a registry selecting on a problem code
 * in a category a patient's restriction hides from them, is left out
 * (clinic-resources.ts taskVisible).
 * `Claim`: a patient's bills (the account in `patient:<id>`, as the desk
 * downloads them), for whoever may open the patient document; a claim
 * whose diagnoses fall in a category hidden from the reader is left out. Their reads are audited with the client id (no user id). A
 * bearer token that is unknown, expired or of a disabled client is 401
 * (`WWW-Authenticate: Bearer error="invalid_token"`), even with a session.
 */
export interface FhirReadDeps {
  sync: Pick<SyncService, 'readState' | 'readStoredSince' | 'changes'>;
  store: Pick<FhirStore, 'kept'>;
  index: ResourceIndex;
  audit: Audit;
  version: string;
  /** Resolves `Authorization: Bearer` (smart-routes.ts); without it only sessions are accepted. */
  bearer?: (req: RequestContext['req']) => BearerResult;
  /** The SMART token endpoint's URL, for the CapabilityStatement. */
  tokenEndpoint?: (req: RequestContext['req']) => string;
  /** The clinic's name, for the Organization that authors a patient summary. */
  clinicName(clinicId: string): string | null;
  /** Patient restrictions: resources coded in a category hidden from the reader are left out (server/access/). */
  access?: Pick<AccessGate, 'hiddenCategories' | 'restrictedCategories'>;
}

const notFound = (what: string) => new OperationOutcomeError(404, [{ severity: 'error', code: 'not-found', diagnostics: what }]);

function baseUrl(ctx: RequestContext): string {
  const scheme = (ctx.req.socket as TLSSocket).encrypted ? 'https' : 'http';
  return `${scheme}://${ctx.req.headers.host ?? 'localhost'}/fhir/R4`;
}

export function fhirReadRoutes(deps: FhirReadDeps): Route[] {
  const { sync, index, audit } = deps;
  const cache = createRecordCache();

  const { reader, allows, who, authorize } = fhirReader({ audit, bearer: deps.bearer });

  function knownType(type: string): void {
    if (!RESOURCE_TYPES.includes(type)) {
      throw new OperationOutcomeError(404, [{ severity: 'error', code: 'not-supported', diagnostics: `This server does not serve ${type} resources (see /fhir/R4/metadata)` }]);
    }
  }

  /** The document's stored state; a document of another clinic is answered 404 (and audited). */
  async function loadState(name: string, user: Reader, ctx: RequestContext, type: string): Promise<Uint8Array | null> {
    return refuseOtherClinic(name, user, ctx, type, () => sync.readState(name, user.clinicId));
  }

  /** Runs a read of a stored document; a document of another clinic is answered 404 (and audited). */
  async function refuseOtherClinic<T>(name: string, user: Reader, ctx: RequestContext, type: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      if (err instanceof AppError && err.code === 'forbidden') {
        audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.userId, target: name, ip: ctx.ip, detail: { reason: 'other-clinic', resourceType: type, ...who(user).clientDetail } });
        throw notFound('No such patient in this clinic');
      }
      throw err;
    }
  }

  /** The patient's resources of the types the user may read; 404 for a patient this clinic does not have. */
  async function record(ctx: RequestContext, user: Reader, patientId: string, type: string, clinical: boolean): Promise<{ patient: FhirResource; chart: FhirResource[] }> {
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
    // Only the rows written since this chart was last decoded are read and applied (record-cache.ts).
    const mapped = await refuseOtherClinic(name, user, ctx, type, () =>
      cache.get(`${user.clinicId}/${name}`, (afterSeq) => sync.readStoredSince(name, user.clinicId, afterSeq), (doc) => chartToFhir(doc, patientId))
    );
    if (!mapped) return { patient, chart: [] };
    const { resources, fresh } = mapped;
    // A cached mapping was indexed when it was made.
    if (fresh) index.record(user.clinicId, patientId, resources);
    return { patient, chart: withoutRestricted(user, patientId, resources) };
  }

  /**
   * The resources a patient restricted are left out for a reader the
   * restriction does not name (an API client is never named); a running
   * break-glass grant sees them. The restricted notes themselves live in
   * `restricted:<patient>`, which this API does not serve.
   */
  function withoutRestricted(user: Reader, patientId: string, resources: FhirResource[]): FhirResource[] {
    if (!deps.access) return resources;
    const hidden = deps.access.hiddenCategories(user.userId ?? '', patientId);
    if (hidden.length === 0) return resources;
    return resources.filter((r) => !resourceInCategories(r as { code?: unknown }, hidden));
  }

  /** Brings the index up to the charts changed since it was last brought up to date. */
  async function catchUp(user: Reader): Promise<void> {
    const { docs, cursor } = await sync.changes(user, index.cursor(user.clinicId));
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

  async function patientOf(user: Reader, type: string, id: string): Promise<string | null> {
    const hit = index.find(user.clinicId, type, id);
    if (hit) return hit;
    await catchUp(user);
    return index.find(user.clinicId, type, id);
  }

  /** The clinic's tasks the reader may see (clinic-resources.ts taskVisible: a task prompted by a result or registry hidden from them is left out). */
  async function visibleTasks(ctx: RequestContext, user: Reader): Promise<ReturnType<typeof tasksOf>> {
    const all = tasksOf(await sync.readState(tasksName(user.clinicId), user.clinicId));
    if (!deps.access) return all;
    const access = deps.access;
    const out: ReturnType<typeof tasksOf> = [];
    const visibleChart = new Map<string, Set<string>>();
    let registries: Promise<ReturnType<typeof registryRulesOf>> | null = null;
    const hiddenFor = new Map<string, ReturnType<typeof access.hiddenCategories>>();
    const hidden = (patientId: string) => {
      let h = hiddenFor.get(patientId);
      if (!h) hiddenFor.set(patientId, (h = access.hiddenCategories(user.userId ?? '', patientId)));
      return h;
    };
    const reader = (patientId: string): TaskReader => ({
      hidden: hidden(patientId),
      async resultVisible(pid, observationId) {
        let seen = visibleChart.get(pid);
        if (!seen) {
          // The chart as this reader may read it (restricted resources already left out).
          const found = await record(ctx, user, pid, 'Task', true).catch(() => ({ chart: [] as FhirResource[] }));
          seen = new Set(found.chart.map((r) => `${r.resourceType}/${r.id}`));
          visibleChart.set(pid, seen);
        }
        return seen.has(`Observation/${observationId}`);
      },
      async registryRules(id) {
        registries ??= sync.readState(registriesName(user.clinicId), user.clinicId).then(registryRulesOf);
        return (await registries)(id);
      }
    });
    for (const t of all) if (await taskVisible(t.task, reader(t.task.patientId))) out.push(t);
    return out;
  }

  /** The patient's claims the reader may see; 404 for a patient this clinic does not have. */
  async function claimsFor(ctx: RequestContext, user: Reader, patientId: string): Promise<{ patient: FhirResource; claims: FhirResource[] }> {
    const { patient } = await record(ctx, user, patientId, 'Claim', false);
    const state = await loadState(docName('patient', patientId), user, ctx, 'Claim');
    if (!state) throw notFound('No such patient in this clinic');
    const claims = claimsOf(state, await sync.readState(feesName(user.clinicId), user.clinicId), patientId, deps.clinicName(user.clinicId) ?? 'Clinic');
    index.record(user.clinicId, patientId, claims);
    const hidden = deps.access?.hiddenCategories(user.userId ?? '', patientId) ?? [];
    return { patient, claims: claims.filter((c) => !claimInCategories(c, hidden)) };
  }

  /** Brings the claims' index up to the patient documents changed since (its own cursor: bills live outside the chart). */
  async function claimOwner(user: Reader, id: string): Promise<string | null> {
    const hit = index.find(user.clinicId, 'Claim', id);
    if (hit) return hit;
    const key = `${user.clinicId}#claims`;
    const { docs, cursor } = await sync.changes(user, index.cursor(key));
    for (const name of docs) {
      if (!name.startsWith('patient:')) continue;
      const patientId = name.slice('patient:'.length);
      const state = await sync.readState(name, user.clinicId);
      if (state) index.record(user.clinicId, patientId, claimIds(state, patientId).map((cid) => ({ resourceType: 'Claim', id: cid })));
    }
    index.setCursor(key, cursor);
    return index.find(user.clinicId, 'Claim', id);
  }

  function doneTasks(ctx: RequestContext, user: Reader, interaction: string, count: number, body: unknown): void {
    audit.record({
      action: 'fhir.read',
      outcome: 'success',
      userId: user.userId,
      target: tasksName(user.clinicId),
      ip: ctx.ip,
      detail: { interaction, resourceType: 'Task', count, ...who(user).clientDetail }
    });
    sendFhir(ctx.res, 200, body);
  }

  function done(ctx: RequestContext, user: Reader, patientId: string, type: string, interaction: string, count: number, body: unknown): void {
    audit.record({
      action: 'fhir.read',
      outcome: 'success',
      userId: user.userId,
      target: docName(type === 'Patient' || type === 'Claim' ? 'patient' : 'chart', patientId),
      ip: ctx.ip,
      detail: { interaction, resourceType: type, count, ...who(user).clientDetail }
    });
    sendFhir(ctx.res, 200, body);
  }

  return [
    {
      method: 'GET',
      path: '/fhir/R4/metadata',
      handler(ctx) {
        reader(ctx);
        sendFhir(ctx.res, 200, capabilityStatement(baseUrl(ctx), deps.version, deps.tokenEndpoint?.(ctx.req)));
      }
    },
    {
      method: 'GET',
      path: '/fhir/R4/Patient/:id/$everything',
      async handler(ctx) {
        const user = authorize(ctx, 'Patient', 'read', 'chart');
        for (const [name] of ctx.url.searchParams) {
          if (name !== '_format') throw new OperationOutcomeError(400, [{ severity: 'error', code: 'not-supported', diagnostics: `$everything takes no parameter ${name}`, expression: [name] }]);
        }
        const patientId = ctx.params.id;
        const { patient, chart } = await record(ctx, user, patientId, 'Patient', true);
        const base = baseUrl(ctx);
        // A client gets the types its scopes let it read; staff (chart access checked above) everything.
        const readable = (r: { resourceType: string }) => allows(user, r.resourceType, 'read');
        const hidden = deps.access?.hiddenCategories(user.userId ?? '', patientId) ?? [];
        const kept = deps.store
          .kept(user.clinicId, patientId)
          .filter((k) => readable(k.resource as { resourceType: string }) && !resourceInCategories(k.resource as { code?: unknown }, hidden));
        const entry = [
          { fullUrl: `${base}/Patient/${patient.id}`, resource: patient, search: { mode: 'match' } },
          ...chart.filter(readable).map((r) => ({ fullUrl: `${base}/${r.resourceType}/${r.id}`, resource: r, search: { mode: 'match' } })),
          // Kept verbatim as imported: they are not served by read, so they are named by their import entry id.
          ...kept.map((k) => ({ fullUrl: `urn:uuid:${k.entryId}`, resource: k.resource, search: { mode: 'match' } }))
        ];
        const body = { resourceType: 'Bundle', type: 'searchset', total: entry.length, link: [{ relation: 'self', url: `${base}/Patient/${patient.id}/$everything` }], entry };
        audit.record({
          action: 'fhir.read',
          outcome: 'success',
          userId: user.userId,
          target: docName('chart', patientId),
          ip: ctx.ip,
          detail: {
            interaction: 'everything',
            resourceType: 'Patient',
            count: entry.length,
            kept: kept.length,
            ...(user.clientId ? { clientId: user.clientId, resourceTypes: [...new Set(entry.map((e) => (e.resource as { resourceType: string }).resourceType))].sort() } : {})
          }
        });
        sendFhir(ctx.res, 200, body);
      }
    },
    {
      method: 'GET',
      path: '/fhir/R4/Patient/:id/$summary',
      async handler(ctx) {
        const user = authorize(ctx, 'Patient', 'read', 'chart');
        // A client needs `r` on every type the summary may list: a section left out
        // for want of a scope would read as "No information recorded".
        for (const type of SUMMARY_TYPES) if (!allows(user, type, 'read')) authorize(ctx, type, 'read');
        for (const [name] of ctx.url.searchParams) {
          if (name !== '_format') throw new OperationOutcomeError(400, [{ severity: 'error', code: 'not-supported', diagnostics: `$summary takes no parameter ${name}`, expression: [name] }]);
        }
        const patientId = ctx.params.id;
        const { patient, chart: readable } = await record(ctx, user, patientId, 'Patient', true);
        // A patient summary is a document made to travel with the patient, where the restriction does not
        // follow it: what the patient restricted is left out whoever asks, as in a transfer (transfer-routes.ts).
        const restricted = deps.access?.restrictedCategories(patientId) ?? [];
        const chart = readable.filter((r) => !resourceInCategories(r as { code?: unknown }, restricted));
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
          userId: user.userId,
          target: docName('chart', patientId),
          ip: ctx.ip,
          detail: { interaction: 'summary', resourceType: 'Patient', count: (bundle.entry as unknown[]).length, ...who(user).clientDetail }
        });
        sendFhir(ctx.res, 200, bundle);
      }
    },
    {
      method: 'GET',
      path: '/fhir/R4/:type/:id',
      async handler(ctx) {
        const { type, id } = ctx.params;
        reader(ctx);
        knownType(type);
        if (type === 'Task') {
          const user = authorize(ctx, type, 'read', 'tasks');
          const found = (await visibleTasks(ctx, user)).find((t) => t.task.id === id);
          if (!found) throw notFound('No Task with this id in this clinic');
          doneTasks(ctx, user, 'read', 1, found.resource);
          return;
        }
        if (type === 'Claim') {
          const user = authorize(ctx, type, 'read', 'patient');
          const patientId = await claimOwner(user, id);
          if (!patientId) throw notFound('No Claim with this id in this clinic');
          const found = (await claimsFor(ctx, user, patientId)).claims.find((c) => c.id === id);
          if (!found) throw notFound('No Claim with this id in this clinic');
          done(ctx, user, patientId, type, 'read', 1, found);
          return;
        }
        const user = authorize(ctx, type, 'read');
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
        reader(ctx);
        knownType(type);
        const user = authorize(ctx, type, 'search', type === 'Task' ? 'tasks' : type === 'Claim' ? 'patient' : undefined);
        const q = parseSearch(type, ctx.url.searchParams);
        if (type === 'Task') {
          const tasks = (await visibleTasks(ctx, user)).filter((t) => !q.patient || t.task.patientId === q.patient).map((t) => t.resource as FhirResource);
          const { bundle, returned } = searchBundle(baseUrl(ctx), q, sortResources(tasks.filter((r) => matches(r, q))), null);
          doneTasks(ctx, user, 'search', returned, bundle);
          return;
        }
        if (q.includePatient && !allows(user, 'Patient', 'read')) authorize(ctx, 'Patient', 'read');
        let patientId = q.patient;
        if (!patientId) {
          // Only _id given: the ids must all be one patient's.
          const owners = new Set<string>();
          for (const id of q.ids ?? []) {
            const owner = type === 'Claim' ? await claimOwner(user, id) : await patientOf(user, type, id);
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
          found = type === 'Claim' ? await claimsFor(ctx, user, patientId).then((c) => ({ patient: c.patient, chart: c.claims })) : await record(ctx, user, patientId, type, type !== 'Patient');
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
