import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { listClinicTemplates, saveClinicTemplate, setClinicTemplateStatus } from '../../src/lib/chart/templates-doc';
import type { Author } from './policy-types';
import { desk, doctor, entryOf, liveDoc, nurse, write, ymap } from './test-factories';

/**
 * A clinic's own visit templates (`templates:<clinicId>`): who may write
 * them and what a template may hold, through the write policy alone. Honest
 * writes go through the app's own accessor (templates-doc.ts); the refused
 * ones are crafted the way a tampered client would send them.
 */

const admin: Author = { kind: 'user', userId: 'u-admin', name: 'Admin Ada', roles: ['admin'], via: 'websocket' };
const asActor = (a: Author) => ({ id: a.userId, name: a.name });
const INPUT = { name: 'Malaria follow-up', visitType: 'Follow-up', sections: { subjective: 'Fever since last visit: ', objective: 'Temperature: ', assessment: '', plan: 'Next review: ' } };

describe('clinic visit templates', () => {
  // The app stamps templates with the device clock: a minute before the server's test clock.
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-04T09:59:00.000Z') });
  });
  afterAll(() => {
    vi.useRealTimers();
  });
  it('a clinician adds, edits and retires a template; an administrator may too', () => {
    const live = liveDoc('templates');
    let id = '';
    expect(write(live, doctor, (d) => (id = saveClinicTemplate(d, INPUT, asActor(doctor)))).violations).toEqual([]);
    expect(entryOf(live, 'templates', id)).toMatchObject({ id, name: 'Malaria follow-up', visitType: 'Follow-up', status: 'active', subjective: 'Fever since last visit: ', createdBy: 'Dr Amani', updatedBy: 'Dr Amani' });
    expect(write(live, admin, (d) => saveClinicTemplate(d, { ...INPUT, name: 'Malaria review' }, asActor(admin), id)).violations).toEqual([]);
    expect(write(live, doctor, (d) => setClinicTemplateStatus(d, id, 'retired', asActor(doctor))).violations).toEqual([]);
    expect(listClinicTemplates(live.doc)).toMatchObject([{ id, name: 'Malaria review', status: 'retired', updatedBy: 'Dr Amani' }]);
  });

  it.each([
    ['a nurse', nurse],
    ['the front desk', desk]
  ])('%s may not add, change or retire one (refused, stored template unchanged)', (_who, author) => {
    const live = liveDoc('templates');
    let id = '';
    write(live, doctor, (d) => (id = saveClinicTemplate(d, INPUT, asActor(doctor))));
    let added = '';
    const add = write(live, author, (d) => (added = saveClinicTemplate(d, INPUT, asActor(author))));
    expect(add.kind).toBe('refused');
    expect(add.violations).toEqual([`refuse:templates.role@templates/${added}`]);
    expect(live.doc.getMap('templates').has(added)).toBe(false);
    expect(write(live, author, (d) => saveClinicTemplate(d, { ...INPUT, name: 'Changed' }, asActor(author), id)).violations).toEqual([`refuse:templates.role@templates/${id}`]);
    expect(write(live, author, (d) => setClinicTemplateStatus(d, id, 'retired', asActor(author))).violations).toEqual([`refuse:templates.role@templates/${id}`]);
    expect(write(live, author, (d) => d.getMap('meta').set('kind', 'templates')).violations).toEqual(['refuse:templates.role@meta']);
    expect(listClinicTemplates(live.doc)).toMatchObject([{ id, name: 'Malaria follow-up', status: 'active' }]);
  });

  it('refuses a crafted template without a name, under another id, with an unknown status or oversized text', () => {
    const live = liveDoc('templates');
    const craft = (key: string, fields: Record<string, unknown>) => (d: Y.Doc) => d.getMap('templates').set(key, ymap({ id: key, name: 'T', status: 'active', ...fields }));
    expect(write(live, doctor, craft('t-ok', {})).violations).toEqual([]);
    expect(write(live, doctor, craft('t1', { name: '  ' })).violations).toEqual(['refuse:templates.entry@templates/t1/name']);
    expect(write(live, doctor, craft('t2', { id: 't-other' })).violations).toEqual(['refuse:record.immutable@templates/t2/id']);
    expect(write(live, doctor, craft('t3', { status: 'deleted' })).violations).toEqual(['refuse:structure.field-type@templates/t3/status', 'refuse:templates.entry@templates/t3/status']);
    expect(write(live, doctor, craft('t4', { plan: 'x'.repeat(4001) })).violations).toEqual(['refuse:templates.entry@templates/t4/plan']);
    expect(write(live, doctor, craft('t5', { plan: 'x'.repeat(4000), name: 'n'.repeat(80), visitType: 'v'.repeat(80) })).violations).toEqual([]);
    expect(write(live, doctor, craft('t6', { name: 'n'.repeat(81) })).violations).toEqual(['refuse:templates.entry@templates/t6/name']);
    expect(write(live, doctor, craft('t7', { subjective: 42 })).violations).toEqual(['refuse:structure.field-type@templates/t7/subjective']);
    expect(live.doc.getMap('templates').has('t1')).toBe(false);
    expect(live.doc.getMap('templates').has('t4')).toBe(false);
  });

  it('a template is retired, never deleted; its name cannot be emptied later', () => {
    const live = liveDoc('templates');
    let id = '';
    write(live, doctor, (d) => (id = saveClinicTemplate(d, INPUT, asActor(doctor))));
    const del = write(live, doctor, (d) => d.getMap('templates').delete(id));
    expect(del.kind).toBe('refused');
    expect(del.violations[0]).toMatch(/^refuse:record\.no-delete@templates\//);
    expect(write(live, doctor, (d) => (d.getMap('templates').get(id) as Y.Map<unknown>).set('name', '')).violations).toEqual([`refuse:templates.entry@templates/${id}/name`]);
    expect(entryOf(live, 'templates', id)).toMatchObject({ name: 'Malaria follow-up' });
  });

  it('the meta names this clinic and this kind', () => {
    const live = liveDoc('templates');
    expect(write(live, doctor, (d) => d.getMap('meta').set('clinicId', 'clinic-a')).violations).toEqual([]);
    expect(write(live, doctor, (d) => d.getMap('meta').set('clinicId', 'clinic-b')).violations).toEqual(['refuse:meta.identity@meta/clinicId']);
    expect(write(live, doctor, (d) => d.getMap('meta').set('kind', 'schedule')).violations).toEqual(['refuse:meta.identity@meta/kind']);
  });

  it('a template forged with another clinician as its author names the one who sent it', () => {
    const live = liveDoc('templates');
    const o = write(live, doctor, (d) => d.getMap('templates').set('t9', ymap({ id: 't9', name: 'T', status: 'active', createdBy: 'Dr Someone', createdById: 'u-other' })));
    expect(o.violations).toEqual(['correct:provenance.forged-name@templates/t9/createdBy', 'refuse:provenance.forged-id@templates/t9/createdById']);
  });
});
