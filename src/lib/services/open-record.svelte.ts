import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import type { Connection, LiveDoc } from '../sync/live-doc';
import { reportError } from './report-error';

/**
 * A patient's record open on screen. The documents are live: edits are
 * stored encrypted as they happen and sync when online. `version` ticks on
 * every change to either document so views re-read through the typed
 * accessors of lib/chart.
 */
export interface OpenRecord {
  readonly patientId: string;
  readonly patientDoc: Y.Doc;
  readonly chartDoc: Y.Doc | null;
  /** Presence of others in the patient document (local user set as {name, color}). */
  readonly patientAwareness: Awareness;
  /** Presence of others in the chart; null when the user may not open charts. */
  readonly chartAwareness: Awareness | null;
  readonly version: number;
  readonly connection: Connection;
  close(): void;
}

/** How long after the last demographic edit the patient list is refreshed. */
const LIST_REFRESH_MS = 400;

const RANK: Record<Connection, number> = { offline: 0, connecting: 1, live: 2 };

export class LiveRecord implements OpenRecord {
  readonly patientId: string;
  #version = $state(0);
  #connection = $state<Connection>('offline');
  readonly #patient: LiveDoc;
  readonly #chart: LiveDoc | null;
  readonly #release: (doc: LiveDoc) => Promise<void>;
  readonly #cleanup: (() => void)[] = [];
  #closed = false;

  constructor(
    patientId: string,
    docs: { patient: LiveDoc; chart: LiveDoc | null },
    hooks: { release: (doc: LiveDoc) => Promise<void>; onPatientChange: (doc: Y.Doc) => void }
  ) {
    this.patientId = patientId;
    this.#patient = docs.patient;
    this.#chart = docs.chart;
    this.#release = hooks.release;
    for (const live of this.#docs()) {
      const bump = () => this.#version++;
      live.doc.on('update', bump);
      this.#cleanup.push(() => live.doc.off('update', bump), live.onConnection(() => this.#updateConnection()));
    }
    // Demographic edits reach the patient list once typing pauses, and at close at the latest.
    let timer: ReturnType<typeof setTimeout> | null = null;
    const refreshList = () => {
      timer = null;
      hooks.onPatientChange(this.#patient.doc);
    };
    const patientChanged = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(refreshList, LIST_REFRESH_MS);
    };
    this.#patient.doc.on('update', patientChanged);
    this.#cleanup.push(() => {
      this.#patient.doc.off('update', patientChanged);
      if (timer) {
        clearTimeout(timer);
        refreshList();
      }
    });
    this.#updateConnection();
  }

  get patientDoc(): Y.Doc {
    return this.#patient.doc;
  }
  get chartDoc(): Y.Doc | null {
    return this.#chart?.doc ?? null;
  }
  get patientAwareness(): Awareness {
    return this.#patient.awareness;
  }
  get chartAwareness(): Awareness | null {
    return this.#chart?.awareness ?? null;
  }
  get version(): number {
    return this.#version;
  }
  get connection(): Connection {
    return this.#connection;
  }

  /** Disconnects and destroys the documents once their edits are stored. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.#cleanup.splice(0)) c();
    Promise.all(this.#docs().map((d) => this.#release(d))).catch((err: unknown) => reportError('Closing a record', err));
  }

  #docs(): LiveDoc[] {
    return this.#chart ? [this.#patient, this.#chart] : [this.#patient];
  }

  #updateConnection(): void {
    this.#connection = this.#docs()
      .map((d) => d.connection)
      .reduce((a, b) => (RANK[b] < RANK[a] ? b : a));
  }
}
