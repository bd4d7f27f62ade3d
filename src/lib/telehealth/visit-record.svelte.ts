import { addEncounter, listEncounters } from '../chart/chart-doc';
import type { Actor } from '../domain/chart';
import { openRecord, type OpenRecord } from '../services/chart.service';
import { messageOf } from '../ui/handle-error';

/**
 * The patient's record beside the video: the same live documents the chart
 * screen opens (stored encrypted on the device as they change, synced when
 * online), plus this visit's encounter and its SOAP note. The encounter's
 * id is the video visit's id, so every device that opens the visit finds
 * the same note; it is created, as a virtual encounter, by the first
 * clinical user to open the console. The call and the chart are
 * independent: a dropped video connection leaves the note working.
 */

/** How long to wait for the chart to catch up with the server before creating the note (offline: create at once). */
export const CATCH_UP_MS = 4000;

export type VisitRecordState =
  | { status: 'none'; reason: string }
  | { status: 'opening' }
  | { status: 'open'; record: OpenRecord; encounterId: string | null }
  | { status: 'error'; message: string };

export class VisitRecord {
  readonly visitId: string;
  #patientId: string | null = null;
  #state = $state.raw<VisitRecordState>({ status: 'none', reason: "Open this visit from the patient's chart to see their record beside the video." });
  #closed = false;

  constructor(visitId: string) {
    this.visitId = visitId;
  }

  get state(): VisitRecordState {
    return this.#state;
  }

  /** Opens the patient's record once; later calls (the same patient learnt again) do nothing. */
  async open(patientId: string, actor: Actor): Promise<void> {
    if (this.#patientId || this.#closed) return;
    this.#patientId = patientId;
    this.#state = { status: 'opening' };
    let record: OpenRecord;
    try {
      record = await openRecord(patientId);
    } catch (e) {
      this.#state = { status: 'error', message: messageOf(e) };
      return;
    }
    if (this.#closed) return record.close();
    this.#state = { status: 'open', record, encounterId: null };
    try {
      const encounterId = await this.#ensureEncounter(record, actor);
      if (!this.#closed) this.#state = { status: 'open', record, encounterId };
    } catch (e) {
      this.#state = { status: 'error', message: messageOf(e) };
      record.close();
    }
  }

  close(): void {
    this.#closed = true;
    if (this.#state.status === 'open') this.#state.record.close();
  }

  /** This visit's encounter, created when missing; null when the user's role cannot open charts. */
  async #ensureEncounter(record: OpenRecord, actor: Actor): Promise<string | null> {
    const chart = record.chartDoc;
    if (!chart) return null;
    const exists = () => listEncounters(chart).some((e) => e.id === this.visitId);
    if (exists()) return this.visitId;
    // Another device may already have created it: let the live chart catch up first, so two empty notes do not race for the same id.
    const deadline = Date.now() + CATCH_UP_MS;
    while (record.connection === 'connecting' && Date.now() < deadline && !exists()) await new Promise((r) => setTimeout(r, 100));
    if (!exists()) addEncounter(chart, { class: 'virtual', type: 'Video visit' }, actor, this.visitId);
    return this.visitId;
  }
}
