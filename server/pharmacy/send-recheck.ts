import type * as Y from 'yjs';
import type { MedicationRecord } from '../../src/lib/chart/medication-doc';
import { listSends } from '../../src/lib/chart/pharmacy-send-doc';
import { alertKey, checkOrderAgainstChart, needsOverride, orderOfRecord, overrideComplete } from '../../src/lib/chart/prescription-checks';
import type { Alert } from '../../src/lib/domain/drugs';

/**
 * The serious alerts a prescription raises against the server's copy of its
 * chart as it stands NOW, that no clinician has answered: the server's half
 * of the outbox's `send.held` (pharmacy-outbox.service.ts), so a client that
 * skips its own re-check (or backdates the prescription's `authoredOn` to
 * slip past the check at signing, server/policy/rules/prescription-checks.ts)
 * still cannot get a prescription dispensed past an allergy or interaction
 * recorded since.
 *
 * An alert counts as answered by an override with a reason of the minimum
 * length, given at signing (`detectedIssues`) or when a held send of this
 * prescription was released (`sendOverrides`, by whichever clinician
 * released it: the policy rules already pin who wrote each override).
 */
export function alertsHoldingSend(chartDoc: Y.Doc, med: MedicationRecord, birthDate: string | null, now: Date): Alert[] {
  const alerts = checkOrderAgainstChart(chartDoc, orderOfRecord(med), { exceptId: med.id, birthDate, now });
  const answered = new Set<string>();
  const overrides = [...med.detectedIssues, ...listSends(chartDoc).filter((s) => s.medicationId === med.id).flatMap((s) => s.sendOverrides)];
  for (const i of overrides) if (i.override && overrideComplete(i.override.reason)) answered.add(alertKey(i));
  return alerts.filter((a) => needsOverride(a) && !answered.has(alertKey(a)));
}
