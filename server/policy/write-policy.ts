import { COMMON_RULES, POLICY_TABLE } from './policy-table';
import type { Author, DocContext, DocState, EntryChange, RuleOutput, Verdict, Violation } from './policy-types';
import { locate } from './node-values';

/**
 * The server's write policy: judges one update by what it changes, entry by
 * entry, against the table of invariants (policy-table.ts). Pure: given the
 * entries before and after, it returns refusals, corrections and the audit
 * entries the change gives rise to. Any rule that throws refuses the update
 * (`policy.checker-error`): a failure of the checker never lets a write
 * through.
 */

export interface ChangeSet {
  /** Every root the update wrote to. */
  roots: ReadonlySet<string>;
  /** Roots that received list items (roots here are maps only). */
  listRoots: ReadonlySet<string>;
  entries: readonly EntryChange[];
}

export function evaluate(doc: DocContext, author: Author, changes: ChangeSet, now: string, state?: DocState): Verdict {
  const verdict: Verdict = { violations: [], corrections: [], notes: [] };
  const table = POLICY_TABLE[doc.kind];
  const refuse = (rule: string, at: string, message: string): Violation => ({ rule, action: 'refuse', at, message });
  for (const root of changes.roots) {
    if (!Object.hasOwn(table, root)) verdict.violations.push(refuse('structure.root', locate(root, null), 'This document holds no such list'));
  }
  for (const root of changes.listRoots) {
    if (Object.hasOwn(table, root)) verdict.violations.push(refuse('structure.shape', locate(root, null), 'Entries are kept by id, not as a list'));
  }
  for (const change of changes.entries) {
    if (!Object.hasOwn(table, change.root)) continue;
    const policy = table[change.root];
    const input = { doc, author, change, now, ...(state ? { state } : {}) };
    const run = (name: string, rule: () => RuleOutput | void) => {
      try {
        const out = rule();
        if (!out) return;
        verdict.violations.push(...(out.violations ?? []));
        verdict.corrections.push(...(out.corrections ?? []));
        verdict.notes.push(...(out.notes ?? []));
      } catch (err) {
        verdict.violations.push(refuse('policy.checker-error', locate(change.root, change.key), `The ${name} check failed (${err instanceof Error ? err.name : 'error'}); the change is refused`));
      }
    };
    COMMON_RULES.forEach((rule, i) => run(`common #${i + 1}`, () => rule(input, policy)));
    for (const rule of policy.rules ?? []) run(rule.name || 'entry', () => rule(input));
  }
  return verdict;
}
