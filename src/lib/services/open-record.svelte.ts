import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { STORE_ORIGIN, type Connection, type LiveDoc } from '../sync/live-doc';
import { AppError } from '../domain/errors';
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
  /** Other people with this chart open right now (from presence), for "also here". */
  readonly peers: readonly Peer[];
  readonly version: number;
  readonly connection: Connection;
  close(): void;
}

export interface Peer {
  clientId: number;
  name: string;
  color: string;
}

function peersOf(awareness: Awareness): Peer[] {
  const out: Peer[] = [];
  awareness.getStates().forEach((state, clientId) => {
    if (clientId === awareness.clientID) return;
    const user = (state as { user?: { name?: unknown; color?: unknown } }).user;
    if (user && typeof user.name === 'string') {
      out.push({ clientId, name: user.name, color: typeof user.color === 'string' && /^#[0-9a-f]{6}$/i.test(user.color) ? user.color : '#888888' });
    }
  });
  return out;
}

/** How long after the last demographic edit the patient list is refreshed. */
const LIST_REFRESH_MS = 400;
/** How long after the last chart change (or the chart opening) its summary projection is brought up to date. */
const CHART_SUMMARY_MS = 1_500;

/** Keeps the chart's summary projection (what ChartSummary shows) in step with the open chart. */
export interface ChartSummaryHooks {
  /** True when the stored projection already covers the stored chart. */
  isCurrent(): Promise<boolean>;
  /** Reads the summary from the document synchronously, then stores it. */
  store(doc: Y.Doc): Promise<void>;
}

const RANK: Record<Connection, number> = { offline: 0, connecting: 1, live: 2 };

export class LiveRecord implements OpenRecord {
  readonly patientId: string;
  #version = $state(0);
  #connection = $state<Connection>('offline');
  #peers = $state<Peer[]>([]);
  readonly #patient: LiveDoc;
  readonly #chart: LiveDoc | null;
  readonly #release: (doc: LiveDoc) => Promise<void>;
  readonly #cleanup: (() => void)[] = [];
  #closed = false;

  constructor(
    patientId: string,
    docs: { patient: LiveDoc; chart: LiveDoc | null },
    hooks: { release: (doc: LiveDoc) => Promise<void>; onPatientChange: (doc: Y.Doc) => void; chartSummary?: ChartSummaryHooks }
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
    if (this.#chart && hooks.chartSummary) this.#keepChartSummary(this.#chart.doc, hooks.chartSummary);
    const presence = this.#chart?.awareness ?? this.#patient.awareness;
    const updatePeers = () => (this.#peers = peersOf(presence));
    presence.on('change', updatePeers);
    this.#cleanup.push(() => presence.off('change', updatePeers));
    this.#updateConnection();
  }

  get peers(): readonly Peer[] {
    return this.#peers;
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

  /**
   * Off the hot path: once the chart has been open a moment it checks that
   * the projection is current (rebuilding it if not), and after every burst
   * of changes, local or synced, it rebuilds it. Closing does what is due.
   */
  #keepChartSummary(doc: Y.Doc, hooks: ChartSummaryHooks): void {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let changed = false;
    const report = (err: unknown) => {
      // Locked meanwhile (the key and the database are gone): the copy is simply not updated.
      if ((err instanceof AppError && err.code === 'unauthenticated') || (err instanceof Error && err.name === 'DatabaseClosedError')) return;
      reportError('Updating the chart summary on this device', err);
    };
    const run = (closing: boolean) => {
      timer = null;
      if (changed || closing) {
        changed = false;
        hooks.store(doc).catch(report);
        return;
      }
      hooks
        .isCurrent()
        .then((current) => (current || this.#closed ? undefined : hooks.store(doc)))
        .catch(report);
    };
    const schedule = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => run(false), CHART_SUMMARY_MS);
    };
    const onUpdate = (_update: Uint8Array, origin: unknown) => {
      if (origin === STORE_ORIGIN) return;
      changed = true;
      schedule();
    };
    schedule();
    doc.on('update', onUpdate);
    this.#cleanup.push(() => {
      doc.off('update', onUpdate);
      if (timer) {
        clearTimeout(timer);
        run(true);
      }
    });
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
