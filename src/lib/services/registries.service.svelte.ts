import * as Y from 'yjs';
import { z } from 'zod';
import * as regDoc from '../chart/registries-doc';
import { chartFacts } from '../chart/registry-facts';
import type { Actor } from '../domain/chart';
import { parseDocName, registriesName, type DocAccess } from '../domain/doc-names';
import { AppError } from '../domain/errors';
import { displayName, type PatientSummary } from '../domain/patient';
import { BUILT_IN_REGISTRIES } from '../domain/registries/built-in-registries';
import { chartFactsSchema, EMPTY_CHART_FACTS, type ChartFacts, type PatientFacts } from '../domain/registries/patient-facts';
import type { Registry, RegistryDefinitionInput } from '../domain/registries/registry-definition';
import { buildWorklist, type RegistryWorklist } from '../domain/registries/registry-worklist';
import { toBase64 } from '../storage/base64';
import type { LiveDoc } from '../sync/live-doc';
import { openClinicDoc } from './clinic-doc';
import { reportError } from './report-error';
import { actorOf, currentWorkspace, type Workspace } from './workspace';

/**
 * Registries on the device: the facts of every chart held here (read once
 * per chart change, kept sealed in the vault with the chart's state vector
 * like the notes worklist), joined to the patient list's demographics and
 * run through the registry's rules. Works offline from whatever charts the
 * device has synced.
 */

// v2: problems coded in SNOMED CT only count through the ICD-10-CM map (registry-facts.ts); a device re-reads its charts once.
const CACHE_KEY = 'registries:facts:v2';
const cacheSchema = z.object({ charts: z.record(z.string(), z.object({ sv: z.string(), facts: chartFactsSchema })) });
type Cache = z.infer<typeof cacheSchema>;

/** The facts of every chart on the device, re-reading only the charts that changed since the last call. */
export async function chartFactsOnDevice(ws: Pick<Workspace, 'vault'> = currentWorkspace()): Promise<Map<string, ChartFacts>> {
  const previous = (await ws.vault.meta.getSealed(CACHE_KEY, cacheSchema, 'registries')) ?? { charts: {} };
  const names = (await ws.vault.docs.docNames()).filter((n) => parseDocName(n)?.kind === 'chart');
  const vectors = await ws.vault.docs.stateVectors(names);
  const next: Cache = { charts: {} };
  let changed = names.length !== Object.keys(previous.charts).length;
  for (const [i, name] of names.entries()) {
    const sv = toBase64(vectors[i]);
    const known = previous.charts[name];
    if (known && known.sv === sv) {
      next.charts[name] = known;
      continue;
    }
    changed = true;
    const doc = new Y.Doc();
    try {
      next.charts[name] = { sv, facts: (await ws.vault.docs.loadInto(name, doc, null)) ? chartFacts(doc) : EMPTY_CHART_FACTS };
    } finally {
      doc.destroy();
    }
  }
  if (changed) await ws.vault.meta.setSealed(CACHE_KEY, next);
  const out = new Map<string, ChartFacts>();
  for (const [name, c] of Object.entries(next.charts)) out.set(name.slice('chart:'.length), c.facts);
  return out;
}

/** Patients of the list with the facts of their chart (an empty chart when it is not on the device). */
export function joinFacts(patients: readonly PatientSummary[], facts: ReadonlyMap<string, ChartFacts>): PatientFacts[] {
  return patients.map((p) => ({ ...(facts.get(p.id) ?? EMPTY_CHART_FACTS), patientId: p.id, name: displayName(p.name), birthDate: p.birthDate, gender: p.gender }));
}

export async function registryWorklist(registry: Registry, patients: readonly PatientSummary[], now = new Date().toISOString(), ws: Workspace = currentWorkspace()): Promise<RegistryWorklist> {
  return buildWorklist(registry, joinFacts(patients, await chartFactsOnDevice(ws)), now);
}

/** The clinic's own registries (`registries:<clinicId>`), open on screen, live while online. */
export class LiveClinicRegistries {
  #version = $state(0);
  readonly #live: LiveDoc;
  readonly #actor: Actor;
  readonly #release: (doc: LiveDoc) => Promise<void>;
  readonly #cleanup: (() => void)[] = [];
  readonly access: DocAccess;
  #closed = false;

  constructor(live: LiveDoc, access: DocAccess, actor: Actor, release: (doc: LiveDoc) => Promise<void>) {
    this.#live = live;
    this.access = access;
    this.#actor = actor;
    this.#release = release;
    const bump = () => this.#version++;
    live.doc.on('update', bump);
    this.#cleanup.push(() => live.doc.off('update', bump));
  }

  get canEdit(): boolean {
    return this.access === 'write';
  }
  get custom(): Registry[] {
    void this.#version;
    return regDoc.listRegistries(this.#live.doc);
  }
  /** Built-in registries, then the clinic's active ones. */
  get all(): Registry[] {
    return [...BUILT_IN_REGISTRIES, ...this.custom.filter((r) => r.status === 'active')];
  }

  save(input: RegistryDefinitionInput, id?: string): string {
    if (!this.canEdit) throw new AppError('forbidden', "Only the clinic's clinicians and administrators define its registries");
    return regDoc.saveRegistry(this.#live.doc, input, this.#actor, id);
  }
  retire(id: string): void {
    if (!this.canEdit) throw new AppError('forbidden', "Only the clinic's clinicians and administrators define its registries");
    regDoc.setRegistryStatus(this.#live.doc, id, 'retired', this.#actor);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.#cleanup.splice(0)) c();
    this.#release(this.#live).catch((err: unknown) => reportError("Closing the clinic's registries", err));
  }
}

export async function openClinicRegistries(ws: Workspace = currentWorkspace()): Promise<LiveClinicRegistries> {
  const { live, access } = await openClinicDoc(ws, 'registries', registriesName(ws.user.clinicId), { isDoc: regDoc.isRegistriesDoc, init: regDoc.initRegistriesDoc, what: 'registries' });
  return new LiveClinicRegistries(live, access, actorOf(ws.user), (d) => ws.engine.release(d));
}
