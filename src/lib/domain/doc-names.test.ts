import { describe, expect, test } from 'vitest';
import { addMonths, clinicOfName, deviceMonths, docAccess, docName, feesName, monthOfStart, monthsBetween, parseDocName, registriesName, scheduleMonthName, scheduleName, tasksName, templatesName, type DocKind } from './doc-names';
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

describe('the appointment book by month', () => {
  test('a month of the book is named by its clinic and month, and bound to that clinic', () => {
    const parsed = parseDocName(scheduleMonthName(id, '2026-03'));
    expect(scheduleMonthName(id, '2026-03')).toBe(`schedule:${id}:2026-03`);
    expect(parsed).toEqual({ kind: 'schedule', clinicId: id, month: '2026-03' });
    expect(clinicOfName(parsed!)).toBe(id);
  });
  test.each([
    `schedule:${id}:2026-13`,
    `schedule:${id}:2026-00`,
    `schedule:${id}:2026-3`,
    `schedule:${id}:26-03`,
    `schedule:${id}:1999-12`,
    `schedule:${id}:2026-03-01`,
    `schedule:${id}:2026-03:x`,
    `schedule:${id}:`,
    `schedule:${id}-2026-03`,
    `schedule:${id}/2026-03`,
    `schedule:clinic-1:2026-03`,
    `schedule:${id.toUpperCase()}:2026-03`,
    `templates:${id}:2026-03`,
    `patient:${id}:2026-03`
  ])('rejects the month name %j', (name) => expect(parseDocName(name)).toBeNull());
  test('refuses to make a name for a month that is not one', () => {
    expect(() => scheduleMonthName(id, '2026-13')).toThrow('Not a month: 2026-13');
  });
  test("an appointment's month is the UTC month of its start", () => {
    expect(monthOfStart('2026-03-31T23:30:00.000Z')).toBe('2026-03');
    expect(monthOfStart('2026-04-01T00:00:00.000Z')).toBe('2026-04');
    // 08:00 on 1 April in Nairobi is still 31 March in UTC.
    expect(monthOfStart('2026-04-01T08:00:00+03:00')).toBe('2026-04');
    expect(monthOfStart('2026-04-01T02:00:00+03:00')).toBe('2026-03');
  });
  test('months step across years', () => {
    expect(addMonths('2026-12', 1)).toBe('2027-01');
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(addMonths('2026-05', -17)).toBe('2024-12');
    expect(addMonths('2026-05', 0)).toBe('2026-05');
  });
  test('lists the months a date range touches', () => {
    expect(monthsBetween('2026-11-20T00:00:00Z', '2027-02-01T00:00:00Z')).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
    expect(monthsBetween('2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z')).toEqual(['2026-11']);
    expect(monthsBetween('2026-11-20T00:00:00Z', '2026-10-21T00:00:00Z')).toEqual([]);
  });
  test('a device keeps the previous month through the next three', () => {
    expect(deviceMonths(Date.parse('2026-12-06T19:00:00Z'))).toEqual(['2026-11', '2026-12', '2027-01', '2027-02', '2027-03']);
  });
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
