import path from 'node:path';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { AppError } from '../../src/lib/domain/errors';
import { readAuditLogId } from '../audit/audit-log';
import { requireAdmin } from '../admin/admin-guard';
import { parseReadable } from '../admin/admin-security-routes';
import { readRaw } from '../http/body';
import type { Route } from '../http/context';
import { sendJson } from '../http/errors';
import type { SecretSealer } from '../crypto/sealed-secret';
import type { Audit, SyncService } from '../types';
import { makeBundle, openBundle } from './bundle';
import { quarantineJudge } from './replication-quarantine';
import {
  applyDocs,
  patientScope,
  b64,
  diffAgainst,
  hubBundleSchema,
  importUsers,
  readOwnAudit,
  summaryOf,
  STAFF_ROLES,
  unb64,
  usersSchema,
  type UsersWire
} from './replication-core';
import { generateKeys, KEY_FILE, loadKeys, publicKeyFrom, saveKeys, type ReplicationKeys } from './replication-crypto';
import { ReplicationHttpError, signedPost } from './signed-http';

/**
 * The clinic box's side: its enrolment with a hub, and the replicator that
 * keeps it in step while the link is up (every `intervalMs`, backing off
 * after failures), plus sneakernet files in and out.
 */

export interface EdgeLink {
  edgeId: string;
  clinicId: string;
  hubUrl: string;
  hubSignKey: string;
  hubBoxKey: string;
}

export function readEdgeLink(db: Database.Database): EdgeLink | null {
  const row = db.prepare('SELECT edge_id, clinic_id, hub_url, hub_sign_key, hub_box_key FROM edge_link WHERE id = 1').get() as
    | { edge_id: string; clinic_id: string; hub_url: string; hub_sign_key: string; hub_box_key: string }
    | undefined;
  return row ? { edgeId: row.edge_id, clinicId: row.clinic_id, hubUrl: row.hub_url, hubSignKey: row.hub_sign_key, hubBoxKey: row.hub_box_key } : null;
}

const enrolAnswerSchema = z.object({
  edgeId: z.string().uuid(),
  name: z.string(),
  clinic: z.object({ id: z.string().uuid(), name: z.string().min(1).max(200) }),
  hub: z.object({ signKey: z.string().max(200), boxKey: z.string().max(200) })
});

/**
 * The setup command's work (`npm run edge:enrol`): makes this box's key
 * pairs, presents the one-time code and the public keys to the hub, and
 * keeps the hub's public keys. Creates the clinic here under the hub's id,
 * so documents are bound to the same clinic on both sides. Staff accounts
 * arrive with the first replication. No person's password is involved.
 */
export async function enrolEdge(opts: { db: Database.Database; dataDir: string; hubUrl: string; code: string; fetchImpl?: typeof fetch }): Promise<EdgeLink & { clinicName: string; name: string }> {
  const { db } = opts;
  if (readEdgeLink(db)) throw new AppError('conflict', 'This box is already enrolled with a hub.');
  const hubUrl = new URL(opts.hubUrl).origin;
  const keys = generateKeys();
  const res = await (opts.fetchImpl ?? fetch)(new URL('/api/replication/enrol', hubUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: opts.code, signKey: keys.signPublic, boxKey: keys.boxPublic })
  });
  const text = await res.text();
  if (res.status !== 201) {
    let message = `The hub answered ${res.status}.`;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // keep the status
    }
    throw new AppError(res.status === 403 ? 'forbidden' : 'unavailable', message);
  }
  const answer = enrolAnswerSchema.parse(JSON.parse(text));
  publicKeyFrom(answer.hub.signKey, 'ed25519');
  publicKeyFrom(answer.hub.boxKey, 'x25519');
  saveKeys(path.join(opts.dataDir, KEY_FILE), keys);
  db.transaction(() => {
    if (!db.prepare('SELECT 1 FROM clinics WHERE id = ?').get(answer.clinic.id)) {
      db.prepare("INSERT INTO clinics (id, name, demo, created_at) VALUES (?, ?, 0, ?)").run(answer.clinic.id, answer.clinic.name, new Date().toISOString());
    }
    db.prepare('INSERT INTO edge_link (id, edge_id, clinic_id, hub_url, hub_sign_key, hub_box_key, enrolled_at) VALUES (1, ?, ?, ?, ?, ?, ?)').run(
      answer.edgeId, answer.clinic.id, hubUrl, answer.hub.signKey, answer.hub.boxKey, Date.now()
    );
  })();
  return { edgeId: answer.edgeId, clinicId: answer.clinic.id, hubUrl, hubSignKey: answer.hub.signKey, hubBoxKey: answer.hub.boxKey, clinicName: answer.clinic.name, name: answer.name };
}

