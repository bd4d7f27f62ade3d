import type Database from 'better-sqlite3';
import { z } from 'zod';
import { AppError } from '../../src/lib/domain/errors';
import { parseWith, readJson } from '../http/body';
import type { Route } from '../http/context';
import { sendJson } from '../http/errors';
import type { ApiClient, ApiClientStore } from '../smart/api-clients';
import { allValid } from '../smart/scopes';
import { findClinic } from '../store/users';
import type { TransferStore } from '../transfer/transfer-store';
import type { Audit } from '../types';
import { requireAdmin } from './admin-guard';
import { settingsPatchSchema, type ClinicSettingsStore } from './clinic-settings';

/**
 * The administrator's clinic: its settings (clinic-settings.ts), the API
 * clients registered for it (SMART Backend Services, smart/api-clients.ts)
 * and its transfer destinations and inbound keys (transfer/transfer-store.ts),
 * the same stores the admin CLI uses. Another clinic's client answers as
 * unknown.
 */

const SCOPES_HELP = 'Scopes are SMART system scopes such as "system/*.rs", "system/Patient.rs" or "system/*.read", separated by spaces';

const apiClientSchema = z
  .object({
    name: z.string().trim().min(1, 'Name the system').max(200, 'The name is too long'),
    /** The public JWKS, as JSON text (pasted) or as an object. */
    jwks: z.union([z.string().max(64 * 1024, 'The JWKS is too large'), z.record(z.string(), z.unknown())]),
    scopes: z.string().trim().min(1, SCOPES_HELP).max(2000)
  })
  .strict();

const disabledSchema = z.object({ disabled: z.boolean({ error: 'Say whether the client is disabled (true or false)' }) }).strict();

const destinationSchema = z
  .object({
    name: z.string().trim().min(1, 'Name the clinic').max(200, 'The name is too long'),
    url: z.string().trim().min(1, 'Enter the clinic’s FHIR address').max(2000),
    key: z.string().trim().max(500).optional()
  })
  .strict();

const transferKeySchema = z.object({ name: z.string().trim().min(1, 'Name the clinic that will send').max(200, 'The name is too long') }).strict();

export interface AdminClinicDeps {
  db: Database.Database;
  audit: Audit;
  settings: ClinicSettingsStore;
  apiClients: ApiClientStore;
  transfers: TransferStore;
}

/** An API client as the console shows it: the key ids, not the keys. */
function clientView(c: ApiClient) {
  return { id: c.id, name: c.name, scopes: c.scopes, keyIds: c.jwks.keys.map((k) => String(k.kid)), disabled: c.disabled, createdBy: c.createdBy, createdAt: c.createdAt };
}

