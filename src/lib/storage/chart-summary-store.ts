import { z } from 'zod';
import type { ChartSummaryData } from '../chart/chart-summary';
import type { Immunization } from '../domain/clinical';
import { fromBase64, toBase64 } from './base64';
import type { KeyRing } from './key-ring';
import { damaged } from './key-ring';
import { chartSummaryRowSchema, docRowSchema, type UserDatabase } from './user-database';

/**
 * The chart-summary projection on the device: per patient, one sealed copy
 * of what the chart summary shows (read from the `chart:` document by
 * chartSummary), so a long chart can show its summary while the document
 * itself is still loading. It is a cache, never a source of truth: each
 * copy carries the state vector of the document it was read from, and it
 * counts as current only while the stored document holds nothing newer.
 */
export interface ChartSummaryProjection {
  patientId: string;
  /** State vector of the chart document the summary was read from. */
  stateVector: Uint8Array;
  computedAt: string;
  summary: ChartSummaryData;
  /** Every immunization of the chart: the summary's "due" list is computed from them and today's date. */
  immunizations: Immunization[];
}

/** Bumped whenever ChartSummaryData changes shape: older copies are then ignored and rebuilt. */
export const CHART_SUMMARY_FORMAT = 1;

// Rows are checked for the fields the summary reads; the entries themselves were validated when read from the document.
const concept = z.object({ text: z.string() }).passthrough();
const entry = z.object({ id: z.string() }).passthrough();
const summarySchema = z.object({
  problems: z.array(entry.extend({ code: concept })),
  allergies: z.array(entry.extend({ code: concept, severity: z.string(), criticality: z.string() })),
  allergyStatus: z.object({ kind: z.enum(['not-asked', 'no-known-allergies', 'allergies', 'contradiction']) }).passthrough(),
  medications: z.array(entry.extend({ medicationCodeableConcept: concept })),
  immunizations: z.array(entry.extend({ vaccineCode: concept, occurrenceDateTime: z.string() })),
  latestVitals: z.array(z.object({ kind: z.string(), observationId: z.string(), at: z.string(), value: z.number(), diastolic: z.number().optional() })),
  careTeam: z.array(entry.extend({ name: z.string(), role: z.string(), since: z.string() }))
});
const payloadSchema = z.object({
  format: z.literal(CHART_SUMMARY_FORMAT),
  patientId: z.string().min(1),
  stateVector: z.string(),
  computedAt: z.string(),
  summary: summarySchema,
  immunizations: z.array(entry.extend({ vaccineCode: concept, occurrenceDateTime: z.string() }))
});

function recordKey(patientId: string): string {
  return `chart-summary:${patientId}`;
}

export class ChartSummaryStore {
  readonly #db: UserDatabase;
  readonly #keys: KeyRing;

  constructor(db: UserDatabase, keys: KeyRing) {
    this.#db = db;
    this.#keys = keys;
  }

  async put(p: ChartSummaryProjection): Promise<void> {
    const payload = { format: CHART_SUMMARY_FORMAT, patientId: p.patientId, stateVector: toBase64(p.stateVector), computedAt: p.computedAt, summary: p.summary, immunizations: p.immunizations };
    const sealed = await this.#keys.sealJson(payload, recordKey(p.patientId));
    await this.#db.chartSummaries.put({ id: p.patientId, ...sealed });
  }

  /** The stored projection, current or not; null when there is none or it was written by another format. */
  async get(patientId: string): Promise<ChartSummaryProjection | null> {
    const row = await this.#db.chartSummaries.get(patientId);
    if (!row) return null;
    const parsed = chartSummaryRowSchema.safeParse(row);
    if (!parsed.success || parsed.data.id !== patientId) throw damaged('chart summary');
    const bytes = await this.#keys.open(parsed.data, recordKey(patientId), 'chart summary');
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (cause) {
      throw damaged('chart summary', cause);
    }
    if ((json as { format?: unknown } | null)?.format !== CHART_SUMMARY_FORMAT) return null;
    const payload = payloadSchema.safeParse(json);
    if (!payload.success || payload.data.patientId !== patientId) throw damaged('chart summary', payload.error);
    return {
      patientId,
      stateVector: fromBase64(payload.data.stateVector),
      computedAt: payload.data.computedAt,
      summary: payload.data.summary as unknown as ChartSummaryData,
      immunizations: payload.data.immunizations as unknown as Immunization[]
    };
  }

  /**
   * The projection when it is current: the stored chart document holds
   * nothing it has not seen. Null otherwise (none yet, or the chart changed
   * since, on this device or by sync), so a stale copy is never shown.
   */
  async getCurrent(patientId: string): Promise<ChartSummaryProjection | null> {
    const [projection, docRow] = await Promise.all([this.get(patientId), this.#db.docs.get(`chart:${patientId}`)]);
    if (!projection || !docRow) return null;
    const doc = docRowSchema.safeParse(docRow);
    if (!doc.success) return null;
    // Yjs loads here, on a chart's first read: the patient screens open the vault without it.
    const { covers } = await import('./chart-summary-covers');
    return covers(projection.stateVector, doc.data.stateVector) ? projection : null;
  }

  /** Patients that have a projection (in the clear: the row keys are patient ids, like the documents). */
  async patientIds(): Promise<string[]> {
    return (await this.#db.chartSummaries.toCollection().primaryKeys()) as string[];
  }

  /** Drops projections, e.g. when sync changed their charts (rebuilt afterwards). */
  async invalidate(patientIds: readonly string[]): Promise<void> {
    if (patientIds.length > 0) await this.#db.chartSummaries.bulkDelete([...patientIds]);
  }
}