export interface EdgeDeps {
  db: Database.Database;
  sync: SyncService;
  audit: Audit;
  dataDir: string;
  /** The box's secrets key: authenticators arriving from the hub are sealed under it. */
  sealer?: SecretSealer;
  /** Ends every session of a user the hub disabled (or whose password or roles changed there). */
  endSessionsOf(userId: string): void;
  /** The hub's address; default the one given at enrolment (OUTPOST_HUB_URL overrides it). */
  hubUrl?: string;
  /** Time between rounds while the link is up (default 30 s). */
  intervalMs?: number;
  /** Longest wait after repeated failures (default 10 min). */
  maxBackoffMs?: number;
  /** Documents per exchange (default 50) and largest push, in bytes (default 4 MiB). */
  batchDocs?: number;
  maxBatchBytes?: number;
  fetchImpl?: typeof fetch;
}

export interface RoundReport {
  users: number;
  pulled: number;
  pushed: number;
  refused: number;
  auditSent: number;
  exchanges: number;
}

const changesAnswer = z.object({ docs: z.array(z.string()), cursor: z.string().regex(/^\d{1,15}$/) });
const exchangeAnswer = z.object({
  docs: z.array(z.object({ name: z.string(), update: z.string().optional(), sv: z.string().optional(), ds: z.string().optional(), deferred: z.literal(true).optional(), error: z.string().optional() }))
});
const pushAnswer = z.object({ applied: z.number(), refused: z.array(z.object({ name: z.string(), code: z.string() })) });
const auditAnswer = z.object({ added: z.number(), lastSeq: z.number(), problem: z.string().optional() });

export class EdgeReplicator {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RoundReport> | null = null;
  private failures = 0;
  private stopped = true;
  /** What the admin console shows. */
  status: { lastSuccessAt: number | null; lastError: string | null; state: 'idle' | 'ok' | 'failing' | 'revoked' } = { lastSuccessAt: null, lastError: null, state: 'idle' };

  constructor(
    private readonly deps: EdgeDeps,
    private readonly link: EdgeLink,
    private readonly keys: ReplicationKeys
  ) {}

  static open(deps: EdgeDeps): EdgeReplicator | null {
    const link = readEdgeLink(deps.db);
    const keys = loadKeys(path.join(deps.dataDir, KEY_FILE));
    if (!link || !keys) return null;
    return new EdgeReplicator(deps, { ...link, hubUrl: deps.hubUrl ?? link.hubUrl }, keys);
  }

  get edgeId(): string {
    return this.link.edgeId;
  }

  /** Replicates now and then every interval while the link is up; after a failure waits longer each time (to maxBackoffMs). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.round().then(
        () => this.schedule(this.deps.intervalMs ?? 30_000),
        () => {
          const base = this.deps.intervalMs ?? 30_000;
          const wait = Math.min(this.deps.maxBackoffMs ?? 600_000, base * 2 ** Math.min(this.failures, 10));
          this.schedule(wait * (0.75 + Math.random() * 0.5));
        }
      );
    }, ms);
    this.timer.unref();
  }

  /** One round (single flight: a call during a round joins it). Throws when the hub cannot be reached or refuses. */
  round(): Promise<RoundReport> {
    this.running ??= this.runRound().then(
      (r) => {
        this.running = null;
        this.failures = 0;
        this.status = { lastSuccessAt: Date.now(), lastError: null, state: 'ok' };
        return r;
      },
      (err: unknown) => {
        this.running = null;
        this.failures++;
        const revoked = err instanceof ReplicationHttpError && err.status === 403;
        this.status = { ...this.status, lastError: err instanceof Error ? err.message : 'error', state: revoked ? 'revoked' : 'failing' };
        throw err;
      }
    );
    return this.running;
  }

  private post(pathname: string, payload: unknown): Promise<unknown> {
    return signedPost({
      hubUrl: this.link.hubUrl,
      path: pathname,
      edgeId: this.link.edgeId,
      signKey: this.keys.signPrivate,
      hubSignKey: publicKeyFrom(this.link.hubSignKey, 'ed25519'),
      payload,
      fetchImpl: this.deps.fetchImpl
    });
  }

  private cursor(name: 'hub' | 'local' | 'audit'): string | undefined {
    return (this.deps.db.prepare('SELECT value FROM edge_cursors WHERE name = ?').get(name) as { value: string } | undefined)?.value;
  }

  private setCursor(name: 'hub' | 'local' | 'audit', value: string): void {
    this.deps.db.prepare('INSERT INTO edge_cursors (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value').run(name, value);
  }

