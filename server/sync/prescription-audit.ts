import { createHash } from 'node:crypto';
import * as Y from 'yjs';
import type { Role } from '../../src/lib/domain/roles';
import type { Audit } from '../types';
import type { LiveDoc, Writer } from './live-doc';

/**
 * Derives the prescribing audit trail from the chart updates themselves,
 * and refuses what a client may not write. Prescriptions are signed on the
 * device (offline too) and reach the server only as Yjs updates, so the
 * server watches every transaction applied to a live `chart:` document and
 * compares the prescriptions and pharmacy sends with what it accepted
 * before. The author of each transaction is the connection's signed-in user
 * (attribution the client cannot forge), never the name written inside the
 * entry.
 *
 * - A new signed MedicationRequest → `prescription.sign`. Only a write made
 *   by the server itself (FHIR import, demo seed) may add an imported entry
 *   (one with a `sourceId`); from a client, a `sourceId` is no exemption.
 * - Each new override reason (at signing, or at send time) →
 *   `prescription.override` with rule id, severity, the reason's length and
 *   its SHA-256. The reason itself stays in the chart (encrypted on the
 *   devices); the append-only audit log, which can never be edited, gets no
 *   free text that might describe the patient.
 * - The server keeps the signed fields of every prescription it accepted.
 *   A signed prescription is never edited in place (a change of drug or dose
 *   is a new prescription, see medication-doc.ts); the only edits allowed are
 *   a clinician's status changes the domain makes (stop, complete on
 *   renewal, entered-in-error). Any other change, or any change by a user
 *   who is not a clinician, is audited as `prescription.change` failure and
 *   undone.
 * - A prescription signed by a user without the clinician role, or naming
 *   another prescriber (or another overrider) than its author, cannot simply
 *   be dropped (later updates of that client build on it), so it is refused
 *   by a correction: the server marks it entered-in-error with the reason,
 *   which takes it off the active list and out of the checks on every
 *   device, and audits the refusal. A send-time override by a non-clinician,
 *   or one naming another user than its author, is refused the same way
 *   (the send is cancelled).
 */

/** The user id corrections made by the server are attributed to. */
export const SERVER_WRITER_ID = 'outpost-server';

export type Correction =
  | { kind: 'refuse-prescription'; id: string; reason: string }
  | { kind: 'refuse-send'; id: string; reason: string }
  /** Puts back the fields of a prescription as the server last accepted them. */
  | { kind: 'restore-prescription'; id: string; fields: Record<string, unknown>; entry: Record<string, unknown> };

export interface PrescriptionAuditDeps {
  audit: Audit;
  rolesOf(userId: string): readonly Role[] | null;
  /** Stores and applies corrections to the document, attributed to the server, right after the current transaction's write. */
  correct(live: LiveDoc, corrections: readonly Correction[]): void;
  /** Logs a failure of the watcher itself; never given patient data. */
  onError?(err: unknown): void;
}

/** The fields of a prescription that its signature covers. */
export const SIGNED_FIELDS = [
  'resourceType',
  'intent',
  'status',
  'requester',
  'medicationCodeableConcept',
  'authoredOn',
  'dosageText',
  'dosage',
  'dispense',
  'detectedIssues',
  'priorPrescription',
  'sourceId'
] as const;

/**
 * Status changes a clinician may make to a signed prescription, as the
 * domain makes them (medication-doc.ts: stop, renew → completed, change →
 * stopped, entered-in-error). Nothing returns a prescription to active, and
 * entered-in-error is final.
 */
const CLINICIAN_STATUS_CHANGES: Record<string, readonly string[]> = {
  active: ['stopped', 'completed', 'entered-in-error'],
  stopped: ['entered-in-error'],
  completed: ['entered-in-error']
};

interface Accepted {
  /** Canonical JSON of the signed fields. */
  print: string;
  fields: Json;
  /** The whole entry as accepted, to put back a deleted one. */
  entry: Json;
}

