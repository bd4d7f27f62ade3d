import * as Y from 'yjs';
import type { Role } from '../../src/lib/domain/roles';
import type { Audit } from '../types';
import type { LiveDoc, Writer } from './live-doc';

/**
 * Derives the prescribing audit trail from the chart updates themselves.
 * Prescriptions are signed on the device (offline too) and reach the server
 * only as Yjs updates, so the server watches every transaction applied to a
 * live `chart:` document and compares the prescriptions and pharmacy sends
 * with what it held before. The author of each transaction is the
 * connection's signed-in user (attribution the client cannot forge), never
 * the name written inside the entry.
 *
 * - A new signed MedicationRequest → `prescription.sign`.
 * - Each new override reason (at signing, or at send time) →
 *   `prescription.override` with rule id, severity and reason.
 * - A prescription signed by a user without the clinician role, or naming
 *   another prescriber than its author, cannot simply be dropped (later
 *   updates of that client build on it), so it is refused by a correction:
 *   the server marks it entered-in-error with the reason, which takes it off
 *   the active list and out of the checks on every device, and audits the
 *   refusal. Send-time overrides by non-clinicians are refused the same way
 *   (the send is cancelled).
 */

/** The user id corrections made by the server are attributed to. */
export const SERVER_WRITER_ID = 'outpost-server';

export interface Correction {
  kind: 'refuse-prescription' | 'refuse-send';
  id: string;
  reason: string;
}

export interface PrescriptionAuditDeps {
  audit: Audit;
  rolesOf(userId: string): readonly Role[] | null;
  /** Writes a correction to the document (server-attributed), after the current transaction. */
  correct(live: LiveDoc, build: (doc: Y.Doc) => void): void;
}

interface Known {
  signed: Set<string>;
  overrides: Set<string>;
}

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True for a prescription made in Outpost (imported entries carry a sourceId and no signature). */
function isSignedRequest(e: Json): boolean {
  return e.resourceType === 'MedicationRequest' && e.intent === 'order' && isRecord(e.requester) && e.sourceId === undefined;
}

function overridesOf(issues: unknown): { key: string; issue: Json; override: Json }[] {
  if (!Array.isArray(issues)) return [];
  return issues
    .filter((i): i is Json => isRecord(i) && isRecord(i.override))
    .map((i) => {
      const o = i.override as Json;
      return { key: `${String(i.ruleId)}|${String(i.title)}|${String(o.at)}|${String(o.byId)}`, issue: i, override: o };
    });
}

export class PrescriptionAudit {
  private readonly watched = new WeakSet<LiveDoc>();

  constructor(private readonly deps: PrescriptionAuditDeps) {}

  /** Starts watching a live chart document; other kinds and repeat calls are ignored. */
  attach(live: LiveDoc): void {
    if (live.identity.kind !== 'chart' || this.watched.has(live)) return;
    this.watched.add(live);
    const known: Known = { signed: new Set(), overrides: new Set() };
    this.scan(live, known, null);
    live.doc.on('afterTransaction', (tr: Y.Transaction) => {
      const meds = live.doc.getMap('medications');
      const sends = live.doc.getMap('pharmacySends');
      const touched = [...tr.changedParentTypes.keys()].some((t) => (t as unknown) === meds || (t as unknown) === sends);
      if (!touched) return;
      const writer = tr.origin as Writer | null;
      this.scan(live, known, writer && typeof writer.userId === 'string' && writer.userId !== SERVER_WRITER_ID ? writer : null);
    });
  }

  /** Compares the document with what is known; with a writer, audits what is new. */
  private scan(live: LiveDoc, known: Known, writer: Writer | null): void {
    const corrections: Correction[] = [];
    live.doc.getMap('medications').forEach((value, id) => {
      if (!(value instanceof Y.Map)) return;
      const e = value.toJSON() as Json;
      if (!isSignedRequest(e)) return;
      if (!known.signed.has(id)) {
        known.signed.add(id);
        if (writer) {
          const refusal = this.recordSign(live, writer, id, e);
          if (refusal) corrections.push({ kind: 'refuse-prescription', id, reason: refusal });
        }
      }
      for (const o of overridesOf(e.detectedIssues)) {
        if (known.overrides.has(o.key)) continue;
        known.overrides.add(o.key);
        if (writer) this.recordOverride(live, writer, { medicationId: id, context: 'sign' }, o.issue, o.override);
      }
    });
    live.doc.getMap('pharmacySends').forEach((value, sendId) => {
      if (!(value instanceof Y.Map)) return;
      const s = value.toJSON() as Json;
      for (const o of overridesOf(s.sendOverrides)) {
        if (known.overrides.has(o.key)) continue;
        known.overrides.add(o.key);
        if (!writer) continue;
        const ok = this.recordOverride(live, writer, { medicationId: String(s.medicationId), sendId, context: 'send' }, o.issue, o.override);
        if (!ok && s.state !== 'cancelled') corrections.push({ kind: 'refuse-send', id: sendId, reason: 'Refused by the server: only a clinician overrides alerts' });
      }
    });
    if (corrections.length) this.deps.correct(live, (doc) => applyCorrections(doc, corrections));
  }

  /** Audits a signature; returns why it is refused, or null. */
  private recordSign(live: LiveDoc, writer: Writer, id: string, e: Json): string | null {
    const roles = this.deps.rolesOf(writer.userId) ?? [];
    const requester = String((e.requester as Json).reference ?? '');
    let refusal: string | null = null;
    if (!roles.includes('clinician')) refusal = 'not-a-clinician';
    else if (requester !== `Practitioner/${writer.userId}`) refusal = 'requester-is-not-the-author';
    const issues = Array.isArray(e.detectedIssues) ? e.detectedIssues.filter(isRecord) : [];
    this.deps.audit.record({
      action: 'prescription.sign',
      outcome: refusal ? 'failure' : 'success',
      userId: writer.userId,
      target: live.name,
      detail: {
        medicationId: id,
        requester,
        status: String(e.status ?? ''),
        alerts: issues.length,
        overridden: issues.filter((i) => isRecord(i.override)).length,
        ...(refusal ? { refused: refusal } : {})
      }
    });
    if (refusal === 'not-a-clinician') return 'Refused by the server: signed by a user who is not a clinician';
    if (refusal) return 'Refused by the server: the prescriber named is not the user who signed';
    return null;
  }

  /** Audits one override; false when its author may not override. */
  private recordOverride(live: LiveDoc, writer: Writer, where: Json, issue: Json, override: Json): boolean {
    const ok = (this.deps.rolesOf(writer.userId) ?? []).includes('clinician');
    this.deps.audit.record({
      action: 'prescription.override',
      outcome: ok ? 'success' : 'failure',
      userId: writer.userId,
      target: live.name,
      detail: {
        ...where,
        ruleId: String(issue.ruleId ?? ''),
        severity: String(issue.severity ?? ''),
        kind: String(issue.kind ?? ''),
        reason: String(override.reason ?? '').slice(0, 500),
        ...(ok ? {} : { refused: 'not-a-clinician' })
      }
    });
    return ok;
  }
}

function applyCorrections(doc: Y.Doc, corrections: readonly Correction[]): void {
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
      } else {
        const s = doc.getMap('pharmacySends').get(c.id);
        if (!(s instanceof Y.Map) || s.get('state') === 'delivered') continue;
        s.set('state', 'cancelled');
        s.set('cancelReason', c.reason);
        s.set('updatedAt', now);
        s.set('updatedBy', 'Outpost server');
      }
    }
  });
}
