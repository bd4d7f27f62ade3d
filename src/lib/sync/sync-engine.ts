import { inMonthWindow, monthsToEvict } from './month-window';
import * as Y from 'yjs';
import { AppError } from '../domain/errors';
import type { PatientSummary } from '../domain/patient';
import { docName } from '../domain/doc-names';
import type { ApiClient } from '../services/api-client';
import type { UserVault } from '../storage/user-vault';
import { uploadAccessEvents } from './access-log-upload';
import { catchUpFilter, DEFAULT_PANEL_POLICY, panelOf, toEvict, type PanelPolicy, type PatientFacts } from './panel-policy';
import { catchUp, flushPending, markRefused, pullDocs, refusedDocs, reissueDocument, type DocFailure, type RemoteDiff } from './batch-sync';
import { BATCH_ORIGIN, LiveDoc, type WebSocketClass } from './live-doc';
import { refreshPatientRows, summaryOf } from './projection-refresh';
import { changedChartIds, projectedCharts, rebuildChartProjections } from './chart-projection-refresh';
import { browserOnline, SIGNED_OUT_MESSAGE, type SyncStatusSink } from './sync-status';

/**
 * Keeps one user's device store in step with the clinic server while the
 * app is unlocked: flushes pending edits soon after they are made, catches
 * the whole panel up after unlock, when the network returns and every
 * ~30 s, and owns the documents open for live editing (one websocket per
 * open document, never one per chart in the panel).
 */
export interface SyncEngineOptions {
  vault: UserVault;
  api: ApiClient;
  /** Shown to others editing the same document. */
  user: { name: string; color: string };
  status?: SyncStatusSink;
  /** Patient-list rows rebuilt from changed `patient:` documents. */
  onPatientsChanged?: (rows: PatientSummary[]) => void;
  /** Open websockets for open documents (default true). */
  live?: boolean;
  WebSocketPolyfill?: WebSocketClass;
  intervalMs?: number;
  flushDelayMs?: number;
  /** Delay before chart summaries made stale by sync are rebuilt (default 1 s). */
  projectionDelayMs?: number;
  chunkSize?: number;
  isOnline?: () => boolean;
  /** Unexpected failures, for the app's error log (messages only; never patient data). */
  onError?: (err: unknown) => void;
  /** A live document's socket was closed because the session ended on the server. */
  onSessionEnded?: () => void;
  /**
   * The panel policy (panel-policy.ts) for big clinics: catch-up fetches only
   * the panel's patient documents (and clinic-wide ones), fetches panel
   * members the device lacks, and evicts the rest. Without it the device
   * keeps every document the user may read.
   */
  panel?: PanelSource;
}

export interface PanelSource {
  /** What the device knows about each patient (schedule, held encounters, lists, opens). */
  facts(): Promise<PatientFacts[]>;
  /** The patient document kinds the user may read, fetched for each panel member. */
  kinds: readonly ('patient' | 'chart')[];
  policy?: PanelPolicy;
  now?: () => Date;
}

/** How many panel documents one on-demand request fetches. */
const PANEL_PULL_CHUNK = 100;

interface OpenEntry {
  refs: number;
  opening: Promise<LiveDoc>;
  live?: LiveDoc;
}

export class SyncEngine {
  readonly #o: SyncEngineOptions;
  readonly #open = new Map<string, OpenEntry>();
  #running: Promise<void> | null = null;
  #wantFlush = false;
  #wantCatchUp = false;
  #interval: ReturnType<typeof setInterval> | null = null;
  #flushTimer: ReturnType<typeof setTimeout> | null = null;
  #stopped = false;
  #unsubscribe: (() => void)[] = [];
  /** Charts whose summary projection sync made stale, rebuilt in the background. */
  readonly #staleCharts = new Set<string>();
  #chartTimer: ReturnType<typeof setTimeout> | null = null;
  /** Open documents waiting to be re-expressed under a new client id once closed: name → where the server parted from them. */
  readonly #reissue = new Map<string, { client: number; clock: number; stateVector?: Uint8Array }>();
  /** The last background failure, for tests and diagnostics. */
  lastError: unknown = null;

  constructor(opts: SyncEngineOptions) {
    this.#o = opts;
  }

  get vault(): UserVault {
    return this.#o.vault;
  }

