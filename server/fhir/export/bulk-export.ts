import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import * as Y from 'yjs';
import { chartToFhir, patientToFhir, type FhirResource } from '../../../src/lib/fhir/export/chart-to-fhir';
import { docName, feesName, registriesName, tasksName } from '../../../src/lib/domain/doc-names';
import type { AccessGate, SyncService } from '../../types';
import { resourceInCategories } from '../../../src/lib/domain/restriction-categories';
import { claimInCategories, claimsOf, registryRulesOf, tasksOf, taskVisible } from './clinic-resources';
import { CHART_TYPES } from './search';

/**
 * Bulk Data export jobs (FHIR Bulk Data Access IG 2.0.0,
 * https://hl7.org/fhir/uv/bulkdata/): one job per kick-off, run in the
 * background one patient at a time, yielding to the event loop
 * (setImmediate) between patients, so requests keep being answered while a
 * clinic is exported. Each patient's resources are mapped with
 * chart-to-fhir.ts (the same mapping as read and $everything) and appended
 * to one NDJSON file per type under `<dataDir>/fhir-export/<job>/`, a new
 * file every `maxPerFile` resources; the export is never held in memory
 * whole (one patient's record at a time, written through streams that are
 * waited on when full).
 *
 * - Scope: the requesting user's clinic, every patient with a `patient:`
 *   document. The three kick-off levels (system, Group = the clinic, Patient)
 *   export the same patients; the Group and Patient levels leave out the
 *   kept resources that are not in the Patient compartment (organizations,
 *   practitioners, locations, …) that an import attached to a patient.
 * - Task and Claim, the resources kept outside the chart, are mapped and
 *   filtered by clinic-resources.ts as the read API does: a patient's bills
 *   (the account in `patient:<id>`) as Claims, and the clinic's tasks
 *   (`tasks:<clinic>`, read once per job) each with its patient, so a
 *   Patient- or Group-level export holds the exported patients' own tasks
 *   only. Another clinic's tasks document and patients are never read.
 * - Resources kept verbatim from imports (fhir_kept_resources) are exported
 *   under their own type, with the import entry id they are stored by.
 * - `_since`: per-resource change times are not recorded in the charts, so a
 *   patient's chart resources are all exported when the `chart:` document
 *   took any update after `_since`, the Patient and its Claims when the
 *   `patient:` document did (update times from the sync store's log), a
 *   Task by its own lastModified, kept resources by the time
 *   their row was last written. This gives every resource changed since, and
 *   may give unchanged resources of a chart that changed.
 * - Jobs live in this process only: a restart drops running and finished
 *   jobs (their status URL then answers 404) and deletes their files at the
 *   next start. Finished files are deleted after `retainMs` (24 h) or when
 *   the client DELETEs the status URL, whichever comes first.
 * - At most `maxRunningPerClinic` jobs run at once per clinic.
 * - A patient whose stored documents cannot be read or mapped (a damaged
 *   record) does not stop the export: the others are exported and an
 *   OperationOutcome naming that patient's id goes to the manifest's `error`
 *   file (`OperationOutcome-errors.ndjson`).
 * - Patient restrictions (server/access/): a resource coded in a category
 *   the patient restricted is left out of every export, whoever started it.
 *   So is a Claim naming a diagnosis in such a category, and a Task whose
 *   prompt is restricted (a result left out, a registry selecting on such
 *   a problem code: clinic-resources.ts taskVisible).
 *   The reader of an export is not the person who kicked it off but the
 *   system the files go to, which no restriction names, and the NDJSON
 *   files do not carry the restriction with them. The restricted part
 *   itself (`restricted:<patient>`) is never exported. (A patient taking
 *   out their own record is another case: the restriction protects them
 *   from others, not from themselves; that path is the patient portal's.)
 * - `transactionTime` is when the job started; documents are read as the job
 *   reaches them, so a write made to a record during the export may be in it.
 */

export interface BulkExportOptions {
  /** Folder for export files (…/fhir-export under the data directory); emptied at start. */
  dir: string;
  maxPerFile: number;
  retainMs: number;
  maxRunningPerClinic: number;
  /** Test hook: awaited before each patient, so a test can hold a job running. */
  beforePatient?: () => Promise<void>;
}

export const DEFAULT_BULK_EXPORT = { maxPerFile: 50_000, retainMs: 24 * 60 * 60 * 1000, maxRunningPerClinic: 1 } as const;

export type ExportLevel = 'system' | 'group' | 'patient';

/** Kept types outside the Patient compartment: left out of Patient- and Group-level exports. */
const NOT_IN_PATIENT_COMPARTMENT = new Set(['Organization', 'Practitioner', 'PractitionerRole', 'Location', 'Medication', 'Endpoint', 'HealthcareService', 'Substance']);

