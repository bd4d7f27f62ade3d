import * as Y from 'yjs';
import type { Actor } from '../domain/chart';
import { AppError } from '../domain/errors';
import { registryDefinitionSchema, REGISTRY_STATUSES, type Registry, type RegistryDefinitionInput, type RegistryStatus } from '../domain/registries/registry-definition';
import { metaOf, migrate, newId, nowIso, str, SCHEMA_VERSION } from './schema';

/**
 * Typed access to a clinic's `registries:<clinicId>` document: the
 * registries its clinicians defined. Each is a Y.Map in `registries`, keyed
 * by id, with its rules as one plain JSON value (a definition is replaced
 * whole: half of one clinician's rules merged with half of another's would
 * define a list nobody asked for). Never deleted: retired. Every entry is
 * read back through the definition schema, so a damaged one is left out
 * rather than listing the wrong patients.
 */

type Entry = Y.Map<unknown>;

function registriesOf(doc: Y.Doc): Y.Map<Entry> {
  return doc.getMap('registries') as Y.Map<Entry>;
}

export function initRegistriesDoc(doc: Y.Doc, clinicId: string): void {
  doc.transact(() => {
    const meta = metaOf(doc);
    if (meta.get('schemaVersion') === undefined) meta.set('schemaVersion', SCHEMA_VERSION);
    meta.set('kind', 'registries');
    meta.set('clinicId', clinicId);
  }, 'local');
}

export function isRegistriesDoc(doc: Y.Doc): boolean {
  return metaOf(doc).get('kind') === 'registries';
}

/** Adds a registry (no `id`) or replaces one's definition; returns its id. */
export function saveRegistry(doc: Y.Doc, input: RegistryDefinitionInput, actor: Actor, id?: string): string {
  const parsed = registryDefinitionSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError('invalid', 'The registry is not valid', parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })));
  }
  const map = registriesOf(doc);
  if (id !== undefined && !map.has(id)) throw new AppError('not-found', 'This registry is not in the clinic’s list on this device');
  const key = id ?? newId();
  const now = nowIso();
  migrate(doc);
  doc.transact(() => {
    let e = map.get(key);
    if (!e) {
      e = new Y.Map<unknown>();
      map.set(key, e);
      e.set('id', key);
      e.set('status', 'active');
      e.set('createdAt', now);
      e.set('createdBy', actor.name);
      e.set('createdById', actor.id);
    }
    const d = parsed.data;
    e.set('name', d.name);
    e.set('description', d.description);
    e.set('rules', d.rules);
    e.set('filters', d.filters);
    if (d.keyResult) e.set('keyResult', d.keyResult);
    else if (e.has('keyResult')) e.delete('keyResult');
    e.set('updatedAt', now);
    e.set('updatedBy', actor.name);
    e.set('updatedById', actor.id);
  }, 'local');
  return key;
}

export function setRegistryStatus(doc: Y.Doc, id: string, status: RegistryStatus, actor: Actor): void {
  const e = registriesOf(doc).get(id);
  if (!(e instanceof Y.Map)) throw new AppError('not-found', 'This registry is not in the clinic’s list on this device');
  doc.transact(() => {
    e.set('status', status);
    e.set('updatedAt', nowIso());
    e.set('updatedBy', actor.name);
    e.set('updatedById', actor.id);
  }, 'local');
}

/** The clinic's registries, active first then by name; invalid entries are skipped. */
export function listRegistries(doc: Y.Doc): Registry[] {
  const out: Registry[] = [];
  registriesOf(doc).forEach((e, id) => {
    if (!(e instanceof Y.Map)) return;
    const keyResult = e.get('keyResult');
    const parsed = registryDefinitionSchema.safeParse({ name: e.get('name'), description: e.get('description') ?? '', rules: e.get('rules'), filters: e.get('filters') ?? [], ...(keyResult !== undefined ? { keyResult } : {}) });
    if (!parsed.success) return;
    const status = str(e, 'status', 'active');
    out.push({
      ...parsed.data,
      id,
      builtIn: false,
      status: (REGISTRY_STATUSES as readonly string[]).includes(status) ? (status as RegistryStatus) : 'active',
      updatedBy: str(e, 'updatedBy'),
      updatedAt: str(e, 'updatedAt')
    });
  });
  return out.sort((a, b) => Number(a.status === 'retired') - Number(b.status === 'retired') || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
