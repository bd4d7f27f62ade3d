import { afterAll, beforeAll, describe, expect, it, test, vi } from 'vitest';
import * as Y from 'yjs';
import { listRegistries, saveRegistry, setRegistryStatus } from '../../src/lib/chart/registries-doc';
import { addTask, listTasks, setTaskStatus } from '../../src/lib/chart/tasks-doc';
import type { TaskInput } from '../../src/lib/domain/tasks';
import type { Author } from './policy-types';
import { desk, doctor, entryOf, liveDoc, nurse, write, ymap } from './test-factories';

/**
 * The clinic's tasks (`tasks:<clinicId>`) and registry definitions
 * (`registries:<clinicId>`) through the write policy alone: honest writes
 * through the app's own accessors are admitted; crafted ones, the way a
 * tampered client would send them, are refused and leave nothing behind.
 */

const admin: Author = { kind: 'user', userId: 'u-admin', name: 'Admin Ada', roles: ['admin'], via: 'websocket' };
const asActor = (a: Author) => ({ id: a.userId, name: a.name });
const PATIENT_ID = '4384bf23-1dc3-48ca-8c84-89fbaff201ae';
const TASK: TaskInput = {
  description: 'Review HbA1c 9.4% and adjust treatment',
  patientId: PATIENT_ID,
  owner: { kind: 'role', role: 'clinician' },
  dueDate: '2026-12-10',
  category: 'clinical',
  focus: { kind: 'registry', ref: 'diabetes', label: 'Diabetes registry' }
};
/** A task as a tampered client writes it: fields straight into the map. */
const RAW = { description: 'Call back', patientId: PATIENT_ID, ownerKind: 'role', ownerRole: 'frontdesk', dueDate: '2026-12-10', category: 'admin', focusKind: 'none', status: 'requested', createdBy: 'Dr Amani', createdById: 'u-doc' };
const craft = (key: string, fields: Record<string, unknown>) => (d: Y.Doc) => d.getMap('tasks').set(key, ymap({ id: key, ...RAW, ...fields }));
const field = (id: string, f: string, v: unknown) => (d: Y.Doc) => (d.getMap('tasks').get(id) as Y.Map<unknown>).set(f, v);