  private applyUsers(wire: UsersWire, via: string): number {
    if (wire.clinic.id !== this.link.clinicId) throw new AppError('forbidden', 'The hub sent another clinic’s users.');
    const r = importUsers(this.deps.db, wire, this.deps.sealer ? { keys: this.keys, sealer: this.deps.sealer } : undefined);
    for (const id of r.ended) this.deps.endSessionsOf(id);
    if (r.written > 0 || r.skipped > 0) {
      this.deps.audit.record({ action: 'edge.users', outcome: r.skipped ? 'failure' : 'success', userId: null, target: `edge:${this.link.edgeId}`, detail: { via, written: r.written, sessionsEnded: r.ended.length, skipped: r.skipped } });
    }
    return r.written;
  }

  /**
   * How the box judges what its hub sends: the hub judged every write it
   * holds, so updates are written as the server's own (`system`), but only
   * for this clinic's documents and patients; anything else is set aside
   * and audited like a box's refused update on the hub.
   */
  private judge(via: 'link' | 'bundle') {
    const { db, sync, audit } = this.deps;
    const clinicId = this.link.clinicId;
    return quarantineJudge({ db, audit, origin: 'hub', clinicId, via, base: { origin: 'system', outOfScope: (name) => patientScope(sync, db, clinicId, name) } });
  }

  private async runRound(): Promise<RoundReport> {
    const { sync } = this.deps;
    const clinicId = this.link.clinicId;
    const report: RoundReport = { users: 0, pulled: 0, pushed: 0, refused: 0, auditSent: 0, exchanges: 0 };
    // Users first: a disable at the hub ends sessions here before anything else.
    report.users = this.applyUsers(usersSchema.parse(await this.post('/api/replication/users', {})), 'link');

    // Cursors are read now and stored only after every document of this round is applied on both sides.
    const remote = changesAnswer.parse(await this.post('/api/replication/changes', { since: this.cursor('hub') }));
    const local = await sync.changes({ roles: STAFF_ROLES, clinicId }, this.cursor('local'));
    const names = [...new Set([...remote.docs, ...local.docs])];
    const batchDocs = this.deps.batchDocs ?? 50;
    const maxBytes = this.deps.maxBatchBytes ?? 4 * 1024 * 1024;
    for (let i = 0; i < names.length; i += batchDocs) {
      let pending = names.slice(i, i + batchDocs);
      while (pending.length) {
        const asked = new Set(pending);
        const svs = await Promise.all(
          pending.map(async (name) => {
            const mine = await summaryOf(sync, name, clinicId);
            return { name, sv: b64(mine.sv), ...(mine.ds ? { ds: mine.ds } : {}) };
          })
        );
        const answer = exchangeAnswer.parse(await this.post('/api/replication/exchange', { docs: svs }));
        report.exchanges++;
        const deferred: string[] = [];
        const toPush: { name: string; update: string }[] = [];
        for (const d of answer.docs) {
          if (!asked.has(d.name)) continue;
          asked.delete(d.name);
          if (d.deferred) {
            deferred.push(d.name);
            continue;
          }
          if (d.error) {
            report.refused++;
            continue;
          }
          if (d.update) {
            const r = await applyDocs(sync, clinicId, [{ name: d.name, update: d.update }], 'hub', this.judge('link'));
            report.pulled += r.applied;
            report.refused += r.refused.length;
          }
          const mine = await sync.readState(d.name, clinicId);
          const diff = mine ? diffAgainst(mine, d.sv ? unb64(d.sv) : new Uint8Array([0]), d.ds) : null;
          if (diff) toPush.push({ name: d.name, update: b64(diff) });
        }
        // A hub that answers nothing for some names, or defers all of them every time, must not loop forever.
        if (deferred.length === pending.length) throw new AppError('unavailable', 'The hub deferred every document of the batch.');
        let chunk: typeof toPush = [];
        let size = 0;
        const flush = async () => {
          if (!chunk.length) return;
          const r = pushAnswer.parse(await this.post('/api/replication/push', { docs: chunk }));
          report.pushed += r.applied;
          report.refused += r.refused.length;
          chunk = [];
          size = 0;
        };
        for (const p of toPush) {
          if (size + p.update.length > maxBytes) await flush();
          chunk.push(p);
          size += p.update.length;
        }
        await flush();
        pending = deferred;
      }
    }
    this.setCursor('hub', remote.cursor);
    this.setCursor('local', local.cursor);

    // The audit chain, in order, from the entry after the last one the hub holds.
    const logId = readAuditLogId(this.deps.db);
    for (;;) {
      const after = Number(this.cursor('audit') ?? '0');
      const rows = readOwnAudit(this.deps.db, after, 500);
      if (!rows.length) break;
      const r = auditAnswer.parse(await this.post('/api/replication/audit', { logId, rows }));
      this.setCursor('audit', String(r.lastSeq));
      report.auditSent += r.added;
      if (r.problem) throw new AppError('conflict', `The hub refused this box’s audit entries: ${r.problem}`);
      if (r.lastSeq <= after) break;
    }
    return report;
  }

