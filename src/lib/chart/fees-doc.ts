import * as Y from 'yjs';
import type { Actor } from '../domain/chart';
import { FEE_STATUSES, feeServiceInputSchema, isCurrency, type FeeService, type FeeServiceInput, type FeeStatus } from '../domain/billing';
import { AppError } from '../domain/errors';
import { metaOf, migrate, newId, nowIso, str, SCHEMA_VERSION } from './schema';

/**
 * Typed access to a clinic's `fees:<clinicId>` document: its fee schedule
 * (services with a code, a name and a price in minor units) and, in the
 * `settings` record, the currency every price and payment is in. Kept as a
 * clinic-level document like the visit templates, so the desk has the
 * prices offline. Written by administrators only (the server holds the same
 * rule); a service is retired, never deleted.
 */

type Entry = Y.Map<unknown>;

function servicesOf(doc: Y.Doc): Y.Map<Entry> {
  return doc.getMap('services') as Y.Map<Entry>;
}

export function initFeesDoc(doc: Y.Doc, clinicId: string): void {
  doc.transact(() => {
    const meta = metaOf(doc);
    if (meta.get('schemaVersion') === undefined) meta.set('schemaVersion', SCHEMA_VERSION);
    meta.set('kind', 'fees');
    meta.set('clinicId', clinicId);
  }, 'local');
}

export function isFeesDoc(doc: Y.Doc): boolean {
  return metaOf(doc).get('kind') === 'fees';
}

/** The clinic's currency (ISO 4217), or null until an administrator sets it. */
export function feeCurrency(doc: Y.Doc): string | null {
  const c = doc.getMap('settings').get('currency');
  return isCurrency(c) ? c : null;
}

export function setFeeCurrency(doc: Y.Doc, currency: string, actor: Actor): void {
  const c = currency.trim().toUpperCase();
  if (!isCurrency(c)) throw new AppError('invalid', 'A currency is a three-letter ISO 4217 code, such as KES, USD or XOF', [{ path: 'currency', message: 'Use a code such as KES' }]);
  const settings = doc.getMap('settings');
  if (settings.get('currency') === c) return;
  doc.transact(() => {
    settings.set('currency', c);
    settings.set('updatedAt', nowIso());
    settings.set('updatedBy', actor.name);
    settings.set('updatedById', actor.id);
  }, 'local');
}

/** Adds a service (no `id`) or rewrites one; returns its id. Two services may not share a code. */
export function saveFeeService(doc: Y.Doc, input: FeeServiceInput, actor: Actor, id?: string): string {
  const parsed = feeServiceInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError('invalid', parsed.error.issues[0]?.message ?? 'The service is not valid', parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })));
  }
  const map = servicesOf(doc);
  if (id !== undefined && !map.has(id)) throw new AppError('not-found', 'This service is not in the fee schedule on this device');
  if (listFeeServices(doc).some((s) => s.code === parsed.data.code && s.id !== id)) {
    throw new AppError('conflict', 'Another service already has this code', [{ path: 'code', message: 'Use another code' }]);
  }
  const key = id ?? newId();
  const now = nowIso();
  migrate(doc);
  doc.transact(() => {
    let entry = map.get(key);
    if (!entry) {
      entry = new Y.Map<unknown>();
      map.set(key, entry);
      entry.set('id', key);
      entry.set('status', 'active');
      entry.set('createdAt', now);
      entry.set('createdBy', actor.name);
      entry.set('createdById', actor.id);
    }
    for (const [f, v] of Object.entries(parsed.data)) if (entry.get(f) !== v) entry.set(f, v);
    entry.set('updatedAt', now);
    entry.set('updatedBy', actor.name);
    entry.set('updatedById', actor.id);
  }, 'local');
  return key;
}

export function setFeeServiceStatus(doc: Y.Doc, id: string, status: FeeStatus, actor: Actor): void {
  const entry = servicesOf(doc).get(id);
  if (!entry) throw new AppError('not-found', 'This service is not in the fee schedule on this device');
  if (entry.get('status') === status) return;
  doc.transact(() => {
    entry.set('status', status);
    entry.set('updatedAt', nowIso());
    entry.set('updatedBy', actor.name);
    entry.set('updatedById', actor.id);
  }, 'local');
}

/** Every service, active first, then by code. */
export function listFeeServices(doc: Y.Doc): FeeService[] {
  const out: FeeService[] = [];
  servicesOf(doc).forEach((e, key) => {
    if (!(e instanceof Y.Map)) return;
    const price = e.get('price');
    const code = str(e, 'code');
    if (!code || typeof price !== 'number') return;
    const status = str(e, 'status', 'active');
    out.push({ id: key, code, name: str(e, 'name'), price, status: (FEE_STATUSES as readonly string[]).includes(status) ? (status as FeeStatus) : 'active' });
  });
  return out.sort((a, b) => Number(a.status === 'retired') - Number(b.status === 'retired') || a.code.localeCompare(b.code) || a.id.localeCompare(b.id));
}
