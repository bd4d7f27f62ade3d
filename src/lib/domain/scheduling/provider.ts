import { z } from 'zod';

/**
 * Someone whose time the front desk books: usually a clinician's account
 * (the id is their user id, so a clinician sees "my day"), sometimes a room
 * or a visiting service. Kept in the schedule document itself so that a
 * desk that is offline still knows whom it can book. A provider who leaves
 * is made inactive, never removed: their past appointments still name them.
 */
export const providerSchema = z.object({
  id: z.string().min(1).max(100),
  name: z.string().trim().min(1, 'Name the provider').max(120),
  active: z.boolean().default(true)
});
export type Provider = z.infer<typeof providerSchema>;