  /** Sneakernet out: every document changed here since the hub last acknowledged, whole, and the audit entries it lacks. */
  async exportBundle(userId: string | null = null): Promise<string> {
    const { sync, db } = this.deps;
    const clinicId = this.link.clinicId;
    const local = await sync.changes({ roles: STAFF_ROLES, clinicId }, this.cursor('local'));
    const docs: { name: string; update: string }[] = [];
    for (const name of local.docs) {
      const state = await sync.readState(name, clinicId);
      if (state) docs.push({ name, update: b64(state) });
    }
    const rows = readOwnAudit(db, Number(this.cursor('audit') ?? '0'), Number.MAX_SAFE_INTEGER);
    const file = makeBundle(this.keys, this.link.hubBoxKey, { from: 'edge', edgeId: this.link.edgeId }, { docs, audit: { logId: readAuditLogId(db), rows } });
    this.deps.audit.record({ action: 'edge.bundle.export', outcome: 'success', userId, target: `edge:${this.link.edgeId}`, detail: { docs: docs.length, auditEntries: rows.length } });
    return file;
  }

  /** Sneakernet in: a file the hub made for this box. */
  async importBundle(text: string, userId: string | null): Promise<{ bundle: string; alreadyImported: boolean; docs: number; refused: number; users: number }> {
    const { header, payload } = openBundle(text, this.keys, 'hub', (h) => (h.edgeId === this.link.edgeId ? this.link.hubSignKey : null));
    const body = parseReadable(hubBundleSchema, payload);
    const db = this.deps.db;
    const seen = db.prepare('SELECT 1 FROM edge_bundles WHERE id = ?').get(header.id) !== undefined;
    const users = this.applyUsers(body.users, 'bundle');
    const docs = await applyDocs(this.deps.sync, this.link.clinicId, body.docs, 'hub', this.judge('bundle'));
    if (!seen) db.prepare('INSERT INTO edge_bundles (id, origin, imported_at) VALUES (?, ?, ?)').run(header.id, 'hub', Date.now());
    this.deps.audit.record({ action: 'edge.bundle.import', outcome: 'success', userId, target: `edge:${this.link.edgeId}`, detail: { bundle: header.id, again: seen, docs: docs.applied, refused: docs.refused.length, users } });
    return { bundle: header.id, alreadyImported: seen, docs: docs.applied, refused: docs.refused.length, users };
  }
}

/** The box's admin endpoints: where the link stands, a round now, and sneakernet files. */
export function edgeRoutes(deps: { replicator: () => EdgeReplicator | null; audit: Audit }): Route[] {
  const need = () => {
    const r = deps.replicator();
    if (!r) throw new AppError('unavailable', 'This box is not enrolled with a hub yet: run `npm run edge:enrol`.');
    return r;
  };
  return [
    {
      method: 'GET',
      path: '/api/admin/edge/status',
      handler(ctx) {
        requireAdmin(ctx, deps.audit);
        const r = deps.replicator();
        sendJson(ctx.res, 200, { enrolled: r !== null, ...(r ? { edgeId: r.edgeId, ...r.status } : {}) });
      }
    },
    {
      method: 'POST',
      path: '/api/admin/edge/sync',
      async handler(ctx) {
        requireAdmin(ctx, deps.audit);
        try {
          sendJson(ctx.res, 200, await need().round());
        } catch (err) {
          if (err instanceof AppError) throw err;
          throw new AppError('unavailable', `The hub could not be reached or refused: ${err instanceof Error ? err.message : 'error'}`);
        }
      }
    },
    {
      // A POST: making the file is audited.
      method: 'POST',
      path: '/api/admin/edge/bundle/export',
      async handler(ctx) {
        const admin = requireAdmin(ctx, deps.audit);
        const file = await need().exportBundle(admin.id);
        ctx.res.statusCode = 200;
        ctx.res.setHeader('Content-Type', 'application/json');
        ctx.res.setHeader('Content-Disposition', 'attachment; filename="outpost-box-to-hub.json"');
        ctx.res.end(file);
      }
    },
    {
      method: 'POST',
      path: '/api/admin/edge/bundle',
      async handler(ctx) {
        const admin = requireAdmin(ctx, deps.audit);
        const text = (await readRaw(ctx.req, 512 * 1024 * 1024, 'application/json')).toString('utf8');
        sendJson(ctx.res, 200, await need().importBundle(text, admin.id));
      }
    }
  ];
}
