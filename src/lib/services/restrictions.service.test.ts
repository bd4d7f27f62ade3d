import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { initChartDoc, listConditions } from '../chart/chart-doc';
import { AppError } from '../domain/errors';
import { restrictionState } from './restriction-state.svelte';
import { addRestrictedProblem, readRestrictedPart, writeRestrictedNote } from './restrictions.service';

const PID = '7c2e3f41-5d6f-4e80-9b92-a3bc4d5e6f70';
const actor = { id: 'u1', name: 'Dr Amara' };

function part(): Y.Doc {
  const doc = new Y.Doc();
  initChartDoc(doc, PID, 'restricted');
  return doc;
}

describe('the restricted part', () => {
  it('keeps a signed note with its category and its author', () => {
    const doc = part();
    writeRestrictedNote(doc, 'hiv', '  Viral load undetectable; continue current regimen.  ', actor);
    const { notes } = readRestrictedPart(doc);
    expect(notes.map((n) => [n.type, n.text, n.signedBy])).toEqual([['Restricted note: HIV', 'Viral load undetectable; continue current regimen.', 'Dr Amara']]);
    expect(doc.getMap('meta').get('kind')).toBe('restricted');
  });

  it('refuses an empty note, and a problem coded outside the category chosen', () => {
    const doc = part();
    expect(() => writeRestrictedNote(doc, 'mental-health', '   ', actor)).toThrow(AppError);
    expect(() => addRestrictedProblem(doc, { category: 'hiv', text: 'Depression', code: 'F32.1' }, actor)).toThrow('The code is not in the part of the record chosen');
    expect(listConditions(doc)).toEqual([]);
    addRestrictedProblem(doc, { category: 'mental-health', text: 'Depression', code: 'f32.1' }, actor);
    expect(readRestrictedPart(doc).problems.map((p) => [p.code.text, p.code.coding?.[0].code])).toEqual([['Depression', 'F32.1']]);
  });
});

describe('the warning before a restricted kind of problem goes into the open chart', () => {
  it('names the restricted part to a named user, says only "restricted" to others, and stays quiet otherwise', () => {
    restrictionState.reset();
    expect(restrictionState.warningFor(PID, 'F32.1')).toBeNull();
    restrictionState.set(PID, { named: ['mental-health'], hidden: false });
    expect(restrictionState.warningFor(PID, 'F32.1')).toEqual({ kind: 'named', category: 'mental-health' });
    expect(restrictionState.warningFor(PID, 'I10')).toBeNull();
    expect(restrictionState.warningFor(PID, 'B20')).toBeNull();
    restrictionState.set(PID, { named: [], hidden: true });
    expect(restrictionState.warningFor(PID, 'B20')).toEqual({ kind: 'hidden' });
    expect(restrictionState.warningFor(PID, 'I10')).toBeNull();
  });
});