describe('clinic tasks', () => {
  // The app stamps with the device clock: a minute before the server's test clock.
  beforeAll(() => vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-04T09:59:00.000Z') }));
  afterAll(() => vi.useRealTimers());

  it('a clinician adds a task, a nurse starts and completes it', () => {
    const live = liveDoc('tasks');
    let id = '';
    expect(write(live, doctor, (d) => (id = addTask(d, TASK, asActor(doctor)))).violations).toEqual([]);
    expect(write(live, nurse, (d) => setTaskStatus(d, id, 'in-progress', asActor(nurse))).violations).toEqual([]);
    expect(write(live, nurse, (d) => setTaskStatus(d, id, 'completed', asActor(nurse))).violations).toEqual([]);
    expect(listTasks(live.doc)).toMatchObject([{ id, status: 'completed', completedBy: 'Nurse Njeri', createdBy: 'Dr Amani', owner: { kind: 'role', role: 'clinician' } }]);
  });

  it('the front desk completes an admin task but not a clinical one', () => {
    const live = liveDoc('tasks');
    let adminTask = '';
    let clinical = '';
    write(live, doctor, (d) => (adminTask = addTask(d, { ...TASK, category: 'admin', description: 'Book a diabetes review' }, asActor(doctor))));
    write(live, doctor, (d) => (clinical = addTask(d, TASK, asActor(doctor))));
    expect(write(live, desk, (d) => setTaskStatus(d, adminTask, 'completed', asActor(desk))).violations).toEqual([]);
    const refused = write(live, desk, (d) => setTaskStatus(d, clinical, 'completed', asActor(desk)));
    expect(refused.kind).toBe('refused');
    expect(refused.violations).toEqual([`refuse:tasks.role@tasks/${clinical}/status`]);
    expect(entryOf(live, 'tasks', clinical)).toMatchObject({ status: 'requested' });
    // The desk may still start it (say, having booked the visit) or cancel it with a reason.
    expect(write(live, desk, (d) => setTaskStatus(d, clinical, 'in-progress', asActor(desk))).violations).toEqual([]);
  });

  it('an administrator only reads the list', () => {
    const live = liveDoc('tasks');
    let added = '';
    const o = write(live, admin, (d) => (added = addTask(d, TASK, asActor(admin))));
    expect(o.violations).toEqual(['refuse:tasks.role@meta', `refuse:tasks.role@tasks/${added}`]);
    expect(live.doc.getMap('tasks').has(added)).toBe(false);
  });

  test.each<[string, Record<string, unknown>, string[]]>([
    ['a well-formed task (positive control)', {}, []],
    ['an unknown status', { status: 'done' }, ['refuse:tasks.entry@tasks/t/status']],
    ['a new task already completed', { status: 'completed' }, ['refuse:tasks.transition@tasks/t/status']],
    ['no description', { description: '  ' }, ['refuse:tasks.entry@tasks/t/description']],
    ['no patient', { patientId: undefined }, ['refuse:tasks.entry@tasks/t/patientId']],
    ['a patient id that is not one', { patientId: 'p-1 OR 1=1' }, ['refuse:tasks.entry@tasks/t/patientId']],
    ['no due date', { dueDate: 'soon' }, ['refuse:tasks.entry@tasks/t/dueDate']],
    ['an unknown category', { category: 'urgent' }, ['refuse:tasks.entry@tasks/t/category']],
    ['an owner role that is no staff role', { ownerRole: 'patient' }, ['refuse:tasks.entry@tasks/t/ownerKind']],
    ['a person owner without a name', { ownerKind: 'user', ownerId: 'u-nurse', ownerRole: undefined }, ['refuse:tasks.entry@tasks/t/ownerKind']],
    ['an unknown kind of prompt', { focusKind: 'rumour' }, ['refuse:tasks.entry@tasks/t/focusKind']],
    ['a description of the wrong type', { description: 42 }, ['refuse:structure.field-type@tasks/t/description', 'refuse:tasks.entry@tasks/t/description']]
  ])('a crafted task with %s', (_what, fields, expected) => {
    const live = liveDoc('tasks');
    const clean = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    const o = write(live, doctor, (d) => {
      const m = ymap({ id: 't', ...RAW, ...clean });
      for (const [k, v] of Object.entries(fields)) if (v === undefined) m.delete(k);
      d.getMap('tasks').set('t', m);
    });
    expect(o.violations).toEqual(expected);
    expect(live.doc.getMap('tasks').has('t')).toBe(expected.length === 0);
  });

  it('a completed or cancelled task stays closed; cancelling says why', () => {
    const live = liveDoc('tasks');
    expect(write(live, doctor, craft('t1', {})).violations).toEqual([]);
    expect(write(live, doctor, field('t1', 'status', 'cancelled')).violations).toEqual(['refuse:tasks.entry@tasks/t1/statusReason']);
    expect(write(live, doctor, (d) => { field('t1', 'status', 'cancelled')(d); field('t1', 'statusReason', 'Patient moved away')(d); }).violations).toEqual([]);
    expect(write(live, doctor, field('t1', 'status', 'requested')).violations).toEqual(['refuse:tasks.transition@tasks/t1/status']);
    expect(write(live, doctor, field('t1', 'dueDate', '2027-01-01')).violations).toEqual(['refuse:tasks.transition@tasks/t1/dueDate']);
    expect(entryOf(live, 'tasks', 't1')).toMatchObject({ status: 'cancelled', dueDate: '2026-12-10' });
    const del = write(live, doctor, (d) => d.getMap('tasks').delete('t1'));
    expect(del.violations[0]).toMatch(/^refuse:record\.no-delete@tasks\/t1/);
  });

  it('a task cannot be moved to another patient, nor its completion forged', () => {
    const live = liveDoc('tasks');
    write(live, doctor, craft('t2', {}));
    expect(write(live, doctor, field('t2', 'patientId', '0a4d58b1-3f3a-4a53-9b3c-6d1d5c2e1f00')).violations).toEqual(['refuse:record.immutable@tasks/t2/patientId']);
    expect(write(live, nurse, (d) => { field('t2', 'status', 'completed')(d); field('t2', 'completedById', 'u-doc')(d); }).violations).toEqual(['refuse:provenance.forged-id@tasks/t2/completedById']);
  });

  it('the meta names this clinic and this kind', () => {
    const live = liveDoc('tasks');
    expect(write(live, desk, (d) => d.getMap('meta').set('clinicId', 'clinic-a')).violations).toEqual([]);
    expect(write(live, desk, (d) => d.getMap('meta').set('clinicId', 'clinic-b')).violations).toEqual(['refuse:meta.identity@meta/clinicId']);
    expect(write(live, desk, (d) => d.getMap('meta').set('kind', 'schedule')).violations).toEqual(['refuse:meta.identity@meta/kind']);
  });
});

describe('clinic registry definitions', () => {
  beforeAll(() => vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-04T09:59:00.000Z') }));
  afterAll(() => vi.useRealTimers());
  const DEF = { name: 'Diabetic women 40+', rules: [{ kind: 'condition' as const, icd10Prefixes: ['E11'] }, { kind: 'sex' as const, sex: 'female' as const }, { kind: 'age' as const, minYears: 40 }] };
  const RAW_REG = { name: 'R', description: '', rules: [{ kind: 'pregnant' }], filters: [], status: 'active', createdBy: 'Dr Amani', createdById: 'u-doc' };
  const craftReg = (key: string, fields: Record<string, unknown>) => (d: Y.Doc) => d.getMap('registries').set(key, ymap({ id: key, ...RAW_REG, ...fields }));

  it('a clinician defines, changes and retires a registry; an administrator may too', () => {
    const live = liveDoc('registries');
    let id = '';
    expect(write(live, doctor, (d) => (id = saveRegistry(d, DEF, asActor(doctor)))).violations).toEqual([]);
    expect(write(live, admin, (d) => saveRegistry(d, { ...DEF, name: 'Diabetic women over 40' }, asActor(admin), id)).violations).toEqual([]);
    expect(write(live, doctor, (d) => setRegistryStatus(d, id, 'retired', asActor(doctor))).violations).toEqual([]);
    expect(listRegistries(live.doc)).toMatchObject([{ id, name: 'Diabetic women over 40', status: 'retired', rules: DEF.rules, updatedBy: 'Dr Amani' }]);
  });

  it.each([
    ['a nurse', nurse],
    ['the front desk', desk]
  ])('%s may not define one', (_who, author) => {
    const live = liveDoc('registries');
    let id = '';
    const o = write(live, author, (d) => (id = saveRegistry(d, DEF, asActor(author))));
    expect(o.violations).toEqual(['refuse:registries.role@meta', `refuse:registries.role@registries/${id}`]);
    expect(live.doc.getMap('registries').has(id)).toBe(false);
  });

  test.each<[string, Record<string, unknown>, string[]]>([
    ['a well-formed definition (positive control)', {}, []],
    ['an unknown rule kind', { rules: [{ kind: 'postcode', value: 'SW1' }] }, ['refuse:registries.definition@registries/r/rules']],
    ['a condition "code" that is not one', { rules: [{ kind: 'condition', icd10Prefixes: ["E11'; DROP"] }] }, ['refuse:registries.definition@registries/r/rules']],
    ['a result rule testing nothing', { rules: [{ kind: 'result', loinc: '4548-4' }] }, ['refuse:registries.definition@registries/r/rules']],
    ['no rules at all', { rules: [] }, ['refuse:registries.definition@registries/r/rules']],
    ['no name', { name: '' }, ['refuse:registries.definition@registries/r/name']],
    ['a key result that is no LOINC code', { keyResult: 'HbA1c' }, ['refuse:registries.definition@registries/r/keyResult']],
    ['an unknown status', { status: 'deleted' }, ['refuse:registries.definition@registries/r/status']],
    ['rules of the wrong type', { rules: 'everyone' }, ['refuse:structure.field-type@registries/r/rules', 'refuse:registries.definition@registries/r/rules']]
  ])('a crafted registry with %s', (_what, fields, expected) => {
    const live = liveDoc('registries');
    const o = write(live, doctor, craftReg('r', fields));
    expect(o.violations).toEqual(expected);
    expect(live.doc.getMap('registries').has('r')).toBe(expected.length === 0);
  });
});
