import type { RuleInput, RuleOutput, Violation } from '../policy-types';
import { diffNodes, fieldsOf, locate, valueOf } from '../node-values';

/**
 * Home readings in the chart's `observations` (server/portal/home-reading-routes.ts):
 * an Observation marked `reportedBy` (patient or proxy) was entered by the
 * patient in the portal and written by the server.
 *
 * - `observations.patient-reported` (refuse): only the server's own portal
 *   route marks an Observation as reported by the patient; no staff device
 *   makes one up, adds the mark to a clinic reading or takes it off one
 *   (the mark never changes: policy-table `immutable`).
 * - `observations.patient-reported-values` (refuse): what the patient
 *   reported (what, when, the values, who) is not changed by anyone else;
 *   staff mark a wrong one entered in error, as any reading.
 */
const REPORTED_FIELDS = ['code', 'category', 'effectiveDateTime', 'valueQuantity', 'component', 'performer'] as const;

export function homeReadingRule(input: RuleInput): RuleOutput {
  const { change, author } = input;
  const { before, after } = change;
  if (!after) return {};
  const trusted = author.kind === 'server' && (author.origin === 'system' || author.origin === 'seed');
  if (trusted) return {};
  const out: Violation[] = [];
  const refuse = (rule: string, field: string, message: string) => out.push({ rule, action: 'refuse', at: locate(change.root, change.key, [field]), message });
  const was = before ? valueOf(before, 'reportedBy') : undefined;
  const now = valueOf(after, 'reportedBy');
  if (now !== undefined && now !== was) refuse('observations.patient-reported', 'reportedBy', 'Only the patient portal marks a reading as reported by the patient');
  if (was !== undefined && before) {
    for (const f of REPORTED_FIELDS) {
      if (diffNodes(fieldsOf(before)[f], fieldsOf(after)[f]).length > 0) refuse('observations.patient-reported-values', f, 'What the patient reported is kept as they reported it; mark it entered in error instead');
    }
  }
  return { violations: out };
}
