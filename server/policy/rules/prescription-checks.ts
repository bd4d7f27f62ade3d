import { listMedicationRecords } from '../../../src/lib/chart/medication-doc';
import { alertKey, checkOrderAgainstChart, orderOfRecord, unansweredAlerts } from '../../../src/lib/chart/prescription-checks';
import { bundledDrugPack, type Alert } from '../../../src/lib/domain/drugs';
import type { AuditEvent } from '../../types';
import type { Correction, RuleInput, RuleOutput } from '../policy-types';
import { isRecord, locate } from '../node-values';
import { plain } from '../yjs-view';
import { isPrescription, SERVER_NAME } from './prescriptions';

/**
 * `prescription.unanswered-alert` (correct): the drug checks run again on
 * the server for every prescription signed, and a serious alert they find
 * must be answered in the prescription's `detectedIssues` by the signing
 * clinician's override with a reason; otherwise the server marks the
 * prescription entered-in-error (taking it off the active list and out of
 * the checks on every device; the pharmacy route sends only active
 * prescriptions) and audits which alerts went unanswered.
 *
 * What is checked: the same code the prescribe page runs
 * (src/lib/chart/prescription-checks.ts: drug–drug against the active
 * list, drug–allergy against recorded allergies, duplicate therapy, adult
 * and children's dose limits, and "allergies not yet asked"), over the
 * chart as the server holds it with the update applied, as it stood when
 * the prescription was signed (its `authoredOn`; the server's clock when
 * unreadable), and the same pack (knowledge/drug-pack/drug-pack.json,
 * loaded through drug-pack.ts by the app and the server alike). The
 * patient's age comes from the server's patient list (kept in step with the
 * patient's record), the weight from the chart's vitals.
 *
 * As it stood when signed: a medicine, allergy, "no known allergies"
 * statement or weight recorded after the signature (by its own recorded
 * time) is left out. A device that signed offline could not have known it,
 * and the app already handles that case where it matters: the pharmacy
 * send is checked again against the current chart when it goes out and is
 * held until a clinician answers the new alert (pharmacy-outbox.service.ts,
 * `send.held`), and the server does the same at the pharmacy route
 * (server/pharmacy/send-recheck.ts). So a client that backdates
 * `authoredOn` escapes, here, the alerts raised by records made after the
 * date it claims, but cannot get the prescription dispensed past them.
 *
 * Which alerts need an answer: those the prescribe page asks a reason for
 * (`needsOverride`: interrupting alerts graded contraindicated or serious).
 * Moderate, minor and "also noted" alerts, and "not checked" notices, need
 * none. An answer matches its alert by rule id and title, as the page keys
 * reasons (`alertKey`); it must carry the signer's own user id (another's
 * is also `provenance.forged-id`, refused) and a reason of the minimum
 * length.
 *
 * Alerts the prescription records that the server did not find are kept
 * as they are: the device may have known more (a record not yet synced, a
 * newer pack), and an extra alert with its reason is no harm.
 *
 * Corrected, not refused: a device that signed offline may honestly have
 * lacked what the server holds (an allergy recorded on another device
 * while it was offline but before it signed, or an older cached build of
 * the app and its pack). Refusing
 * would set the whole chart aside on that device; marking the one
 * prescription entered-in-error, with the reason in its status, keeps it
 * out of force while the rest of the chart syncs, and the prescriber sees
 * why and signs again with the alert in front of them. A crafted client
 * gains nothing either way: entered-in-error is final
 * (`prescription.frozen`, `structure.entered-in-error`).
 *
 * Only new prescriptions signed by a clinician are judged here (a
 * non-clinician's is `prescription.sign-role`), and only in a status that
 * is in force (an entry written already stopped, completed or in error is
 * not); imports are the FHIR importer's, written by the server.
 */

export const UNANSWERED_ALERT = 'prescription.unanswered-alert';

/** Statuses of a MedicationRequest that are not in force. */
const NOT_IN_FORCE = new Set(['entered-in-error', 'stopped', 'completed', 'cancelled', 'draft']);

function enteredInError(c: RuleInput['change'], reason: string, now: string): Correction[] {
  const set = (field: string, value: unknown): Correction => ({ root: c.root, key: c.key, path: [field], value });
  return [set('status', 'entered-in-error'), set('statusReason', reason), set('statusChangedAt', now), set('statusChangedBy', SERVER_NAME), set('updatedAt', now), set('updatedBy', SERVER_NAME)];
}

export function prescriptionChecksRule(input: RuleInput): RuleOutput {
  const { change, author, doc, now, state } = input;
  if (author.kind !== 'user' || !state || !author.roles.includes('clinician')) return {};
  const after = plain(change.after);
  if (!isPrescription(after) || isPrescription(plain(change.before))) return {};
  if (NOT_IN_FORCE.has(String(after.status ?? ''))) return {};
  const id = change.key ?? '';
  const at = locate(change.root, change.key);
  const note = (detail: Record<string, unknown>): AuditEvent => ({
    action: 'prescription.recheck',
    outcome: 'failure',
    userId: author.userId,
    target: doc.name,
    detail: { medicationId: id, pack: bundledDrugPack().version, ...detail }
  });

  const med = listMedicationRecords(state.doc).find((m) => m.id === id);
  if (!med) {
    return {
      violations: [{ rule: UNANSWERED_ALERT, action: 'correct', at, message: 'A signed prescription the drug checks cannot read is not taken: it is marked entered in error' }],
      corrections: enteredInError(change, 'Refused by the server: the prescription could not be read for the drug checks', now),
      notes: [note({ unreadable: true })]
    };
  }
  // A signing time in the future only makes the view larger (stricter); an unreadable one counts as now.
  const signed = Date.parse(med.authoredOn);
  const asOf = new Date(Number.isNaN(signed) ? Date.parse(now) : signed);
  const alerts = checkOrderAgainstChart(state.doc, orderOfRecord(med), { exceptId: id, birthDate: state.birthDate(), now: new Date(now), asOf });
  const issues = Array.isArray(after.detectedIssues) ? after.detectedIssues.filter(isRecord) : [];
  const missing = unansweredAlerts(alerts, issues, author.userId);
  if (!missing.length) return {};
  const n = missing.length;
  return {
    violations: [
      {
        rule: UNANSWERED_ALERT,
        action: 'correct',
        at,
        message: `Signed without a reason for ${n} serious alert${n === 1 ? '' : 's'} the server’s drug checks found: the prescription is marked entered in error`
      }
    ],
    corrections: enteredInError(change, `Refused by the server: signed without a reason for ${reasonList(missing)}`, now),
    notes: [note({ alerts: alerts.length, unanswered: missing.map((a) => ({ ruleId: a.ruleId, severity: a.severity, kind: a.kind })) })]
  };
}

/** The unanswered alerts by title, for the prescription's status reason (in the chart, where the prescriber reads it). */
function reasonList(alerts: readonly Alert[]): string {
  const titles = [...new Set(alerts.map(alertKey))].map((k) => k.slice(k.indexOf('|') + 1));
  return titles.join('; ').slice(0, 480);
}
