import * as Y from 'yjs';
import type { Actor } from '../domain/chart';
import { NOTE_SECTIONS, type NoteSection } from '../domain/chart';
import { AppError } from '../domain/errors';
import { clinicTemplateInputSchema, TEMPLATE_STATUSES, type ClinicTemplate, type ClinicTemplateInput, type TemplateStatus } from '../domain/visit-templates';
import { metaOf, migrate, newId, nowIso, str, SCHEMA_VERSION } from './schema';

/**
 * Typed access to a clinic's `templates:<clinicId>` document: the visit
 * templates its clinicians defined. Each template is a Y.Map of flat fields
 * in the `templates` map, keyed by id, so two clinicians editing different
 * sections of one template both keep their change. A template is never
 * deleted: it is retired (no longer offered) and can be offered again.
 */

type Entry = Y.Map<unknown>;

function templatesOf(doc: Y.Doc): Y.Map<Entry> {
  return doc.getMap('templates') as Y.Map<Entry>;
}

export function initTemplatesDoc(doc: Y.Doc, clinicId: string): void {
  doc.transact(() => {
    const meta = metaOf(doc);
    if (meta.get('schemaVersion') === undefined) meta.set('schemaVersion', SCHEMA_VERSION);
    meta.set('kind', 'templates');
    meta.set('clinicId', clinicId);
  }, 'local');
}

/** True once the document was set up (by the first clinician or administrator to open it). */
export function isTemplatesDoc(doc: Y.Doc): boolean {
  return metaOf(doc).get('kind') === 'templates';
}

function invalid(err: { issues: { path: PropertyKey[]; message: string }[] }): AppError {
  return new AppError(
    'invalid',
    'The template is not valid',
    err.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
  );
}

/**
 * Adds a template (no `id`) or rewrites one. Only fields that differ are
 * written, so an edit of one section does not undo a colleague's edit of
 * another made meanwhile. Returns the template's id.
 */
export function saveClinicTemplate(doc: Y.Doc, input: ClinicTemplateInput, actor: Actor, id?: string): string {
  const parsed = clinicTemplateInputSchema.safeParse(input);
  if (!parsed.success) throw invalid(parsed.error);
  const map = templatesOf(doc);
  if (id !== undefined && !map.has(id)) throw new AppError('not-found', 'This template is not in the clinic’s list on this device');
  const key = id ?? newId();
  const now = nowIso();
  migrate(doc);
  doc.transact(() => {
    let entry = map.get(key);
    if (!entry) {
      entry = new Y.Map<unknown>();
      map.set(key, entry);
      entry.set('id', key);
      entry.set('status', 'active');
      entry.set('createdAt', now);
      entry.set('createdBy', actor.name);
      entry.set('createdById', actor.id);
    }
    const fields: Record<string, string> = { name: parsed.data.name, visitType: parsed.data.visitType, ...parsed.data.sections };
    for (const [f, v] of Object.entries(fields)) if (entry.get(f) !== v) entry.set(f, v);
    stamp(entry, actor, now);
  }, 'local');
  return key;
}

/** Retires a template (no longer offered in visits) or offers it again. */
export function setClinicTemplateStatus(doc: Y.Doc, id: string, status: TemplateStatus, actor: Actor): void {
  const entry = templatesOf(doc).get(id);
  if (!entry) throw new AppError('not-found', 'This template is not in the clinic’s list on this device');
  if (entry.get('status') === status) return;
  doc.transact(() => {
    entry.set('status', status);
    stamp(entry, actor, nowIso());
  }, 'local');
}

function stamp(entry: Entry, actor: Actor, now: string): void {
  entry.set('updatedAt', now);
  entry.set('updatedBy', actor.name);
  entry.set('updatedById', actor.id);
}

/** Every template the document holds, active first then by name; entries without a name are skipped. */
export function listClinicTemplates(doc: Y.Doc): ClinicTemplate[] {
  const out: ClinicTemplate[] = [];
  templatesOf(doc).forEach((entry, key) => {
    if (!(entry instanceof Y.Map)) return;
    const name = str(entry, 'name').trim();
    if (!name) return;
    const status = str(entry, 'status', 'active');
    const sections: Partial<Record<NoteSection, string>> = {};
    for (const s of NOTE_SECTIONS) {
      const t = str(entry, s);
      if (t.trim()) sections[s] = t;
    }
    out.push({
      id: key,
      name,
      visitType: str(entry, 'visitType'),
      sections,
      status: (TEMPLATE_STATUSES as readonly string[]).includes(status) ? (status as TemplateStatus) : 'active',
      updatedAt: str(entry, 'updatedAt'),
      updatedBy: str(entry, 'updatedBy')
    });
  });
  return out.sort((a, b) => Number(a.status === 'retired') - Number(b.status === 'retired') || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