export interface ExportRequest {
  clinicId: string;
  /**
   * Who may see the job, its status and files: `user:<id>` for a staff
   * member, `client:<id>` for a SMART backend client, so that no other
   * user or client can read them.
   */
  owner: string;
  /** The staff member who started it (null for an API client). */
  userId: string | null;
  /** The API client that started it, if one did. */
  clientId?: string;
  level: ExportLevel;
  /** The kick-off URL, echoed in the manifest. */
  request: string;
  /** Null: every type. */
  types: string[] | null;
  /** ms since epoch; null: everything. */
  since: number | null;
}

export interface ExportFile {
  type: string;
  name: string;
  count: number;
}

export interface ExportJob extends ExportRequest {
  id: string;
  transactionTime: string;
  state: 'running' | 'done' | 'failed';
  patientsDone: number;
  patientsTotal: number;
  files: ExportFile[];
  /** The OperationOutcome file of patients that could not be exported, if any. */
  errors: ExportFile | null;
  /** When the files go (ms since epoch), once done. */
  expiresAt: number | null;
}

export class TooManyExports extends Error {
  constructor() {
    super('An export of this clinic is already running');
  }
}

interface Internal {
  job: ExportJob;
  cancelled: boolean;
  run: Promise<void>;
  timer?: NodeJS.Timeout;
}

interface Deps {
  db: Database.Database;
  sync: Pick<SyncService, 'readState'>;
  /** Patient restrictions: what is restricted is left out (see above). Without it nothing is left out. */
  access?: Pick<AccessGate, 'restrictedCategories'>;
  /** The clinic's name, the provider of its Claims (as the read API names it). */
  clinicName?: (clinicId: string) => string | null;
  /** Called once a job finished, with counts only (for the audit). */
  onFinished?(job: ExportJob, outcome: 'done' | 'failed'): void;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** An NDJSON file per type, a new one every maxPerFile lines; waits when a stream's buffer is full. */
class NdjsonWriter {
  private open = new Map<string, { stream: fs.WriteStream; file: ExportFile }>();
  readonly files: ExportFile[] = [];
  private parts = new Map<string, number>();

  constructor(
    private readonly dir: string,
    private readonly maxPerFile: number,
    /** Names files `<Type><suffix>.ndjson` (one file) instead of `<Type>-<n>.ndjson`. */
    private readonly suffix?: string
  ) {}

  async write(resource: { resourceType: string } & Record<string, unknown>): Promise<void> {
    const type = resource.resourceType;
    let cur = this.open.get(type);
    if (cur && cur.file.count >= this.maxPerFile) {
      await end(cur.stream);
      this.open.delete(type);
      cur = undefined;
    }
    if (!cur) {
      const part = (this.parts.get(type) ?? 0) + 1;
      this.parts.set(type, part);
      const file: ExportFile = { type, name: this.suffix ? `${type}${this.suffix}.ndjson` : `${type}-${part}.ndjson`, count: 0 };
      cur = { stream: fs.createWriteStream(path.join(this.dir, file.name), { flags: 'wx' }), file };
      this.open.set(type, cur);
      this.files.push(file);
    }
    cur.file.count++;
    // Full buffer: wait until it drains (events.once rejects on 'error' and removes both listeners).
    if (!cur.stream.write(`${JSON.stringify(resource)}\n`)) await once(cur.stream, 'drain');
  }

  async close(): Promise<void> {
    await Promise.all([...this.open.values()].map((o) => end(o.stream)));
    this.open.clear();
  }

