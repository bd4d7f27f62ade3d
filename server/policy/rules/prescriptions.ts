import { createHash } from 'node:crypto';
import type { AuditEvent } from '../../types';
import type { Author, Correction, RuleInput, RuleOutput, Violation } from '../policy-types';
import { canonical, isRecord, locate } from '../node-values';
import { plain } from '../yjs-view';

/**
 * Prescriptions (`medications`) and pharmacy sends (`pharmacySends`): the
 * prescribing audit trail, and what only a clinician may do.
 *
 * Prescriptions are signed on the device (offline too) and reach the
 * server only as document updates, so the trail is derived here, from the
 * content, attributed to the connected user:
 * - a new signed MedicationRequest → `prescription.sign`; each override
 *   given at signing or at send time → `prescription.override` with rule
 *   id, severity, the reason's length and SHA-256 (the reason itself stays
 *   in the chart, encrypted on devices; the append-only log gets no free
 *   text that might describe the patient);
 * - a change to a signed prescription → `prescription.change`.
 *
 * Rules:
 * - `prescription.sign-role` (correct): a prescription signed by a user
 *   without the clinician role is marked entered-in-error by the server,
 *   which takes it off the active list and out of the checks on every
 *   device. Corrected, not refused: a device whose user lost the role while
 *   offline signs honestly. (Naming another prescriber or overrider is
 *   `provenance.forged-id`, refused.)
 * - `prescription.frozen` (correct): a signed prescription is never edited
 *   in place (a new dose is a new prescription); the only changes are a
 *   clinician's status moves the app makes (stop, complete on renewal,
 *   entered-in-error). Anything else is put back as signed: the
 *   prescription stays in force as the clinician signed it.
 * - `send.override-role` (correct): a send-time override by a
 *   non-clinician cancels that send.
 * - `send.held` (correct): a send held by an alert moves on only with a
 *   clinician's override written in the same update; otherwise it is held
 *   again.
 *
 * The drug checks run again on a new signature in prescription-checks.ts
 * (`prescription.unanswered-alert`).
 */

/** The fields of a prescription its signature covers. */
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

/** Status moves a clinician may make to a signed prescription (medication-doc.ts). Nothing returns to active; entered-in-error is final. */
const CLINICIAN_STATUS_CHANGES: Record<string, readonly string[]> = {
  active: ['stopped', 'completed', 'entered-in-error'],
  stopped: ['entered-in-error'],
  completed: ['entered-in-error']
};

/** The name server corrections carry in provenance fields. */
export const SERVER_NAME = 'Outpost server';

type Json = Record<string, unknown>;

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export function isPrescription(e: unknown): e is Json {
  return isRecord(e) && e.resourceType === 'MedicationRequest' && e.intent === 'order' && isRecord(e.requester);
}

const isClinician = (a: Author) => a.roles.includes('clinician');

function overridesIn(issues: unknown): { issue: Json; override: Json }[] {
  if (!Array.isArray(issues)) return [];
  return issues.filter((i): i is Json => isRecord(i) && isRecord(i.override)).map((i) => ({ issue: i, override: i.override as Json }));
}

function overrideNote(author: Author, target: string, where: Json, issue: Json, override: Json, refused: string | null): AuditEvent {
  const reason = String(typeof override.reason === 'string' ? override.reason : '').slice(0, 500);
  return {
    action: 'prescription.override',
    outcome: refused ? 'failure' : 'success',
    userId: author.userId,
    target,
    detail: {
      ...where,
      ruleId: String(issue.ruleId ?? ''),
      severity: String(issue.severity ?? ''),
      kind: String(issue.kind ?? ''),
      reasonLength: reason.length,
      reasonSha256: sha256(reason),
      ...(refused ? { refused } : {})
    }
  };
}

function overrideRefusal(author: Author, override: Json): string | null {
  if (!isClinician(author)) return 'not-a-clinician';
  if (override.byId !== author.userId) return 'override-is-not-the-author';
  return null;
}

function enteredInError(c: RuleInput['change'], reason: string, now: string): Correction[] {
  const set = (field: string, value: unknown): Correction => ({ root: c.root, key: c.key, path: [field], value });
  return [set('status', 'entered-in-error'), set('statusReason', reason), set('statusChangedAt', now), set('statusChangedBy', SERVER_NAME), set('updatedAt', now), set('updatedBy', SERVER_NAME)];
}

