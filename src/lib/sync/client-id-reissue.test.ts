import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addAllergy, addEncounter, listAllergies, noteSection } from '../chart/chart-doc';
import { freshClientId, reissueClient } from './client-id-reissue';

/**
 * Two devices that wrote under one Yjs client id: the second device's copy,
 * rewritten from the clock where they part, merges into the first's without
 * losing either device's edits.
 */
const me = { id: 'u1', name: 'Nurse Njeri' };

function twins(): { a: Y.Doc; b: Y.Doc; shared: Uint8Array } {
  const base = new Y.Doc();
  const visit = addEncounter(base, { class: 'ambulatory', type: 'Visit', reason: 'Cough' }, me);
  noteSection(base, visit, 'subjective').insert(0, 'Cough for a week. ');
  const shared = Y.encodeStateAsUpdate(base);
  const a = new Y.Doc();
  const b = new Y.Doc();
  Y.applyUpdate(a, shared);
  Y.applyUpdate(b, shared);
  // Restored from the same backup into the same session: both go on writing under the original's id.
  a.clientID = b.clientID = base.clientID;
  return { a, b, shared };
}

describe('reissuing a device’s edits under a new client id', () => {
  it('keeps both devices’ edits: text typed at the same place, an allergy each, a deletion', () => {
    const { a, b } = twins();
    const visitId = [...a.getMap('encounters').keys()][0];
    const client = a.clientID;
    const fork = Y.getState(a.store, client);
    noteSection(a, visitId, 'subjective').insert(18, 'No fever.');
    addAllergy(a, { substance: 'Penicillin', category: 'medication' }, me);
    noteSection(b, visitId, 'subjective').insert(18, 'Sleeps badly.');
    noteSection(b, visitId, 'subjective').delete(0, 6);
    addAllergy(b, { substance: 'Latex', category: 'environment' }, me);

    // The server holds a's; b's edits use the same names from `fork` on.
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(a));
    const naive = new Y.Doc();
    Y.applyUpdate(naive, Y.encodeStateAsUpdate(server));
    Y.applyUpdate(naive, Y.encodeStateAsUpdate(b));
    // What Yjs alone does: b's edits under names the server already holds are taken as known, and lost.
    expect(listAllergies(naive).map((x) => x.code.text)).not.toContain('Latex');

    const full = Y.encodeStateAsUpdate(b);
    const fixed = reissueClient(full, client, fork, freshClientId(full));
    Y.applyUpdate(server, fixed);
    expect(listAllergies(server).map((x) => x.code.text).sort()).toEqual(['Latex', 'Penicillin']);
    const text = noteSection(server, visitId, 'subjective').toString();
    expect(text).toContain('No fever.');
    expect(text).toContain('Sleeps badly.');
    expect(text.startsWith('for a week.')).toBe(true);

    // The rewritten copy, loaded on its own, reads exactly as b did.
    const alone = new Y.Doc();
    Y.applyUpdate(alone, fixed);
    expect(noteSection(alone, visitId, 'subjective').toString()).toBe(noteSection(b, visitId, 'subjective').toString());
    expect(listAllergies(alone).map((x) => x.code.text)).toEqual(['Latex']);
  });

  it('splits a struct that spans the clock where the devices part', () => {
    const { a, b } = twins();
    const visitId = [...a.getMap('encounters').keys()][0];
    const client = a.clientID;
    // Both type into one run of text (merged into one struct), but part half way.
    noteSection(a, visitId, 'plan').insert(0, 'Rest');
    noteSection(b, visitId, 'plan').insert(0, 'Rest');
    const fork = Y.getState(a.store, client);
    noteSection(a, visitId, 'plan').insert(4, ' and fluids');
    noteSection(b, visitId, 'plan').insert(4, ' and recheck');
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(a));
    const full = Y.encodeStateAsUpdate(b);
    const structs = Y.decodeUpdate(full).structs.filter((s) => s.id.client === client && s.id.clock < fork && s.id.clock + s.length > fork);
    expect(structs.length).toBeGreaterThan(0); // a struct really spans the fork
    Y.applyUpdate(server, reissueClient(full, client, fork, freshClientId(full)));
    const plan = noteSection(server, visitId, 'plan').toString();
    expect(plan.startsWith('Rest')).toBe(true);
    expect(plan).toContain(' and fluids');
    expect(plan).toContain(' and recheck');
    expect(plan.match(/Rest/g)).toHaveLength(1);
  });
});
