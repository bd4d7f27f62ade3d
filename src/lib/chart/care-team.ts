import * as Y from 'yjs';
import type { Actor } from '../domain/chart';
import { careTeamMemberInputSchema, type CareTeamMember, type CareTeamMemberInput } from '../domain/care-team';
import { AppError } from '../domain/errors';
import { migrate, newId, nowIso, str } from './schema';

/**
 * The care team in a `chart:` document: top-level Y.Map `careTeam`, one
 * Y.Map per membership. Removing someone ends the membership (endedAt,
 * endedBy); nothing is deleted. Plain Yjs writes, so they work offline.
 */

type Entry = Y.Map<unknown>;

function careTeam(doc: Y.Doc): Y.Map<Entry> {
  return doc.getMap('careTeam') as Y.Map<Entry>;
}

/** Adds a member. Throws AppError('invalid') with field paths; 'conflict' when that person already holds that role. */
export function addCareTeamMember(doc: Y.Doc, input: CareTeamMemberInput, actor: Actor): string {
  const parsed = careTeamMemberInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError(
      'invalid',
      'The care team member is not valid',
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
    );
  }
  const m = parsed.data;
  const same = (x: CareTeamMember) => !x.endedAt && x.role === m.role && (m.userId ? x.userId === m.userId : x.name.toLowerCase() === m.name.toLowerCase());
  if (listCareTeam(doc).some(same)) throw new AppError('conflict', `${m.name} is already on the care team as ${m.role}`);
  migrate(doc);
  const id = newId();
  doc.transact(() => {
    const e = new Y.Map<unknown>();
    careTeam(doc).set(id, e);
    e.set('id', id);
    e.set('name', m.name);
    e.set('role', m.role);
    if (m.userId) e.set('userId', m.userId);
    e.set('since', m.since);
    e.set('addedAt', nowIso());
    e.set('addedBy', actor.name);
  }, 'local');
  return id;
}

/** Ends a membership (the person no longer looks after this patient). */
export function endCareTeamMember(doc: Y.Doc, id: string, actor: Actor): void {
  const e = careTeam(doc).get(id);
  if (!(e instanceof Y.Map)) throw new AppError('not-found', 'That person is not on this care team');
  if (str(e, 'endedAt')) return;
  doc.transact(() => {
    e.set('endedAt', nowIso());
    e.set('endedBy', actor.name);
  }, 'local');
}

/** Every membership, current and ended, in the order added. */
export function listCareTeam(doc: Y.Doc): CareTeamMember[] {
  const out: CareTeamMember[] = [];
  careTeam(doc).forEach((e, id) => {
    if (!(e instanceof Y.Map) || !str(e, 'name')) return;
    out.push({
      id,
      name: str(e, 'name'),
      role: str(e, 'role'),
      userId: str(e, 'userId') || undefined,
      since: str(e, 'since'),
      addedAt: str(e, 'addedAt'),
      addedBy: str(e, 'addedBy'),
      endedAt: str(e, 'endedAt') || undefined,
      endedBy: str(e, 'endedBy') || undefined
    });
  });
  return out.sort((a, b) => a.addedAt.localeCompare(b.addedAt) || a.id.localeCompare(b.id));
}