export function prescriptionsRule(input: RuleInput): RuleOutput {
  const { change, author, doc, now } = input;
  if (author.kind !== 'user') return {};
  const before = plain(change.before);
  const after = plain(change.after);
  if (!isPrescription(after)) return {};
  const id = change.key ?? '';
  const violations: Violation[] = [];
  const notes: AuditEvent[] = [];
  let corrections: Correction[] = [];
  const at = locate(change.root, change.key);

  if (!isPrescription(before)) {
    const requester = String((after.requester as Json).reference ?? '');
    const overrides = overridesIn(after.detectedIssues);
    let refusal: string | null = null;
    if (!isClinician(author)) refusal = 'not-a-clinician';
    else if (requester !== `Practitioner/${author.userId}`) refusal = 'requester-is-not-the-author';
    else if (overrides.some((o) => o.override.byId !== author.userId)) refusal = 'override-is-not-the-author';
    const issues = Array.isArray(after.detectedIssues) ? after.detectedIssues.filter(isRecord) : [];
    notes.push({
      action: 'prescription.sign',
      outcome: refusal ? 'failure' : 'success',
      userId: author.userId,
      target: doc.name,
      detail: {
        medicationId: id,
        requester: requester.slice(0, 200),
        status: String(after.status ?? '').slice(0, 40),
        alerts: issues.length,
        overridden: overrides.length,
        ...(after.sourceId !== undefined ? { claimsImport: true } : {}),
        ...(refusal ? { refused: refusal } : {})
      }
    });
    for (const o of overrides) notes.push(overrideNote(author, doc.name, { medicationId: id, context: 'sign' }, o.issue, o.override, overrideRefusal(author, o.override)));
    if (refusal === 'not-a-clinician') {
      violations.push({ rule: 'prescription.sign-role', action: 'correct', at, message: 'Only a clinician signs a prescription' });
      if (after.status !== 'entered-in-error') corrections = enteredInError(change, 'Refused by the server: signed by a user who is not a clinician', now);
    }
    // Another prescriber or overrider named is refused by provenance.forged-id; the failure note above records it.
    return { violations, corrections, notes };
  }

  const changed = SIGNED_FIELDS.filter((f) => canonical(before[f]) !== canonical(after[f]));
  if (changed.length === 0) return {};
  let refusal: string | null = null;
  const allowed = CLINICIAN_STATUS_CHANGES[String(before.status ?? '')] ?? [];
  if (!isClinician(author)) refusal = 'not-a-clinician';
  else if (changed.some((f) => f !== 'status')) refusal = 'signed-fields-changed';
  else if (!allowed.includes(String(after.status ?? ''))) refusal = 'status-change-not-allowed';
  notes.push({
    action: 'prescription.change',
    outcome: refusal ? 'failure' : 'success',
    userId: author.userId,
    target: doc.name,
    detail: { medicationId: id, fields: changed, from: String(before.status ?? '').slice(0, 40), to: String(after.status ?? '').slice(0, 40), ...(refusal ? { refused: refusal } : {}) }
  });
  if (refusal) {
    violations.push({ rule: 'prescription.frozen', action: 'correct', at, message: 'A signed prescription changes only by a clinician stopping, completing or marking it entered in error' });
    for (const f of changed) corrections.push({ root: change.root, key: change.key, path: [f], value: before[f] });
    corrections.push({ root: change.root, key: change.key, path: ['updatedAt'], value: now }, { root: change.root, key: change.key, path: ['updatedBy'], value: SERVER_NAME });
  }
  return { violations, corrections, notes };
}

const overrideKey = (o: { issue: Json; override: Json }) => canonical([o.issue.ruleId, o.issue.title, o.override]);

export function pharmacySendsRule(input: RuleInput): RuleOutput {
  const { change, author, doc, now } = input;
  if (author.kind !== 'user') return {};
  const before = plain(change.before);
  const after = plain(change.after);
  if (!isRecord(after)) return {};
  const b: Json = isRecord(before) ? before : {};
  const known = new Set(overridesIn(b.sendOverrides).map(overrideKey));
  const fresh = overridesIn(after.sendOverrides).filter((o) => !known.has(overrideKey(o)));
  const notes: AuditEvent[] = [];
  const violations: Violation[] = [];
  const corrections: Correction[] = [];
  const at = locate(change.root, change.key);
  const set = (field: string, value: unknown) => corrections.push({ root: change.root, key: change.key, path: [field], value });
  let cancel = false;
  for (const o of fresh) {
    const refused = overrideRefusal(author, o.override);
    notes.push(overrideNote(author, doc.name, { medicationId: String(after.medicationId ?? '').slice(0, 80), sendId: change.key ?? '', context: 'send' }, o.issue, o.override, refused));
    if (refused === 'not-a-clinician') cancel = true;
  }
  if (cancel && after.state !== 'cancelled' && after.state !== 'delivered') {
    violations.push({ rule: 'send.override-role', action: 'correct', at, message: 'Only a clinician overrides an alert' });
    set('state', 'cancelled');
    set('cancelReason', 'Refused by the server: only a clinician overrides alerts');
  } else if (b.state === 'held' && after.state !== 'held' && after.state !== 'cancelled' && !(fresh.length > 0 && isClinician(author))) {
    violations.push({ rule: 'send.held', action: 'correct', at, message: 'A send held by an alert moves on only with a clinician’s override' });
    set('state', 'held');
    if (b.heldAlerts !== undefined && canonical(b.heldAlerts) !== canonical(after.heldAlerts)) set('heldAlerts', b.heldAlerts);
  }
  if (corrections.length) {
    set('updatedAt', now);
    set('updatedBy', SERVER_NAME);
  }
  return { violations, corrections, notes };
}
