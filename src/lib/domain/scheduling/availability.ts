import { z } from 'zod';
import { isTimeZone, minutesOf } from './time-zone';

/**
 * When a provider can be booked: weekly working hours in the provider's own
 * time zone, minus blocked intervals (leave, meetings, a broken room). The
 * zone is stored, never inferred from the device, so a front desk laptop set
 * to another zone still offers the right slots.
 */

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'Use HH:MM');
const isoInstant = z.iso.datetime({ offset: true });

export const workingHoursSchema = z
  .object({
    /** ISO weekday: 1 = Monday … 7 = Sunday. */
    weekday: z.number().int().min(1).max(7),
    start: hhmm,
    end: hhmm
  })
  .refine((w) => minutesOf(w.start) < minutesOf(w.end), { message: 'Working hours must end after they start', path: ['end'] });
export type WorkingHours = z.infer<typeof workingHoursSchema>;

export const blockedIntervalSchema = z
  .object({
    id: z.string().min(1).max(100),
    start: isoInstant,
    end: isoInstant,
    /** Shown to staff only ("Annual leave"); never patient data. */
    reason: z.string().trim().max(200).default('')
  })
  .refine((b) => Date.parse(b.start) < Date.parse(b.end), { message: 'A blocked time must end after it starts', path: ['end'] });
export type BlockedInterval = z.infer<typeof blockedIntervalSchema>;

export const availabilitySchema = z.object({
  providerId: z.string().min(1).max(100),
  timeZone: z.string().refine(isTimeZone, 'Unknown time zone'),
  weekly: z.array(workingHoursSchema).max(50),
  blocked: z.array(blockedIntervalSchema).max(1000).default([])
});
export type Availability = z.infer<typeof availabilitySchema>;
