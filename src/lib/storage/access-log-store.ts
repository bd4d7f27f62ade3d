import { z } from 'zod';
import type { KeyRing } from './key-ring';
import { damaged } from './key-ring';
import { accessEventRowSchema, type UserDatabase } from './user-database';

/**
 * Reads and prints made on this device that the clinic server has not yet
 * audited (made offline, or prints, which only the device sees), waiting for
 * the next sync to upload them. Sealed like every other record: which
 * patient a user looked at, and when, is itself sensitive. In the clear
 * only the event's random id.
 */
export const ACCESS_EVENT_ACTIONS = ['record.view', 'record.print'] as const;
export const ACCESS_EVENT_WHAT = ['chart', 'demographics', 'prescription', 'visit-summary', 'record', 'receipt'] as const;

export const accessEventSchema = z.object({
  id: z.string().uuid(),
  action: z.enum(ACCESS_EVENT_ACTIONS),
  /** `chart:<patient>` or `patient:<patient>`. */
  target: z.string().min(1),
  at: z.string(),
  userId: z.string().min(1),
  offline: z.boolean(),
  what: z.enum(ACCESS_EVENT_WHAT).optional()
});
export type AccessEvent = z.infer<typeof accessEventSchema>;

function recordKey(id: string): string {
  return `access-event:${id}`;
}

export class AccessLogStore {
  readonly #db: UserDatabase;
  readonly #keys: KeyRing;

  constructor(db: UserDatabase, keys: KeyRing) {
    this.#db = db;
    this.#keys = keys;
  }

  async add(event: AccessEvent): Promise<void> {
    const sealed = await this.#keys.sealJson(accessEventSchema.parse(event), recordKey(event.id));
    await this.#db.accessEvents.put({ id: event.id, ...sealed });
  }

  /** The waiting events, oldest first by time recorded. */
  async list(): Promise<AccessEvent[]> {
    const rows = await this.#db.accessEvents.toArray();
    const out: AccessEvent[] = [];
    for (const row of rows) {
      const parsed = accessEventRowSchema.safeParse(row);
      if (!parsed.success) throw damaged('access record');
      const event = await this.#keys.openJson(parsed.data, recordKey(parsed.data.id), accessEventSchema, 'access record');
      if (event.id !== parsed.data.id) throw damaged('access record');
      out.push(event);
    }
    return out.sort((a, b) => a.at.localeCompare(b.at));
  }

  async count(): Promise<number> {
    return this.#db.accessEvents.count();
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.#db.accessEvents.bulkDelete([...ids]);
  }
}
