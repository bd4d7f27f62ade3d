import { AppError } from '../../src/lib/domain/errors';
import { ORDER_HOOKS } from './cds-request';

/**
 * How much one CDS Hooks call may ask of the server. The drug checks are
 * synchronous work on the one event loop, linear in the number of
 * medicines for each draft order: capping both keeps one call to a fraction
 * of a second, so no single request (nor a flood of them) stalls everyone
 * else's sign-in, sync and health checks.
 *
 * - At most MAX_CDS_RESOURCES resources in the draft orders and the prefetch
 *   together (a Bundle counts its entries, a lone resource counts one): a
 *   patient's active medicines, allergies, problems and recent labs fit
 *   many times over.
 * - At most MAX_DRAFT_ORDERS draft orders: each is checked against every
 *   other medicine, so the work grows with their product.
 * - At most MAX_CDS_IN_FLIGHT calls being read or checked at once; more are
 *   answered 503 so a flood queues at the caller, not in server memory.
 * - The checks themselves run one at a time, each in its own turn of the
 *   event loop (createSerialRunner), so whatever else arrived meanwhile (the
 *   health probe, a sign-in, a sync message) is served between two checks
 *   instead of after a whole flood of them.
 */
export const MAX_CDS_RESOURCES = 1_000;
export const MAX_DRAFT_ORDERS = 20;
export const MAX_CDS_IN_FLIGHT = 8;

const entriesOf = (v: unknown): number => {
  if (typeof v !== 'object' || v === null) return 0;
  const b = v as { resourceType?: unknown; entry?: unknown };
  if (b.resourceType === 'Bundle') return Array.isArray(b.entry) ? b.entry.length : 0;
  return 1;
};

/** Throws a 413 AppError when a (structurally valid) order-sign request carries too much. */
export function checkCdsRequestSize(body: Record<string, unknown>): void {
  const context = body.context as Record<string, unknown>;
  const ordersKey = ORDER_HOOKS[body.hook as keyof typeof ORDER_HOOKS];
  const drafts = entriesOf(context[ordersKey]);
  const prefetch = (body.prefetch ?? {}) as Record<string, unknown>;
  const total = drafts + Object.values(prefetch).reduce<number>((n, v) => n + entriesOf(v), 0);
  if (drafts > MAX_DRAFT_ORDERS) {
    throw new AppError('too-large', `A drug-check request may carry at most ${MAX_DRAFT_ORDERS} draft orders; this one carries ${drafts}. Send the orders in smaller groups.`);
  }
  if (total > MAX_CDS_RESOURCES) {
    throw new AppError(
      'too-large',
      `A drug-check request may carry at most ${MAX_CDS_RESOURCES.toLocaleString('en')} resources in its draft orders and prefetch together; this one carries ${total.toLocaleString('en')}. Prefetch only the patient's active medications, allergies, problems and recent labs.`
    );
  }
}

/** Counts calls in progress; `enter` returns a release function, or null when the server is at its limit. */
export function createCdsGate(max: number = MAX_CDS_IN_FLIGHT): { enter(): (() => void) | null } {
  let inFlight = 0;
  return {
    enter() {
      if (inFlight >= max) return null;
      inFlight++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inFlight--;
      };
    }
  };
}

/**
 * Runs synchronous jobs one after another, each started from setImmediate:
 * Node serves the I/O that became ready (other requests) before the next
 * job starts, so a queue of heavy jobs delays any other request by at most
 * one job.
 */
export function createSerialRunner(): { run<T>(job: () => T): Promise<T> } {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(job: () => T): Promise<T> {
      const next = tail.then(
        () =>
          new Promise<T>((resolve, reject) => {
            setImmediate(() => {
              try {
                resolve(job());
              } catch (err) {
                reject(err);
              }
            });
          })
      );
      // A failed job must not stop the ones queued behind it.
      tail = next.catch(() => undefined);
      return next;
    }
  };
}