interface Known {
  prescriptions: Map<string, Accepted>;
  overrides: Set<string>;
}

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True for a prescription: a MedicationRequest order naming a prescriber. */
function isPrescription(e: Json): boolean {
  return e.resourceType === 'MedicationRequest' && e.intent === 'order' && isRecord(e.requester);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isRecord(v)) {
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

function signedFields(e: Json): Json {
  const out: Json = {};
  for (const f of SIGNED_FIELDS) if (e[f] !== undefined) out[f] = e[f];
  return out;
}

function accepted(e: Json): Accepted {
  const fields = signedFields(e);
  return { print: canonical(fields), fields, entry: e };
}

function changedFields(before: Json, after: Json): string[] {
  return SIGNED_FIELDS.filter((f) => canonical(before[f]) !== canonical(after[f]));
}

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

function overridesOf(scope: string, issues: unknown): { key: string; issue: Json; override: Json }[] {
  if (!Array.isArray(issues)) return [];
  return issues
    .filter((i): i is Json => isRecord(i) && isRecord(i.override))
    .map((i) => {
      const o = i.override as Json;
      return { key: `${scope}|${String(i.ruleId)}|${String(i.title)}|${String(o.at)}|${String(o.byId)}`, issue: i, override: o };
    });
}

type Author = { userId: string; server: boolean };

/** The prescriptions and sends a transaction changed, by id. */
interface Changed {
  medications: Set<string>;
  sends: Set<string>;
}

/**
 * Which entries of the two maps a transaction touched: keys set or deleted
 * on the maps themselves, and the entries whose own fields changed. Entries
 * are Y.Maps of plain values, so an entry is the changed type itself or its
 * direct child of the map.
 */
function changedEntries(tr: Y.Transaction, meds: Y.Map<unknown>, sends: Y.Map<unknown>): Changed {
  const out: Changed = { medications: new Set(), sends: new Set() };
  const into = (parent: unknown) => (parent === meds ? out.medications : parent === sends ? out.sends : null);
  for (const [type, keys] of tr.changed) {
    const direct = into(type);
    if (direct) {
      for (const k of keys) if (k !== null) direct.add(k);
      continue;
    }
    // Climb to the entry: the type whose parent is one of the two maps.
    let item = type._item;
    while (item && !into(item.parent) && item.parent instanceof Y.AbstractType) item = item.parent._item;
    const target = item ? into(item.parent) : null;
    if (target && item?.parentSub) target.add(item.parentSub);
  }
  return out;
}

export class PrescriptionAudit {
  private readonly watched = new WeakSet<LiveDoc>();

  constructor(private readonly deps: PrescriptionAuditDeps) {}

  /** Starts watching a live chart document; other kinds and repeat calls are ignored (false). */
  attach(live: LiveDoc): boolean {
    if (live.identity.kind !== 'chart' || this.watched.has(live)) return false;
    this.watched.add(live);
    const known: Known = { prescriptions: new Map(), overrides: new Set() };
    this.scan(live, known, null);
    live.doc.on('afterTransaction', (tr: Y.Transaction) => {
      // The write is already stored: a failure here must not turn it into a failed write.
      try {
        const meds = live.doc.getMap('medications');
        const sends = live.doc.getMap('pharmacySends');
        const touched = [...tr.changedParentTypes.keys()].some((t) => (t as unknown) === meds || (t as unknown) === sends);
        if (!touched) return;
        const writer = tr.origin as Writer | null;
        const author = writer && typeof writer.userId === 'string' ? { userId: writer.userId, server: writer.server === true } : null;
        this.scan(live, known, author, changedEntries(tr, meds, sends));
      } catch (err) {
        this.failed(live, err);
      }
    });
    return true;
  }

  private failed(live: LiveDoc, err: unknown): void {
    (this.deps.onError ?? ((e: unknown) => console.error('[sync] prescribing audit failed', e instanceof Error ? e.name : 'error')))(err);
    try {
      this.deps.audit.record({ action: 'prescription.audit', outcome: 'failure', userId: null, target: live.name, detail: { error: err instanceof Error ? err.name : 'error' } });
    } catch {
      // The audit log itself is down; the console line above is all that can be done.
    }
  }

  /**
   * Records an audit entry. An audit store that fails must not stop the
   * refusal that goes with the entry, so the failure is reported and the
   * scan goes on.
   */
  private record(live: LiveDoc, entry: Parameters<Audit['record']>[0]): void {
    try {
      this.deps.audit.record(entry);
    } catch (err) {
      this.failed(live, err);
    }
  }

  /** Compares the document with what was accepted; with an author, audits what is new and refuses what is not allowed. */
  private scan(live: LiveDoc, known: Known, author: Author | null, only: Changed | null = null): void {
    const corrections: Correction[] = [];
    const client = author && !author.server ? author : null;
    const meds = live.doc.getMap('medications');
    const sends = live.doc.getMap('pharmacySends');
    for (const id of only ? only.medications : meds.keys()) {
      const value = meds.get(id);
      if (!(value instanceof Y.Map)) continue;
      const e = value.toJSON() as Json;
      const prior = known.prescriptions.get(id);
      if (!prior) {
        if (!isPrescription(e)) continue;
        known.prescriptions.set(id, accepted(e));
        if (!client) continue;
        const refusal = this.recordSign(live, client, id, e);
        if (refusal) corrections.push({ kind: 'refuse-prescription', id, reason: refusal });
        continue;
      }
      const now = accepted(e);
      if (now.print === prior.print) {
        prior.entry = e;
        continue;
      }
      if (!client) {
        known.prescriptions.set(id, now);
        continue;
      }
      const changed = changedFields(prior.fields, now.fields);
      const refusal = this.changeRefusal(client, prior.fields, now.fields, changed);
      this.record(live, {
        action: 'prescription.change',
        outcome: refusal ? 'failure' : 'success',
        userId: client.userId,
        target: live.name,
        detail: { medicationId: id, fields: changed, from: String(prior.fields.status ?? ''), to: String(now.fields.status ?? ''), ...(refusal ? { refused: refusal } : {}) }
      });
      if (!refusal) {
        known.prescriptions.set(id, now);
        continue;
      }
      // Undone by putting the accepted values back rather than by marking the
      // entry entered-in-error: the prescription a clinician signed stays in
      // force as signed, and a user who may not change it cannot cancel it
      // either by trying.
      corrections.push({ kind: 'restore-prescription', id, fields: prior.fields, entry: prior.entry });
    }
    for (const id of only ? only.medications : [...known.prescriptions.keys()]) {
      const prior = known.prescriptions.get(id);
      if (!prior || meds.get(id) instanceof Y.Map) continue;
      if (!client) {
        known.prescriptions.delete(id);
        continue;
      }
      this.record(live, { action: 'prescription.change', outcome: 'failure', userId: client.userId, target: live.name, detail: { medicationId: id, fields: ['deleted'], refused: 'signed-prescription-deleted' } });
      corrections.push({ kind: 'restore-prescription', id, fields: prior.fields, entry: prior.entry });
    }
    for (const sendId of only ? only.sends : sends.keys()) {
      const value = sends.get(sendId);
      if (!(value instanceof Y.Map)) continue;
      const s = value.toJSON() as Json;
      for (const o of overridesOf(`send:${sendId}`, s.sendOverrides)) {
        if (known.overrides.has(o.key)) continue;
        known.overrides.add(o.key);
        if (!client) continue;
        const refusal = this.recordOverride(live, client, { medicationId: String(s.medicationId), sendId, context: 'send' }, o.issue, o.override);
        if (!refusal || s.state === 'cancelled' || corrections.some((c) => c.kind === 'refuse-send' && c.id === sendId)) continue;
        corrections.push({
          kind: 'refuse-send',
          id: sendId,
          reason: refusal === 'not-a-clinician' ? 'Refused by the server: only a clinician overrides alerts' : 'Refused by the server: an override names another user than its author'
        });
      }
    }
    if (corrections.length) this.deps.correct(live, corrections);
  }

  /** Why a client's change to a prescription's signed fields is refused, or null. */
  private changeRefusal(client: Author, before: Json, after: Json, changed: readonly string[]): string | null {
    if (!(this.deps.rolesOf(client.userId) ?? []).includes('clinician')) return 'not-a-clinician';
    if (changed.some((f) => f !== 'status')) return 'signed-fields-changed';
    const allowed = CLINICIAN_STATUS_CHANGES[String(before.status ?? '')] ?? [];
    return allowed.includes(String(after.status ?? '')) ? null : 'status-change-not-allowed';
  }

  /** Audits a signature and its overrides; returns why it is refused, or null. */
  private recordSign(live: LiveDoc, client: Author, id: string, e: Json): string | null {
    const roles = this.deps.rolesOf(client.userId) ?? [];
    const requester = String((e.requester as Json).reference ?? '');
    const overrides = overridesOf(`medication:${id}`, e.detectedIssues);
    let refusal: string | null = null;
    if (!roles.includes('clinician')) refusal = 'not-a-clinician';
    else if (requester !== `Practitioner/${client.userId}`) refusal = 'requester-is-not-the-author';
    else if (overrides.some((o) => o.override.byId !== client.userId)) refusal = 'override-is-not-the-author';
    const issues = Array.isArray(e.detectedIssues) ? e.detectedIssues.filter(isRecord) : [];
    this.record(live, {
      action: 'prescription.sign',
      outcome: refusal ? 'failure' : 'success',
      userId: client.userId,
      target: live.name,
      detail: {
        medicationId: id,
        requester,
        status: String(e.status ?? ''),
        alerts: issues.length,
        overridden: issues.filter((i) => isRecord(i.override)).length,
        ...(e.sourceId !== undefined ? { claimsImport: true } : {}),
        ...(refusal ? { refused: refusal } : {})
      }
    });
    for (const o of overrides) this.recordOverride(live, client, { medicationId: id, context: 'sign' }, o.issue, o.override);
    if (refusal === 'not-a-clinician') return 'Refused by the server: signed by a user who is not a clinician';
    if (refusal === 'override-is-not-the-author') return 'Refused by the server: an override names another user than the prescriber';
    if (refusal) return 'Refused by the server: the prescriber named is not the user who signed';
    return null;
  }

  /** Audits one override; returns why its author may not give it, or null. */
  private recordOverride(live: LiveDoc, client: Author, where: Json, issue: Json, override: Json): string | null {
    let refused: string | null = null;
    if (!(this.deps.rolesOf(client.userId) ?? []).includes('clinician')) refused = 'not-a-clinician';
    else if (override.byId !== client.userId) refused = 'override-is-not-the-author';
    const reason = String(override.reason ?? '').slice(0, 500);
    this.record(live, {
      action: 'prescription.override',
      outcome: refused ? 'failure' : 'success',
      userId: client.userId,
      target: live.name,
      detail: {
        ...where,
        ruleId: String(issue.ruleId ?? ''),
        severity: String(issue.severity ?? ''),
        kind: String(issue.kind ?? ''),
        reasonLength: reason.length,
        reasonSha256: sha256(reason),
        ...(refused ? { refused } : {})
      }
    });
    return refused;
  }
}

/** Writes corrections into `doc` in one transaction; applying one twice changes nothing more. */
export function applyCorrections(doc: Y.Doc, corrections: readonly Correction[]): void {
  const now = new Date().toISOString();
  doc.transact(() => {
    for (const c of corrections) {
      if (c.kind === 'refuse-prescription') {
        const e = doc.getMap('medications').get(c.id);
        if (!(e instanceof Y.Map) || e.get('status') === 'entered-in-error') continue;
        e.set('status', 'entered-in-error');
        e.set('statusReason', c.reason);
        e.set('statusChangedAt', now);
        e.set('statusChangedBy', 'Outpost server');
        e.set('updatedAt', now);
        e.set('updatedBy', 'Outpost server');
      } else if (c.kind === 'restore-prescription') {
        const meds = doc.getMap('medications');
        let e = meds.get(c.id);
        if (!(e instanceof Y.Map)) {
          const fresh = new Y.Map<unknown>();
          meds.set(c.id, fresh);
          for (const [k, v] of Object.entries(c.entry)) fresh.set(k, v);
          e = fresh;
        }
        const entry = e as Y.Map<unknown>;
        for (const f of SIGNED_FIELDS) {
          const want = c.fields[f];
          if (canonical(entry.get(f)) === canonical(want)) continue;
          if (want === undefined) entry.delete(f);
          else entry.set(f, want);
        }
        entry.set('updatedAt', now);
        entry.set('updatedBy', 'Outpost server');
      } else {
        const s = doc.getMap('pharmacySends').get(c.id);
        if (!(s instanceof Y.Map) || s.get('state') === 'delivered' || s.get('state') === 'cancelled') continue;
        s.set('state', 'cancelled');
        s.set('cancelReason', c.reason);
        s.set('updatedAt', now);
        s.set('updatedBy', 'Outpost server');
      }
    }
  });
}
