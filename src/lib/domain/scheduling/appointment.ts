import { z } from 'zod';

/**
 * Appointments and their types. Times are UTC instants (ISO strings ending
 * in `Z`); which day and hour they fall on is a question for the provider's
 * time zone (see time-zone.ts). Status is a discriminated union so a
 * cancelled appointment always carries its reason.
 */

export const APPOINTMENT_MODES = ['in-person', 'video'] as const;
export type AppointmentMode = (typeof APPOINTMENT_MODES)[number];

export const appointmentTypeSchema = z.object({
  id: z.string().min(1).max(100),
  name: z.string().trim().min(1, 'Name the appointment type').max(100),
  mode: z.enum(APPOINTMENT_MODES),
  minutes: z.number().int().min(5).max(480)
});
export type AppointmentType = z.infer<typeof appointmentTypeSchema>;

export const APPOINTMENT_STATUSES = ['booked', 'checked-in', 'in-progress', 'finished', 'cancelled', 'no-show'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/** Statuses that no longer hold the provider's time: they never count as a double booking. */
export const RELEASED_STATUSES: readonly AppointmentStatus[] = ['cancelled', 'no-show'];

interface Stamp {
  at: string;
  by: string;
}
export type AppointmentState =
  | { status: 'booked' }
  | ({ status: 'checked-in' } & Stamp)
  | ({ status: 'in-progress' } & Stamp)
  | ({ status: 'finished' } & Stamp)
  | ({ status: 'cancelled'; reason: string } & Stamp)
  | ({ status: 'no-show' } & Stamp);

export interface Appointment {
  id: string;
  providerId: string;
  patientId: string;
  typeId: string;
  mode: AppointmentMode;
  start: string;
  end: string;
  state: AppointmentState;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());

export const bookingInputSchema = z.object({
  providerId: z.string().min(1).max(100),
  patientId: z.uuid(),
  typeId: z.string().min(1).max(100),
  start: instant
});
export type BookingInput = z.input<typeof bookingInputSchema>;

export const rescheduleInputSchema = z.object({
  start: instant,
  /** Moving to another provider is a reschedule too (cover for a sick colleague). */
  providerId: z.string().min(1).max(100).optional()
});
export type RescheduleInput = z.input<typeof rescheduleInputSchema>;

export const cancelInputSchema = z.object({
  reason: z.string().trim().min(1, 'Say why the appointment is cancelled').max(500)
});

/** The end instant of an appointment of this type starting at `start`. */
export function endOf(start: string, type: Pick<AppointmentType, 'minutes'>): string {
  return new Date(Date.parse(start) + type.minutes * 60_000).toISOString();
}

/** True while the appointment holds the provider's time. */
export function holdsTime(a: Pick<Appointment, 'state'>): boolean {
  return !RELEASED_STATUSES.includes(a.state.status);
}
