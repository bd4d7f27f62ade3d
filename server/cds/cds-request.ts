import { AppError } from '../../src/lib/domain/errors';

/**
 * Checks the envelope of a CDS Hooks call before the drug checks read it
 * (CDS Hooks 2.0 §Calling a CDS Service): `hook`, `hookInstance`, a
 * `context` with `patientId` and the draft orders as a FHIR Bundle, and a
 * `prefetch` whose values are FHIR resources (or null, which the spec allows
 * for a prefetch the client could not fill). A malformed call is answered
 * 400 with every problem and its path, rather than with cards computed from
 * half a request.
 *
 * The order-sign service also takes the older `medication-prescribe` hook
 * (draft orders in `context.medications`), which the HL7 PDDI-CDS example
 * requests use.
 */

/** Hook → the context key that carries the draft orders. */
export const ORDER_HOOKS = { 'order-sign': 'draftOrders', 'medication-prescribe': 'medications' } as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isBundle(v: unknown): boolean {
  return isObject(v) && v.resourceType === 'Bundle' && (v.entry === undefined || Array.isArray(v.entry));
}

export function checkOrderSignRequest(body: unknown): void {
  const problems: { path: string; message: string }[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });
  if (!isObject(body)) {
    throw new AppError('invalid', 'The CDS Hooks request must be a JSON object', [{ path: 'body', message: 'Expected an object' }]);
  }
  const hook = body.hook;
  const ordersKey = typeof hook === 'string' ? ORDER_HOOKS[hook as keyof typeof ORDER_HOOKS] : undefined;
  if (!ordersKey) problem('hook', `This service answers the order-sign hook (or medication-prescribe); got ${typeof hook === 'string' ? JSON.stringify(hook.slice(0, 40)) : 'none'}`);
  if (typeof body.hookInstance !== 'string' || !body.hookInstance) problem('hookInstance', 'Required: a string identifying this call');
  const context = body.context;
  if (!isObject(context)) {
    problem('context', 'Required: an object');
  } else {
    if (typeof context.patientId !== 'string' || !context.patientId) problem('context.patientId', 'Required: the patient the orders are for');
    if (ordersKey && !isBundle(context[ordersKey])) problem(`context.${ordersKey}`, 'Required: a FHIR Bundle of the draft orders');
    else if (ordersKey) {
      const entries = (context[ordersKey] as { entry?: unknown[] }).entry ?? [];
      entries.forEach((e, i) => {
        if (!isObject(e) || !isObject(e.resource) || typeof e.resource.resourceType !== 'string') problem(`context.${ordersKey}.entry.${i}.resource`, 'Required: a FHIR resource');
      });
    }
  }
  const prefetch = body.prefetch;
  if (prefetch !== undefined && prefetch !== null) {
    if (!isObject(prefetch)) problem('prefetch', 'Must be an object of prefetched FHIR resources');
    else
      for (const [key, value] of Object.entries(prefetch)) {
        if (value !== null && !(isObject(value) && typeof value.resourceType === 'string')) problem(`prefetch.${key}`, 'Must be a FHIR resource or Bundle, or null');
      }
  }
  if (problems.length) throw new AppError('invalid', 'The CDS Hooks request is not valid', problems);
}
