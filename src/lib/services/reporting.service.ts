import { z } from 'zod';
import { AppError } from '../domain/errors';
import { dataValueSetSchema, dhis2ConfigSchema, type DataValueSet, type Dhis2Config } from '../domain/reporting/dhis2';
import { api } from './api-client';

/**
 * The DHIS2 reporting screen's calls to the clinic server
 * (server/reporting/reporting-routes.ts). Online only; the server decides
 * who may (an administrator) and computes every count from the stored
 * charts. Answers are validated at the boundary.
 */

const settingsSchema = z.object({
  config: dhis2ConfigSchema.nullable(),
  secretSet: z.boolean(),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
  presets: z.array(z.string())
});
export type ReportingSettings = z.infer<typeof settingsSchema>;

const summarySchema = z.object({
  status: z.string(),
  imported: z.number(),
  updated: z.number(),
  ignored: z.number(),
  deleted: z.number(),
  conflicts: z.array(z.object({ object: z.string(), value: z.string() })),
  description: z.string()
});
export type ImportSummaryView = z.infer<typeof summarySchema>;

const previewSchema = z.object({
  month: z.string(),
  timeZone: z.string(),
  patients: z.number(),
  unreadable: z.number(),
  complete: z.boolean(),
  rows: z.array(z.object({ rule: z.unknown(), dataElement: z.string(), categoryOptionCombo: z.string(), value: z.number() })),
  payload: dataValueSetSchema
});
export type ReportPreview = z.infer<typeof previewSchema>;

const outcomeSchema = z.union([
  z.object({ ok: z.literal(true), httpStatus: z.number(), summary: summarySchema }),
  z.object({ ok: z.literal(false), reason: z.string(), httpStatus: z.number().nullable(), message: z.string(), summary: summarySchema.nullable().optional() })
]);
export type SendOutcome = z.infer<typeof outcomeSchema>;

function read<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new AppError('internal', 'The clinic server sent an answer this app cannot read');
  return parsed.data;
}

export async function getReportingSettings(): Promise<ReportingSettings> {
  return read(settingsSchema, await api<unknown>('/api/reporting/dhis2'));
}

/** Saves the connection and mapping; an empty secret keeps the stored one. */
export async function saveReportingSettings(config: Dhis2Config, secret: string): Promise<ReportingSettings> {
  return read(settingsSchema, await api<unknown>('/api/reporting/dhis2', { method: 'POST', body: { config, ...(secret ? { secret } : {}) } }));
}

export async function previewMonth(month: string): Promise<ReportPreview> {
  return read(previewSchema, await api<unknown>('/api/reporting/dhis2/preview', { method: 'POST', body: { month } }));
}

export async function sendMonth(month: string): Promise<ReportPreview & { outcome: SendOutcome }> {
  return read(previewSchema.extend({ outcome: outcomeSchema }), await api<unknown>('/api/reporting/dhis2/send', { method: 'POST', body: { month } }));
}

/** Saves the previewed payload as a JSON file, to send to DHIS2 later (Import/Export app, or POST /api/dataValueSets). */
export function downloadPayload(payload: DataValueSet): void {
  const blob = new Blob([JSON.stringify(payload, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `dhis2-${payload.orgUnit}-${payload.period}.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
