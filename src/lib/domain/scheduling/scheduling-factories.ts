import type { Appointment, AppointmentState } from './appointment';
import type { Availability } from './availability';

/** Test factories: a provider who works weekdays 09:00–12:00 in Berlin, and appointments for them. */
export function berlinMornings(overrides: Partial<Availability> = {}): Availability {
  return {
    providerId: 'dr-a',
    timeZone: 'Europe/Berlin',
    weekly: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '12:00' })),
    blocked: [],
    ...overrides
  };
}

let seq = 0;
export function appointment(start: string, minutes: number, overrides: Partial<Appointment> = {}): Appointment {
  const s = new Date(start).toISOString();
  const state: AppointmentState = { status: 'booked' };
  return {
    id: `appt-${String(++seq).padStart(4, '0')}`,
    providerId: 'dr-a',
    patientId: `patient-${seq}`,
    typeId: 'consult',
    mode: 'in-person',
    start: s,
    end: new Date(Date.parse(s) + minutes * 60_000).toISOString(),
    state,
    createdAt: s,
    createdBy: 'Desk',
    updatedAt: s,
    updatedBy: 'Desk',
    ...overrides
  };
}
