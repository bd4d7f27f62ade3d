import * as tpl from '../chart/templates-doc';
import { migrate } from '../chart/schema';
import type { Actor } from '../domain/chart';
import { docAccess, templatesName, type DocAccess } from '../domain/doc-names';
import { AppError } from '../domain/errors';
import type { ClinicTemplate, ClinicTemplateInput } from '../domain/visit-templates';
import type { LiveDoc } from '../sync/live-doc';
import { reportError } from './report-error';
import { actorOf, currentWorkspace, type Workspace } from './workspace';

/**
 * The clinic's own visit templates (`templates:<clinicId>`), open on screen:
 * from the device when it holds them, otherwise fetched first, then live
 * while online, so a template added at the desk computer is offered in a
 * visit on the tablet. Clinicians and administrators edit; nurses only use
 * them (the server holds the same rule).
 */
export class LiveClinicTemplates {
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
  /** Every template, retired ones last. */
  get all(): ClinicTemplate[] {
    void this.#version;
    return tpl.listClinicTemplates(this.#live.doc);
  }
  /** The templates offered in a visit. */
  get active(): ClinicTemplate[] {
    return this.all.filter((t) => t.status === 'active');
  }

  save(input: ClinicTemplateInput, id?: string): string {
    this.#assertWritable();
    return tpl.saveClinicTemplate(this.#live.doc, input, this.#actor, id);
  }
  retire(id: string): void {
    this.#assertWritable();
    tpl.setClinicTemplateStatus(this.#live.doc, id, 'retired', this.#actor);
  }
  reinstate(id: string): void {
    this.#assertWritable();
    tpl.setClinicTemplateStatus(this.#live.doc, id, 'active', this.#actor);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.#cleanup.splice(0)) c();
    this.#release(this.#live).catch((err: unknown) => reportError("Closing the clinic's templates", err));
  }

  #assertWritable(): void {
    if (this.access !== 'write') throw new AppError('forbidden', "Only the clinic's clinicians and administrators change its visit templates");
  }
}

/**
 * Opens the clinic's templates. Throws AppError('forbidden') for a role
 * without access, AppError('not-found') when they are neither on the device
 * nor reachable.
 */
export async function openClinicTemplates(ws: Workspace = currentWorkspace()): Promise<LiveClinicTemplates> {
  const access = docAccess(ws.user.roles, 'templates');
  if (access === 'none') throw new AppError('forbidden', "Your role does not use the clinic's visit templates");
  const name = templatesName(ws.user.clinicId);
  let serverChecked = false;
  if (!(await ws.vault.docs.has(name))) {
    try {
      const failed = await ws.engine.pull([name]);
      if (failed.some((f) => f.code === 'forbidden')) throw new AppError('forbidden', "You do not have access to this clinic's templates");
      serverChecked = true;
    } catch (err) {
      if (err instanceof AppError && err.code === 'unavailable') {
        throw new AppError('not-found', "The clinic's own templates are not on this device yet, and the clinic server cannot be reached to fetch them. Connect once, then they work offline.");
      }
      throw err;
    }
  }
  const live = await ws.engine.acquire(name);
  try {
    if (access === 'write') {
      // The first clinician to open the clinic's templates sets the document up, once the server said it has none.
      if (!tpl.isTemplatesDoc(live.doc) && serverChecked) tpl.initTemplatesDoc(live.doc, ws.user.clinicId);
      else if (tpl.isTemplatesDoc(live.doc)) migrate(live.doc);
    }
  } catch (err) {
    await ws.engine.release(live);
    throw err;
  }
  return new LiveClinicTemplates(live, access, actorOf(ws.user), (d) => ws.engine.release(d));
}
