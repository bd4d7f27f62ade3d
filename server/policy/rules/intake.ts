import { INTAKE_DECISIONS, intakeDecisionSchema } from '../../../src/lib/domain/intake/intake-response';
import type { RuleInput, RuleOutput, Violation } from '../policy-types';
import { locate, valueOf } from '../node-values';
import { plain } from '../yjs-view';

/**
 * Pre-visit forms in the chart (chart/intake-doc.ts).
 *
 * - `intake.server-only` (refuse): a response is what a patient said; the
 *   server writes it (portal intake route, after checking every answer and
 *   computing the scores itself) and no staff device creates or changes
 *   one, so a response can never be forged or edited by staff (nor by an
 *   import, which is checked like a device).
 * - `intake.decision-role` (refuse): only clinicians and nurses record
 *   what was done with a statement (accepting it into the chart).
 * - `intake.decision` (refuse): a decision names a response on this
 *   record, one of its statements, one of the known decisions and the
 *   chart entry it made or changed, which must be in the chart. Decisions
 *   never change (policy-table `immutable`).
 */
export function intakeResponseRule(input: RuleInput): RuleOutput {
  const { author, change } = input;
  // Patients' forms arrive through the hub's portal (their accounts stay there): a clinic box never records one.
  if (author.kind === 'server' && (author.origin === 'seed' || author.origin === 'system')) return {};
  return { violations: [{ rule: 'intake.server-only', action: 'refuse', at: locate(change.root, change.key), message: "Only the server records a patient's pre-visit form" }] };
}

const TARGET_ROOT: Record<(typeof INTAKE_DECISIONS)[number], string> = {
  'allergy-added': 'allergies',
  'medicine-added': 'medications',
  'medicine-stopped': 'medications'
};

export function intakeDecisionRule(input: RuleInput): RuleOutput {
  const { author, change, state } = input;
  const after = change.after;
  if (!after) return {};
  const out: Violation[] = [];
  const refuse = (rule: string, field: string | null, message: string) => out.push({ rule, action: 'refuse', at: locate(change.root, change.key, field ? [field] : []), message });
  if (author.kind === 'user' && !author.roles.some((r) => r === 'clinician' || r === 'nurse')) {
    refuse('intake.decision-role', null, 'Only clinicians and nurses accept what a patient stated into the chart');
    return { violations: out };
  }
  const fields = plain(after) as Record<string, unknown>;
  const parsed = intakeDecisionSchema.safeParse(fields);
  if (!parsed.success) {
    for (const f of new Set(parsed.error.issues.map((i) => String(i.path[0] ?? '')))) refuse('intake.decision', f || null, `A decision needs a valid ${f || 'shape'}`);
    return { violations: out };
  }
  if (valueOf(after, 'id') !== change.key) refuse('intake.decision', 'id', "A decision's id is its key");
  if (state) {
    const d = parsed.data;
    const response = state.doc.getMap('intakeResponses').get(d.responseId);
    if (!response) refuse('intake.decision', 'responseId', 'A decision names a form on this record');
    if (!state.doc.getMap(TARGET_ROOT[d.decision]).has(d.targetId)) refuse('intake.decision', 'targetId', 'A decision names the chart entry it made or changed');
  }
  return { violations: out };
}
