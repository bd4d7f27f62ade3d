import { TEMPLATE_LIMITS, TEMPLATE_STATUSES } from '../../../src/lib/domain/visit-templates';
import type { RuleInput, RuleOutput, Violation } from '../policy-types';
import { locate, valueOf } from '../node-values';

/**
 * A clinic's own visit templates (`templates:<clinicId>`, chart/templates-doc.ts):
 *
 * - `templates.role` (refuse): only a clinician or an administrator of the
 *   clinic writes the clinic's templates. The connection is already
 *   read-only for other roles (doc-names.ts `docAccess`); this is the
 *   backstop for every other path a write could take.
 * - `templates.entry` (refuse): a template has a
 *   name (1 to 80 characters) and a status (active or retired); a visit
 *   type holds at most 80 characters and each section's text at most 4000
 *   (TEMPLATE_LIMITS, the same limits the app's form checks). The types of
 *   all its fields are held by structure.field-type (shapes.ts).
 *
 * Deleting a template is refused by `record.no-delete` (it is retired
 * instead), and its id must be its key (`record.immutable`).
 */

export function templatesRoleRule(input: RuleInput): RuleOutput {
  const { author, change } = input;
  if (author.kind !== 'user') return {};
  if (author.roles.includes('clinician') || author.roles.includes('admin')) return {};
  return { violations: [{ rule: 'templates.role', action: 'refuse', at: locate(change.root, change.key), message: "Only the clinic's clinicians and administrators change its visit templates" }] };
}

const TEXT_LIMITS: Record<string, number> = {
  name: TEMPLATE_LIMITS.name,
  visitType: TEMPLATE_LIMITS.visitType,
  subjective: TEMPLATE_LIMITS.section,
  objective: TEMPLATE_LIMITS.section,
  assessment: TEMPLATE_LIMITS.section,
  plan: TEMPLATE_LIMITS.section
};

export function templateEntryRule(input: RuleInput): RuleOutput {
  const { change } = input;
  const after = change.after;
  if (!after) return {};
  const out: Violation[] = [];
  const refuse = (field: string | null, message: string) => out.push({ rule: 'templates.entry', action: 'refuse', at: locate(change.root, change.key, field ? [field] : []), message });
  const name = valueOf(after, 'name');
  if (typeof name !== 'string' || name.trim() === '') refuse('name', 'A template has a name');
  const status = valueOf(after, 'status');
  if (!(TEMPLATE_STATUSES as readonly unknown[]).includes(status)) refuse('status', 'A template is active or retired');
  for (const [field, max] of Object.entries(TEXT_LIMITS)) {
    const v = valueOf(after, field);
    if (typeof v === 'string' && v.length > max) refuse(field, `The ${field} holds at most ${max} characters`);
  }
  return { violations: out };
}