  destroy(): void {
    for (const o of this.open.values()) o.stream.destroy();
    this.open.clear();
  }
}
function end(stream: fs.WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}

export interface BulkExporter {
  /** Starts a job; throws TooManyExports when the clinic has its share running. */
  start(req: ExportRequest): ExportJob;
  /** The job, only for the owner who started it (anyone else: null). */
  get(id: string, owner: string): ExportJob | null;
  /** Stops a running job or forgets a finished one, and deletes its files; false when there is no such job of this user. */
  remove(id: string, owner: string): boolean;
  /** Settles when the job's background work has ended (tests, close). */
  settled(id: string): Promise<void>;
  /** Path of a finished job's file, only for the owner who started it. */
  file(id: string, owner: string, name: string): { path: string; file: ExportFile } | null;
  /** Stops every job and deletes every file. */
  close(): Promise<void>;
}

export function createBulkExporter(deps: Deps, opts: BulkExportOptions): BulkExporter {
  // Jobs of a previous run are gone with that process: so are their files.
  fs.rmSync(opts.dir, { recursive: true, force: true });
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const jobs = new Map<string, Internal>();

  const listPatients = deps.db.prepare<[string], { patient_id: string; kind: string; updated_at: string | null; created_at: string }>(
    `SELECT d.patient_id, d.kind, d.created_at, (SELECT u.created_at FROM doc_updates u WHERE u.seq = d.last_seq) AS updated_at
     FROM documents d WHERE d.clinic_id = ? AND d.kind IN ('patient', 'chart') ORDER BY d.patient_id, d.kind`
  );
  const keptOf = deps.db.prepare<[string, string], { resource_type: string; resource: string; updated_at: string }>(
    'SELECT resource_type, resource, updated_at FROM fhir_kept_resources WHERE clinic_id = ? AND patient_id = ? ORDER BY resource_type, entry_id'
  );

  const dirOf = (id: string) => path.join(opts.dir, id);
  const removeFiles = (id: string) => fs.rmSync(dirOf(id), { recursive: true, force: true });

  async function run(state: Internal): Promise<void> {
    const { job } = state;
    const wants = (type: string) => !job.types || job.types.includes(type);
    const changed = (iso: string | null | undefined) => job.since === null || (iso !== null && iso !== undefined && Date.parse(iso) > job.since);
    const wantsChart = CHART_TYPES.some((t) => wants(t));
    // Ids and update times of the clinic's documents only: small, read once.
    const patients = new Map<string, { patient?: string | null; chart?: string | null }>();
    for (const row of listPatients.all(job.clinicId)) {
      const p = patients.get(row.patient_id) ?? {};
      p[row.kind as 'patient' | 'chart'] = row.updated_at ?? row.created_at;
      patients.set(row.patient_id, p);
    }
    // The clinic's tasks, by patient, and what Claims and task checks need: read once per job, only when wanted.
    const tasksByPatient = new Map<string, ReturnType<typeof tasksOf>>();
    if (wants('Task')) {
      for (const t of tasksOf(await deps.sync.readState(tasksName(job.clinicId), job.clinicId))) {
        const list = tasksByPatient.get(t.task.patientId) ?? [];
        list.push(t);
        tasksByPatient.set(t.task.patientId, list);
      }
    }
    const feesState = wants('Claim') ? await deps.sync.readState(feesName(job.clinicId), job.clinicId) : null;
    const clinicName = deps.clinicName?.(job.clinicId) ?? 'Clinic';
    let registries: Promise<ReturnType<typeof registryRulesOf>> | null = null;
    const registryRules = async (id: string) => {
      registries ??= deps.sync.readState(registriesName(job.clinicId), job.clinicId).then(registryRulesOf);
      return (await registries)(id);
    };

    /** One patient's resources that this job wants. */
    async function collect(patientId: string, times: { patient?: string | null; chart?: string | null }): Promise<unknown[]> {
      const out: unknown[] = [];
      const restricted = deps.access?.restrictedCategories(patientId) ?? [];
      const allowed = (r: unknown) => !resourceInCategories(r as { code?: unknown }, restricted);
      const tasks = (tasksByPatient.get(patientId) ?? []).filter((t) => changed(t.task.updatedAt || t.task.createdAt));
      const wantsClaims = wants('Claim') && changed(times.patient);
      if ((wants('Patient') && changed(times.patient)) || wantsClaims) {
        const state = await deps.sync.readState(docName('patient', patientId), job.clinicId);
        if (state && wants('Patient') && changed(times.patient)) {
          const doc = new Y.Doc();
          Y.applyUpdate(doc, state);
          const p = patientToFhir(doc);
          doc.destroy();
          if (p) out.push(p);
        }
        if (state && wantsClaims) for (const c of claimsOf(state, feesState, patientId, clinicName)) if (!claimInCategories(c, restricted)) out.push(c);
      }
      // The chart, mapped once: for its own types, and to know which results a task may name.
      let chart: FhirResource[] | null = null;
      const chartResources = async (): Promise<FhirResource[]> => {
        if (chart) return chart;
        const doc = times.chart !== undefined ? await load(docName('chart', patientId), job.clinicId) : null;
        chart = doc ? chartToFhir(doc, patientId) : [];
        doc?.destroy();
        return chart;
      };
      if (wantsChart && times.chart !== undefined && changed(times.chart)) {
        for (const r of await chartResources()) if (wants(r.resourceType) && allowed(r)) out.push(r);
      }
      for (const t of tasks) {
        const visible = await taskVisible(t.task, {
          hidden: restricted,
          resultVisible: async (_pid, id) => (await chartResources()).some((r) => r.resourceType === 'Observation' && r.id === id && allowed(r)),
          registryRules
        });
        if (visible) out.push(t.resource);
      }
      for (const k of keptOf.iterate(job.clinicId, patientId)) {
        if (!wants(k.resource_type) || !changed(k.updated_at)) continue;
        if (job.level !== 'system' && NOT_IN_PATIENT_COMPARTMENT.has(k.resource_type)) continue;
        const kept: unknown = JSON.parse(k.resource);
        if (allowed(kept)) out.push(kept);
      }
      return out;
    }

    const ids = [...patients.entries()].filter(([, p]) => p.patient !== undefined);
    job.patientsTotal = ids.length;
    const writer = new NdjsonWriter(dirOf(job.id), opts.maxPerFile);
    const errors = new NdjsonWriter(dirOf(job.id), Number.MAX_SAFE_INTEGER, '-errors');
    try {
      for (const [patientId, times] of ids) {
        if (opts.beforePatient) await opts.beforePatient();
        if (state.cancelled) break;
        let out: unknown[];
        try {
          out = await collect(patientId, times);
        } catch {
          out = [];
          await errors.write({
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'error', code: 'exception', diagnostics: `The record of Patient/${patientId} could not be read; it is not in this export` }]
          });
        }
        if (state.cancelled) break;
        for (const r of out as FhirResource[]) await writer.write(r);
        job.patientsDone++;
        await yieldToLoop();
      }
      await writer.close();
      await errors.close();
    } catch (err) {
      writer.destroy();
      errors.destroy();
      throw err;
    }
    job.files = writer.files;
    job.errors = errors.files[0] ?? null;
  }

  async function load(name: string, clinicId: string): Promise<Y.Doc | null> {
    const state = await deps.sync.readState(name, clinicId);
    if (!state) return null;
    const doc = new Y.Doc();
    Y.applyUpdate(doc, state);
    return doc;
  }

  function finish(state: Internal, outcome: 'done' | 'failed'): void {
    if (state.cancelled) {
      // Cancelled while running: the loop has stopped, its files go now.
      removeFiles(state.job.id);
      return;
    }
    state.job.state = outcome;
    if (outcome === 'failed') removeFiles(state.job.id);
    state.job.expiresAt = Date.now() + opts.retainMs;
    state.timer = setTimeout(() => {
      jobs.delete(state.job.id);
      removeFiles(state.job.id);
    }, opts.retainMs);
    state.timer.unref();
    try {
      deps.onFinished?.(state.job, outcome);
    } catch {
      // The audit of a finished job must not turn it into a failure.
    }
  }

  return {
    start(req) {
      const running = [...jobs.values()].filter((j) => j.job.clinicId === req.clinicId && j.job.state === 'running' && !j.cancelled).length;
      if (running >= opts.maxRunningPerClinic) throw new TooManyExports();
      const job: ExportJob = { ...req, id: randomUUID(), transactionTime: new Date().toISOString(), state: 'running', patientsDone: 0, patientsTotal: 0, files: [], errors: null, expiresAt: null };
      fs.mkdirSync(dirOf(job.id), { mode: 0o700 });
      const state: Internal = { job, cancelled: false, run: Promise.resolve() };
      jobs.set(job.id, state);
      state.run = (async () => {
        await yieldToLoop();
        await run(state);
      })().then(
        () => finish(state, 'done'),
        () => finish(state, 'failed')
      );
      return job;
    },
    get(id, owner) {
      const s = jobs.get(id);
      return s && !s.cancelled && s.job.owner === owner ? s.job : null;
    },
    settled(id) {
      return jobs.get(id)?.run ?? Promise.resolve();
    },
    remove(id, owner) {
      const s = jobs.get(id);
      if (!s || s.cancelled || s.job.owner !== owner) return false;
      s.cancelled = true;
      jobs.delete(id);
      if (s.timer) clearTimeout(s.timer);
      // A running job stops before its next patient and then deletes its files (finish); a finished one's go now.
      if (s.job.state !== 'running') removeFiles(id);
      return true;
    },
    file(id, owner, name) {
      const s = jobs.get(id);
      if (!s || s.cancelled || s.job.owner !== owner || s.job.state !== 'done') return null;
      const file = [...s.job.files, ...(s.job.errors ? [s.job.errors] : [])].find((f) => f.name === name);
      return file ? { path: path.join(dirOf(id), file.name), file } : null;
    },
    async close() {
      const all = [...jobs.values()];
      jobs.clear();
      for (const s of all) {
        s.cancelled = true;
        if (s.timer) clearTimeout(s.timer);
      }
      await Promise.all(all.map((s) => s.run));
      fs.rmSync(opts.dir, { recursive: true, force: true });
    }
  };
}
