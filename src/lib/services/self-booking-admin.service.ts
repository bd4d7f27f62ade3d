import { z } from 'zod';
import { APPOINTMENT_MODES } from '../domain/scheduling/appointment';
import { api } from './api-client';

/**
 * The admin console's self-booking setting (server/portal/booking-routes.ts):
 * which appointment types patients may book themselves, how soon and how far
 * ahead. Online only; the server checks every value again.
 */
const viewSchema = z.object({
  policy: z.object({ typeIds: z.array(z.string()), minNoticeHours: z.number(), maxDaysAhead: z.number() }),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
  types: z.array(z.object({ id: z.string(), name: z.string(), mode: z.enum(APPOINTMENT_MODES), minutes: z.number() }))
});
export type SelfBookingSetting = z.infer<typeof viewSchema>;

export async function getSelfBooking(): Promise<SelfBookingSetting> {
  return viewSchema.parse(await api<unknown>('/api/admin/clinic/self-booking'));
}

/** Numbers not typed as numbers are sent as typed, so the server names what it needs. */
export async function saveSelfBooking(typeIds: string[], minNoticeHours: number | string, maxDaysAhead: number | string): Promise<SelfBookingSetting> {
  return viewSchema.parse(await api<unknown>('/api/admin/clinic/self-booking', { method: 'POST', body: { typeIds, minNoticeHours, maxDaysAhead } }));
}