  #online(): boolean {
    return (this.#o.isOnline ?? browserOnline)();
  }

  /** Starts background sync: a catch-up now, then on 'online' and on a timer. */
  start(): void {
    this.#stopped = false;
    this.#unsubscribe.push(this.#o.api.onReachability((reachable) => this.#o.status?.update({ online: reachable && this.#online() })));
    if (typeof window !== 'undefined') {
      const online = () => this.#onOnline();
      const offline = () => this.#onOffline();
      window.addEventListener('online', online);
      window.addEventListener('offline', offline);
      this.#unsubscribe.push(() => window.removeEventListener('online', online), () => window.removeEventListener('offline', offline));
    }
    this.#interval = setInterval(() => this.#background(this.syncNow()), this.#o.intervalMs ?? 30_000);
    this.#background(this.#refreshPending());
    if (this.#online()) this.#background(this.syncNow());
    else this.#o.status?.update({ online: false });
  }

  /** Stops everything and closes open documents once their edits are stored. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#interval) clearInterval(this.#interval);
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    if (this.#chartTimer) clearTimeout(this.#chartTimer);
    this.#interval = this.#flushTimer = this.#chartTimer = null;
    for (const u of this.#unsubscribe.splice(0)) u();
    const entries = [...this.#open.values()];
    this.#open.clear();
    await Promise.allSettled(entries.map(async (e) => (await e.opening).close()));
    await this.#running?.catch(() => undefined); // failures after lock are expected: the key is going away
  }

  /** Pushes pending edits, then catches up on everything changed on the server. */
  syncNow(): Promise<void> {
    this.#wantFlush = true;
    this.#wantCatchUp = true;
    return this.#drain();
  }

  /** Pushes pending edits now (a flush, no catch-up). */
  flushNow(): Promise<void> {
    this.#wantFlush = true;
    return this.#drain();
  }

  /** Called after local edits: pushes them shortly, once typing pauses. */
  flushSoon(): void {
    if (this.#stopped) return;
    this.#background(this.#refreshPending());
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = null;
      if (this.#online()) this.#background(this.flushNow());
    }, this.#o.flushDelayMs ?? 1_500);
  }

  /** True while a screen holds the document open (acquired, not yet released): it needs no fetching. */
  isOpen(name: string): boolean {
    return this.#open.has(name);
  }

  /** Opens a document for live editing (shared when opened twice); `release` when done. */
  acquire(name: string): Promise<LiveDoc> {
    if (this.#stopped) return Promise.reject(new AppError('unauthenticated', 'Outpost is locked. Unlock it to see patient records.'));
    const existing = this.#open.get(name);
    if (existing) {
      existing.refs++;
      return existing.opening;
    }
    const opening = (async () => {
      // A record whose changes the server refused stays on this device without a live connection: it would only be refused again.
      const setAside = (await refusedDocs(this.#o.vault.meta))[name] !== undefined;
      return LiveDoc.open(name, {
        store: this.#o.vault.docs,
        syncUrl: this.#o.live === false || setAside ? null : this.#o.api.syncUrl(),
        online: this.#online(),
        WebSocketPolyfill: this.#o.WebSocketPolyfill ?? this.#o.api.webSocketClass,
        user: this.#o.user,
        onLocalEdit: () => this.flushSoon(),
        onError: (err) => this.#report(err),
        onServerClosed: (doc, close) => this.#background(this.#serverClosed(doc, close)),
        onSessionEnded: () => {
          if (!this.#stopped) this.#o.onSessionEnded?.();
        }
      });
    })();
    const entry: OpenEntry = { refs: 1, opening };
    this.#open.set(name, entry);
    opening.then(
      (live) => {
        entry.live = live;
        // A synced websocket proves the server is reachable as much as an HTTP answer does.
        live.onConnection((c) => c === 'live' && !this.#stopped && this.#o.status?.update({ online: true }));
      },
      () => this.#open.get(name) === entry && this.#open.delete(name)
    );
    return opening;
  }

  async release(live: LiveDoc): Promise<void> {
    const entry = this.#open.get(live.name);
    if (entry && entry.live === live && --entry.refs > 0) return;
    if (entry?.live === live) this.#open.delete(live.name);
    await live.close();
    const wait = this.#reissue.get(live.name);
    if (wait && !this.#open.has(live.name)) {
      this.#reissue.delete(live.name);
      await reissueDocument(this.#o.vault.docs, live.name, wait.client, wait.clock, wait.stateVector);
      this.flushSoon();
    }
  }

  /**
   * The server holds other edits under a client id this device wrote under
   * (a restored backup, a copied device, or a chance draw of the same id).
   * A closed document is re-expressed under a new id at once and sent
   * again; an open one when it is closed. Returns true when it was repaired now.
   */
  async #clientIdConflict(name: string, client: number, clock: number, stateVector?: Uint8Array): Promise<boolean> {
    if (this.#open.has(name)) {
      this.#reissue.set(name, { client, clock, ...(stateVector ? { stateVector } : {}) });
      return false;
    }
    await reissueDocument(this.#o.vault.docs, name, client, clock, stateVector);
    return true;
  }

  /** Fetches documents this device does not hold yet (a record found on the server). */
  async pull(names: readonly string[]): Promise<DocFailure[]> {
    const { changed, failed } = await pullDocs(this.#deps(), names);
    await this.#refreshPatients(changed);
    return failed;
  }

  /** Updates the patient list from an open `patient:` document after an edit. */
  async refreshPatientDoc(doc: Y.Doc): Promise<void> {
    if (this.#stopped) return; // locked: the list is gone and the key with it
    const summary = summaryOf(doc);
    if (!summary) return;
    await this.#o.vault.patients.put(summary);
    this.#o.onPatientsChanged?.([summary]);
  }

  /** Stored a new document made on this device (registration): count it pending and push it soon. */
  async storeNew(name: string, doc: Y.Doc): Promise<void> {
    await this.#o.vault.docs.append(name, Y.encodeStateAsUpdate(doc), { pending: true, stateVector: Y.encodeStateVector(doc) });
    this.flushSoon();
  }

  #deps() {
    return { docs: this.#o.vault.docs, api: this.#o.api, applyRemote: (d: readonly RemoteDiff[]) => this.#applyRemote(d) };
  }

  /** Diffs for open documents go into the Y.Doc (which stores them); the rest go straight to the store. */
  async #applyRemote(diffs: readonly RemoteDiff[]): Promise<void> {
    const closed: RemoteDiff[] = [];
    for (const d of diffs) {
      const entry = this.#open.get(d.name);
      if (!entry) {
        closed.push(d);
        continue;
      }
      const live = await entry.opening;
      Y.applyUpdate(live.doc, d.update, BATCH_ORIGIN);
      await live.persisted();
    }
    await this.#o.vault.docs.appendMany(closed.map((d) => ({ doc: d.name, update: d.update, pending: false, stateVector: d.stateVector })));
  }

  #drain(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#running ??= (async () => {
      try {
        while (!this.#stopped && (this.#wantFlush || this.#wantCatchUp)) {
          const full = this.#wantCatchUp;
          this.#wantFlush = this.#wantCatchUp = false;
          await this.#runOnce(full);
        }
      } finally {
        this.#running = null;
      }
    })();
    return this.#running;
  }

  async #runOnce(full: boolean): Promise<void> {
    const status = this.#o.status;
    const failed: DocFailure[] = [];
    let progress = { done: 0, total: 0 };
    try {
      const flushed = await flushPending({ ...this.#deps(), meta: this.#o.vault.meta });
      let repaired = false;
      for (const f of flushed.failed) {
        if (f.code === 'client-id-conflict' && f.clientId !== undefined && f.clock !== undefined && (await this.#clientIdConflict(f.name, f.clientId, f.clock, f.stateVector))) repaired = true;
        else failed.push(f);
      }
      if (repaired) {
        // Sent again at once, under the new id.
        const again = await flushPending({ ...this.#deps(), meta: this.#o.vault.meta });
        failed.push(...again.failed);
        flushed.changed.push(...again.changed);
      }
      await this.#refreshPending();
      await this.#uploadAccessLog();
      const changed = [...flushed.changed];
      if (full) {
        status?.update({ catchUp: { running: true, done: 0, total: 0 } });
        const panel = this.#o.panel ? await this.#panel(this.#o.panel) : null;
        const result = await catchUp({
          ...this.#deps(),
          meta: this.#o.vault.meta,
          chunkSize: this.#o.chunkSize,
          include: (name) => inMonthWindow(name, new Date()) && (panel ? panel.include(name) : true),
          stopped: () => this.#stopped,
          onProgress: (p) => {
            progress = p;
            if (!this.#stopped) status?.update({ catchUp: { running: true, ...p } });
          }
        });
        changed.push(...result.changed);
        failed.push(...result.failed);
        if (panel && !this.#stopped) {
          // Read again after the catch-up: the clinic schedule it brought (on a first sign-in, the device's only source) names the panel.
          const now = await this.#panel(this.#o.panel!);
          const pulled = await this.#pullPanel(now.missing);
          changed.push(...pulled.changed);
          failed.push(...pulled.failed);
          const evicted = new Set(await this.#evictOutside(now.members));
          if (evicted.size > 0) changed.splice(0, changed.length, ...changed.filter((n) => !evicted.has(n)));
        }
      }
      if (full && !this.#stopped) {
        const docs = this.#o.vault.docs;
        const stale = monthsToEvict(await docs.docNames(), new Date(), { pending: new Set(await docs.pendingDocs()), open: new Set(this.#open.keys()) });
        if (stale.length > 0) await docs.evict(stale);
      }
      await this.#refreshPatients(changed);
      if (this.#stopped) return;
      this.lastError = null;
      status?.update({
        online: this.#online(),
        lastSyncedAt: new Date().toISOString(),
        error: failed.length === 0 ? null : `${failed.length} record${failed.length === 1 ? '' : 's'} could not be synced: ${failed[0].message}`
      });
    } catch (err) {
      this.#report(err);
    } finally {
      // Keeps the last figures so the UI can show "1000 of 1000" after it ends.
      if (full && !this.#stopped) status?.update({ catchUp: { running: false, ...progress } });
    }
  }

  /** The panel now: its members, the catch-up filter, and the members' documents the device lacks. */
  async #panel(source: PanelSource): Promise<{ members: Set<string>; include: (name: string) => boolean; missing: string[] }> {
    const members = panelOf(await source.facts(), (source.now ?? (() => new Date()))(), source.policy ?? DEFAULT_PANEL_POLICY);
    const held = new Set(await this.#o.vault.docs.docNames());
    const missing = [...members].flatMap((id) => source.kinds.map((k) => docName(k, id))).filter((n) => !held.has(n));
    return { members, include: catchUpFilter(members, held), missing };
  }

  async #pullPanel(names: readonly string[]): Promise<{ changed: string[]; failed: DocFailure[] }> {
    const out = { changed: [] as string[], failed: [] as DocFailure[] };
    for (let i = 0; i < names.length && !this.#stopped; i += PANEL_PULL_CHUNK) {
      const got = await pullDocs(this.#deps(), names.slice(i, i + PANEL_PULL_CHUNK));
      out.changed.push(...got.changed);
      // A panel member the user may not read, or one never written, is simply not kept.
      out.failed.push(...got.failed.filter((f) => f.code !== 'forbidden' && f.code !== 'not-found'));
    }
    return out;
  }

  /** Evicts held patient documents outside the panel, except those with unconfirmed edits or open now. */
  async #evictOutside(members: ReadonlySet<string>): Promise<string[]> {
    const docs = this.#o.vault.docs;
    const names = toEvict(await docs.docNames(), members, { pending: new Set(await docs.pendingDocs()), open: new Set(this.#open.keys()) });
    if (names.length === 0) return [];
    const evicted = await docs.evict(names);
    // What was projected from them goes too: no summary or list row outlives its record on the device.
    const ids = (kind: string) => evicted.filter((n) => n.startsWith(`${kind}:`)).map((n) => n.slice(kind.length + 1));
    for (const id of ids('chart')) this.#staleCharts.delete(id);
    await this.#o.vault.chartSummaries.invalidate(ids('chart'));
    await this.#o.vault.patients.remove(ids('patient'));
    return evicted;
  }

  /** Reads and prints recorded on the device go to the server's audit log; a failure waits for the next round and does not stop sync. */
  async #uploadAccessLog(): Promise<void> {
    try {
      await uploadAccessEvents(this.#o.vault, this.#o.api);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'unavailable')) this.#o.onError?.(err);
    }
  }

  async #refreshPatients(changed: readonly string[]): Promise<void> {
    if (this.#stopped) return;
    const rows = await refreshPatientRows(this.#o.vault, changed);
    if (rows.length > 0 && !this.#stopped) this.#o.onPatientsChanged?.(rows);
    await this.#invalidateChartSummaries(changed);
  }

  /**
   * Charts sync changed lose their summary projection at once (so a stale
   * one is never shown) and get it rebuilt a moment later, off the sync
   * path, one chart at a time — charts that had none too, so that after
   * the first catch-up every chart of the panel opens on its stored
   * summary. An open chart rebuilds its own from the live document.
   */
  async #invalidateChartSummaries(changed: readonly string[]): Promise<void> {
    const charts = changedChartIds(changed);
    if (charts.length === 0 || this.#stopped) return;
    const projected = await projectedCharts(this.#o.vault, changed);
    if (projected.length > 0) await this.#o.vault.chartSummaries.invalidate(projected);
    if (this.#stopped) return;
    for (const id of charts) if (!this.#open.has(`chart:${id}`)) this.#staleCharts.add(id);
    if (this.#staleCharts.size === 0 || this.#chartTimer) return;
    this.#chartTimer = setTimeout(() => {
      this.#chartTimer = null;
      const ids = [...this.#staleCharts];
      this.#staleCharts.clear();
      this.#background(rebuildChartProjections(this.#o.vault, ids, () => this.#stopped).then(() => undefined));
    }, this.#o.projectionDelayMs ?? 1_000);
  }

  async #refreshPending(): Promise<void> {
    if (this.#stopped) return;
    this.#o.status?.update({ pending: await this.#o.vault.docs.pendingCount() });
  }

  /**
   * What follows the server ending a live connection for good. Too large
   * for the live connection: the pending edits go through the batch path in
   * parts, then the document reconnects. Refused by the record's rules: the
   * document is set aside on this device (its edits kept, not sent again)
   * and the refusal shown. Anything else is shown as it is.
   */
  async #serverClosed(name: string, close: { code: number; reason: string }): Promise<void> {
    if (this.#stopped) return;
    if (close.code === 4413) {
      await this.flushNow();
      this.#open.get(name)?.live?.connect();
      return;
    }
    if (close.code === 4403) {
      const rules = close.reason.replace(/^refused:\s*/, '').split(/\s+/).filter(Boolean);
      await markRefused(this.#o.vault.meta, { name, code: 'refused', message: 'The clinic server refused a change to this record made on this device', rules });
      this.#o.status?.update({ error: 'The clinic server refused a change to a record made on this device. It is kept here and not sent again; ask your administrator.' });
      return;
    }
    if (close.code === 4409) {
      const m = /client id in use: (\d+) from (\d+)/.exec(close.reason);
      if (m) await this.#clientIdConflict(name, Number(m[1]), Number(m[2]));
      this.#o.status?.update({ error: 'Changes to a record open here are kept on this device and will be sent once it is closed (another device wrote under the same identity).' });
      return;
    }
    this.#o.status?.update({ error: `The clinic server closed a record’s live connection (${close.code}). Your work is saved on this device.` });
  }

  #onOnline(): void {
    this.#o.status?.update({ online: true });
    for (const e of this.#open.values()) e.live?.connect();
    this.#background(this.syncNow());
  }

  #onOffline(): void {
    this.#o.status?.update({ online: false });
    for (const e of this.#open.values()) e.live?.disconnect();
  }

  /** Background work never rejects unobserved: failures go to the status line. */
  #background(p: Promise<void>): void {
    p.catch((err: unknown) => this.#report(err));
  }

  #report(err: unknown): void {
    if (this.#stopped) return; // locked meanwhile: the key is gone, nothing to report
    this.lastError = err;
    const status = this.#o.status;
    if (err instanceof AppError && err.code === 'unavailable') {
      status?.update({ online: false, error: null });
      return;
    }
    if (err instanceof AppError && err.code === 'unauthenticated') {
      status?.update({ error: SIGNED_OUT_MESSAGE });
      return;
    }
    status?.update({ error: err instanceof AppError ? err.message : 'Sync failed unexpectedly. Your work is saved on this device.' });
    this.#o.onError?.(err);
  }
}
