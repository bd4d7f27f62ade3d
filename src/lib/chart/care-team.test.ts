import { expect, test } from 'vitest';
import * as Y from 'yjs';
import { initChartDoc } from './chart-doc';
import { addCareTeamMember, endCareTeamMember, listCareTeam } from './care-team';
import { currentCareTeam } from '../domain/care-team';

const dr = { id: 'u1', name: 'Dr. Test' };

function chart(): Y.Doc {
  const doc = new Y.Doc();
  initChartDoc(doc, '4384bf23-1dc3-48ca-8c84-89fbaff201ae');
  return doc;
}

test('members are added with role and since, and removing one ends the membership without deleting it', () => {
  const doc = chart();
  const a = addCareTeamMember(doc, { name: 'Dr. Ada Okafor', role: 'Primary care physician', userId: 'u9', since: '2019-04-01' }, dr);
  addCareTeamMember(doc, { name: 'Sam Rivera', role: 'Care coordinator', since: '2024-02-10' }, dr);
  expect(currentCareTeam(listCareTeam(doc)).map((m) => [m.name, m.role, m.since])).toEqual([
    ['Dr. Ada Okafor', 'Primary care physician', '2019-04-01'],
    ['Sam Rivera', 'Care coordinator', '2024-02-10']
  ]);
  endCareTeamMember(doc, a, dr);
  expect(currentCareTeam(listCareTeam(doc)).map((m) => m.name)).toEqual(['Sam Rivera']);
  expect(listCareTeam(doc).find((m) => m.id === a)).toMatchObject({ endedBy: 'Dr. Test', endedAt: expect.any(String), addedBy: 'Dr. Test' });
});

test('bad input says which field; the same person in the same role twice is refused', () => {
  const doc = chart();
  expect(() => addCareTeamMember(doc, { name: ' ', role: 'Pharmacist', since: '2024-01-01' }, dr)).toThrow(
    expect.objectContaining({ code: 'invalid', details: [expect.objectContaining({ path: 'name' })] })
  );
  expect(() => addCareTeamMember(doc, { name: 'Kim', role: 'Pharmacist', since: '1 Jan 2024' }, dr)).toThrow(
    expect.objectContaining({ details: [expect.objectContaining({ path: 'since', message: 'Use YYYY-MM-DD' })] })
  );
  addCareTeamMember(doc, { name: 'Kim Lee', role: 'Pharmacist', since: '2024-01-01' }, dr);
  expect(() => addCareTeamMember(doc, { name: 'kim lee', role: 'Pharmacist', since: '2025-01-01' }, dr)).toThrow(/already on the care team/);
  expect(() => endCareTeamMember(doc, 'nope', dr)).toThrow(expect.objectContaining({ code: 'not-found' }));
});

test('two devices adding members offline both keep theirs', () => {
  const a = chart();
  const b = new Y.Doc();
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
  addCareTeamMember(a, { name: 'Dr. One', role: 'Primary care physician', since: '2024-01-01' }, dr);
  addCareTeamMember(b, { name: 'Nurse Two', role: 'Registered nurse', since: '2024-01-02' }, dr);
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
  expect(currentCareTeam(listCareTeam(a)).map((m) => m.name)).toEqual(['Dr. One', 'Nurse Two']);
});
