import { describe, expect, it } from 'vitest';
import { listAppointments, listAppointmentTypes, listProviders, readAvailability, scheduleConflicts, scheduleTimeZone } from '../../src/lib/chart/schedule-doc';
import { addDays, dayOf, freeSlots } from '../../src/lib/domain/scheduling';
import { buildDemoSchedule } from './demo-schedule';

const CLINICIAN = { id: 'u-dr', name: 'Dr. Amara Okafor' };
const NURSE = { id: 'u-rn', name: 'Nurse Tomás Reyes' };
const PATIENTS = Array.from({ length: 30 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
// A Tuesday, mid-morning in Nairobi.
const NOW = Date.parse('2026-12-01T07:40:00Z');

function build(now = NOW) {
  return buildDemoSchedule({
    clinicId: 'c0ffee00-0000-4000-8000-000000000001',
    timeZone: 'Africa/Nairobi',
    clinician: CLINICIAN,
    nurse: NURSE,
    patientIds: PATIENTS,
    actor: { id: 'u-import', name: 'Outpost import' },
    now
  });
}

describe('demo schedule', () => {
  it('has types, both providers with hours, and appointments around today without double bookings', () => {
    const doc = build();
    expect(scheduleTimeZone(doc)).toBe('Africa/Nairobi');
    expect(listAppointmentTypes(doc).map((t) => t.mode)).toContain('video');
    expect(listProviders(doc).map((p) => p.id)).toEqual([CLINICIAN.id, NURSE.id]);
    const today = dayOf(NOW, 'Africa/Nairobi');
    const all = listAppointments(doc);
    const onDay = (d: string) => all.filter((a) => dayOf(Date.parse(a.start), 'Africa/Nairobi') === d);
    expect(onDay(addDays(today, -1)).length).toBeGreaterThan(5);
    expect(onDay(today).some((a) => a.mode === 'video')).toBe(true);
    expect(onDay(addDays(today, 1)).length).toBeGreaterThan(5);
    expect(scheduleConflicts(doc)).toEqual([]);
    // Yesterday is settled: nobody is still waiting to be seen.
    expect(onDay(addDays(today, -1)).every((a) => ['finished', 'no-show'].includes(a.state.status))).toBe(true);
  });

  it('leaves free slots to book, and is the same on every build', () => {
    const doc = build();
    const tomorrow = addDays(dayOf(NOW, 'Africa/Nairobi'), 1);
    const free = freeSlots(readAvailability(doc, CLINICIAN.id)!, listAppointments(doc), tomorrow, { minutes: 15 }, { stepMinutes: 15 });
    expect(free.length).toBeGreaterThan(4);
    expect(listAppointments(build()).map((a) => [a.id, a.start])).toEqual(listAppointments(doc).map((a) => [a.id, a.start]));
  });
});
