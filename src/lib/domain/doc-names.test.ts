import { describe, expect, test } from 'vitest';
import { clinicOfName, docAccess, docName, feesName, parseDocName, registriesName, scheduleName, tasksName, templatesName, type DocKind } from './doc-names';
import type { Role } from './roles';

const id = '4384bf23-1dc3-48ca-8c84-89fbaff201ae';

describe('parseDocName', () => {
  test('round-trips both kinds', () => {
    expect(parseDocName(docName('patient', id))).toEqual({ kind: 'patient', patientId: id });
    expect(parseDocName(docName('chart', id))).toEqual({ kind: 'chart', patientId: id });
  });
  test('a schedule is named by its clinic, and the name binds it to that clinic', () => {
    const parsed = parseDocName(scheduleName(id));
    expect(parsed).toEqual({ kind: 'schedule', clinicId: id });
    expect(clinicOfName(parsed!)).toBe(id);
    expect(clinicOfName(parseDocName(docName('patient', id))!)).toBeNull();
  });
  test("a clinic's templates are named by the clinic, and bound to it", () => {
    const parsed = parseDocName(templatesName(id));
    expect(parsed).toEqual({ kind: 'templates', clinicId: id });
    expect(clinicOfName(parsed!)).toBe(id);
  });
  test.each([
    ['fees', feesName(id)],
    ['registries', registriesName(id)],
    ['tasks', tasksName(id)]
  ])("a clinic's %s are named by the clinic, and bound to it", (kind, name) => {
    const parsed = parseDocName(name);
    expect(parsed).toEqual({ kind, clinicId: id });
    expect(clinicOfName(parsed!)).toBe(id);
  });
  test.each(['fees:', 'fees:clinic-1', 'registries:clinic-1', 'tasks:', 'task:' + id, '', 'chart', 'chart:', 'chart:not-a-uuid', 'inbox:' + id, 'schedule:', 'schedule:clinic-1', 'templates:', 'templates:clinic-1', 'template:' + id, 'chart:' + id.toUpperCase(), 'chart:' + id + '/x'])(
    'rejects %j',
    (name) => expect(parseDocName(name)).toBeNull()
  );
});

describe('docAccess', () => {
  test.each<[Role[], DocKind, string]>([
    [['clinician'], 'patient', 'write'],
    [['clinician'], 'chart', 'write'],
    [['nurse'], 'chart', 'write'],
    [['frontdesk'], 'patient', 'write'],
    // Front desk never sees clinical documents (ARCHITECTURE.md: one document per unit of access).
    [['frontdesk'], 'chart', 'none'],
    [['admin'], 'patient', 'read'],
    [['admin'], 'chart', 'none'],
    [['patient'], 'patient', 'none'],
    [['patient'], 'chart', 'none'],
    [['clinician'], 'registries', 'write'],
    [['admin'], 'registries', 'write'],
    [['nurse'], 'registries', 'read'],
    [['frontdesk'], 'registries', 'none'],
    [['frontdesk'], 'tasks', 'write'],
    [['nurse'], 'tasks', 'write'],
    [['admin'], 'tasks', 'read'],
    [['patient'], 'tasks', 'none'],
    [[], 'patient', 'none'],
    [['admin', 'clinician'], 'chart', 'write'],
    // The appointment book: the desk books, clinical staff see and move their day, admin supports read-only.
    [['frontdesk'], 'schedule', 'write'],
    [['clinician'], 'schedule', 'write'],
    [['nurse'], 'schedule', 'write'],
    [['admin'], 'schedule', 'read'],
    [['patient'], 'schedule', 'none'],
    [[], 'schedule', 'none'],
    // The clinic's visit templates: clinicians and administrators define them, nurses use them, the desk has no use for them.
    [['clinician'], 'templates', 'write'],
    [['admin'], 'templates', 'write'],
    [['nurse'], 'templates', 'read'],
    [['frontdesk'], 'templates', 'none'],
    [['patient'], 'templates', 'none'],
    [[], 'templates', 'none'],
    // The fee schedule: administrators set prices, the desk and clinical staff charge from it.
    [['admin'], 'fees', 'write'],
    [['frontdesk'], 'fees', 'read'],
    [['clinician'], 'fees', 'read'],
    [['nurse'], 'fees', 'read'],
    [['patient'], 'fees', 'none'],
    [[], 'fees', 'none']
  ])('%j on %s → %s', (roles, kind, expected) => {
    expect(docAccess(roles, kind)).toBe(expected);
  });
});
