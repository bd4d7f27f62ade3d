import { z } from 'zod';
import { countRule, monthSchema, RULE_PRESET_IDS } from '../../src/lib/domain/reporting/counting-rules';
import { buildDataValueSet, dhis2ConfigSchema, ruleOf, type DataValueSet, type Dhis2Config } from '../../src/lib/domain/reporting/dhis2';
import { dayOf } from '../../src/lib/domain/scheduling/time-zone';
import { AppError } from '../../src/lib/domain/errors';
import { requireAdmin } from '../admin/admin-guard';
import { parseWith, readJson } from '../http/body';
import type { Route } from '../http/context';
import { sendJson } from '../http/errors';
import type { Audit } from '../types';
import type { ClinicRecords } from './clinic-records';
import type { Dhis2Settings } from './dhis2-settings';
import { sendDataValueSet, type SendOutcome } from './dhis2-sender';

/**
 * National aggregate reporting (DHIS2), for the clinic's administrator
 * only: the connection and rule mapping, the month's counts previewed as a
 * table with the exact payload, and the send. Counts are computed here from
 * the stored charts, never taken from the browser: what is sent is what the
 * records say. Every configuration change, preview and send is audited with
 * counts and ids of DHIS2 metadata only.
 */

const saveSchema = z
  .object({
    config: dhis2ConfigSchema,
    /** The DHIS2 password (basic) or personal access token; absent keeps the one stored. */
    secret: z.string().min(1, 'Enter the password or token').max(500, 'The password or token is too long').optional()
  })
  .strict();

const monthBody = z.object({ month: monthSchema }).strict();

export interface ReportingDeps {
  audit: Audit;
  settings: Dhis2Settings;
  readRecords(clinicId: string): Promise<ClinicRecords>;
  /** The clock (tests fix it). */
  now?: () => number;
}

export interface PreviewRow {
  rule: Dhis2Config['mappings'][number]['rule'];
  dataElement: string;
  categoryOptionCombo: string;
  value: number;
}

export function reportingRoutes(deps: ReportingDeps): Route[] {
  const { audit, settings } = deps;
  const now = deps.now ?? Date.now;

  function configured(clinicId: string): Dhis2Config {
    const config = settings.view(clinicId).config;
    if (!config) throw new AppError('invalid', 'DHIS2 reporting is not set up yet: save the connection and at least one mapping first.');
    return config;
  }

  async function compute(clinicId: string, config: Dhis2Config, month: string) {
    const { records, unreadable, timeZone } = await deps.readRecords(clinicId);
    const today = dayOf(now(), timeZone);
    if (month > today.slice(0, 7)) throw new AppError('invalid', 'That month has not started yet.', [{ path: 'month', message: 'Choose this month or an earlier one' }]);
    const rows: PreviewRow[] = config.mappings.map((m) => ({ rule: m.rule, dataElement: m.dataElement, categoryOptionCombo: m.categoryOptionCombo, value: countRule(ruleOf(m), records, month, timeZone) }));
    const payload: DataValueSet = buildDataValueSet(config, month, today, rows.map((r, i) => ({ mapping: config.mappings[i], value: r.value })));
    return { month, timeZone, patients: records.length, unreadable, complete: month < today.slice(0, 7), rows, payload };
  }

  return [
    {
      method: 'GET',
      path: '/api/reporting/dhis2',
      handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        sendJson(ctx.res, 200, { ...settings.view(admin.clinicId), presets: RULE_PRESET_IDS });
      }
    },
    {
      method: 'POST',
      path: '/api/reporting/dhis2',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const body = parseWith(saveSchema, await readJson(ctx.req, 256 * 1024));
        const before = settings.view(admin.clinicId);
        if (!body.secret && !before.secretSet) {
          throw new AppError('invalid', 'Enter the DHIS2 password or personal access token.', [{ path: 'secret', message: 'Required the first time' }]);
        }
        settings.save(admin.clinicId, body.config, body.secret, admin.username);
        audit.record({
          action: 'reporting.configure',
          outcome: 'success',
          userId: admin.id,
          target: `clinic:${admin.clinicId}`,
          detail: { system: 'dhis2', authKind: body.config.authKind, mappings: body.config.mappings.length, secretChanged: body.secret !== undefined },
          ip: ctx.ip
        });
        sendJson(ctx.res, 200, { ...settings.view(admin.clinicId), presets: RULE_PRESET_IDS });
      }
    },
    {
      method: 'POST',
      path: '/api/reporting/dhis2/preview',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const { month } = parseWith(monthBody, await readJson(ctx.req));
        const preview = await compute(admin.clinicId, configured(admin.clinicId), month);
        audit.record({ action: 'reporting.preview', outcome: 'success', userId: admin.id, target: `clinic:${admin.clinicId}`, detail: { system: 'dhis2', period: preview.payload.period, values: preview.rows.length }, ip: ctx.ip });
        sendJson(ctx.res, 200, preview);
      }
    },
    {
      method: 'POST',
      path: '/api/reporting/dhis2/send',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const { month } = parseWith(monthBody, await readJson(ctx.req));
        const stored = settings.forSend(admin.clinicId);
        if (!stored) throw new AppError('invalid', 'DHIS2 reporting is not set up yet: save the connection and at least one mapping first.');
        if (!stored.secret) throw new AppError('invalid', 'No DHIS2 password or token is stored (or it cannot be read with this server’s key): enter it again and save.');
        const preview = await compute(admin.clinicId, stored.config, month);
        const outcome: SendOutcome = await sendDataValueSet(stored.config, stored.secret, preview.payload);
        audit.record({
          action: 'reporting.send',
          outcome: outcome.ok ? 'success' : 'failure',
          userId: admin.id,
          target: `clinic:${admin.clinicId}`,
          detail: {
            system: 'dhis2',
            period: preview.payload.period,
            values: preview.rows.length,
            httpStatus: outcome.httpStatus,
            ...(outcome.ok ? {} : { reason: outcome.reason }),
            ...('summary' in outcome && outcome.summary ? { imported: outcome.summary.imported, updated: outcome.summary.updated, ignored: outcome.summary.ignored, conflicts: outcome.summary.conflicts.length } : {})
          },
          ip: ctx.ip
        });
        sendJson(ctx.res, 200, { ...preview, outcome });
      }
    }
  ];
}