export function adminClinicRoutes(deps: AdminClinicDeps): Route[] {
  const { db, audit, settings, apiClients, transfers } = deps;

  return [
    {
      method: 'GET',
      path: '/api/admin/clinic',
      handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const clinic = findClinic(db, admin.clinicId)!;
        sendJson(ctx.res, 200, { clinic: { id: clinic.id, name: clinic.name, createdAt: clinic.createdAt }, settings: settings.view(admin.clinicId) });
      }
    },
    {
      method: 'POST',
      path: '/api/admin/clinic/settings',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const patch = parseWith(settingsPatchSchema, await readJson(ctx.req));
        const changed = settings.update(admin.clinicId, patch, admin.id);
        audit.record({ action: 'clinic.settings', outcome: 'success', userId: admin.id, target: `clinic:${admin.clinicId}`, detail: { changed, via: 'admin-console' }, ip: ctx.ip });
        sendJson(ctx.res, 200, { settings: settings.view(admin.clinicId) });
      }
    },
    {
      method: 'GET',
      path: '/api/admin/api-clients',
      handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        sendJson(ctx.res, 200, { clients: apiClients.list().filter((c) => c.clinicId === admin.clinicId).map(clientView) });
      }
    },
    {
      method: 'POST',
      path: '/api/admin/api-clients',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const body = parseWith(apiClientSchema, await readJson(ctx.req, 128 * 1024));
        const scopes = [...new Set(body.scopes.split(/\s+/).filter(Boolean))];
        if (!allValid(scopes)) throw new AppError('invalid', SCOPES_HELP, [{ path: 'scopes', message: SCOPES_HELP }]);
        let jwks: unknown = body.jwks;
        if (typeof jwks === 'string') {
          try {
            jwks = JSON.parse(jwks);
          } catch {
            throw new AppError('invalid', 'The JWKS is not valid JSON.', [{ path: 'jwks', message: 'Not valid JSON' }]);
          }
        }
        let client: ApiClient;
        try {
          client = apiClients.add({ clinicId: admin.clinicId, name: body.name, jwks, scopes, createdBy: admin.username });
        } catch (err) {
          // checkPublicJwks says what is wrong with the key set (no keys, a private key, no kid…).
          throw new AppError('invalid', (err as Error).message, [{ path: 'jwks', message: (err as Error).message }]);
        }
        audit.record({ action: 'api-client.create', outcome: 'success', userId: admin.id, target: `api-client:${client.id}`, detail: { clientId: client.id, clinicId: admin.clinicId, scopes, keys: client.jwks.keys.length, via: 'admin-console' }, ip: ctx.ip });
        sendJson(ctx.res, 201, { client: clientView(client) });
      }
    },
    {
      method: 'POST',
      path: '/api/admin/api-clients/:id/disabled',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const client = apiClients.get(ctx.params.id);
        if (!client || client.clinicId !== admin.clinicId) throw new AppError('not-found', 'There is no such API client in your clinic.');
        const { disabled } = parseWith(disabledSchema, await readJson(ctx.req));
        apiClients.setDisabled(client.id, disabled);
        audit.record({ action: 'api-client.disable', outcome: 'success', userId: admin.id, target: `api-client:${client.id}`, detail: { clientId: client.id, disabled, via: 'admin-console' }, ip: ctx.ip });
        sendJson(ctx.res, 200, { client: clientView(apiClients.get(client.id)!) });
      }
    },
    {
      method: 'GET',
      path: '/api/admin/transfer-destinations',
      handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        sendJson(ctx.res, 200, { destinations: transfers.destinations(admin.clinicId).map((d) => ({ id: d.id, name: d.name, url: d.url })) });
      }
    },
    {
      method: 'POST',
      path: '/api/admin/transfer-destinations',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const body = parseWith(destinationSchema, await readJson(ctx.req));
        let dest;
        try {
          dest = transfers.addDestination(admin.clinicId, body.name, body.url, body.key || undefined);
        } catch (err) {
          const message = /UNIQUE/.test((err as Error).message) ? 'A destination with this name already exists.' : (err as Error).message;
          throw new AppError('invalid', message, [{ path: /URL/.test(message) ? 'url' : 'name', message }]);
        }
        audit.record({ action: 'transfer.configure', outcome: 'success', userId: admin.id, target: `destination:${dest.id}`, detail: { via: 'admin-console', kind: 'transfer-destination', withKey: !!body.key } , ip: ctx.ip });
        sendJson(ctx.res, 201, { destination: { id: dest.id, name: dest.name, url: dest.url } });
      }
    },
    {
      method: 'POST',
      path: '/api/admin/transfer-keys',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const body = parseWith(transferKeySchema, await readJson(ctx.req));
        const { id, key } = transfers.issueKey(admin.clinicId, body.name);
        audit.record({ action: 'transfer.configure', outcome: 'success', userId: admin.id, target: `transfer-key:${id}`, detail: { via: 'admin-console', kind: 'transfer-key' }, ip: ctx.ip });
        // Shown once: only its hash is kept.
        sendJson(ctx.res, 201, { id, key });
      }
    }
  ];
}
