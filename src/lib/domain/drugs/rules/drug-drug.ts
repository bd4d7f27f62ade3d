/**
 * Pairwise interaction rules (ONC high-priority pairs and label
 * contraindications), checked in both directions: the rule fires whether the
 * new order is on side a or side b. Topical, ophthalmic and otic forms are
 * skipped (too little systemic exposure); the PDDI-CDS rules handle them
 * themselves.
 */
import type { Alert } from '../alert';
import type { InteractionRule, Severity } from '../pack-schema';
import type { ResolvedMedication } from '../resolve';
import { involvedMed, type RuleContext } from './context';
import { digoxinCyclosporineAlert } from './pddi-digoxin-cyclosporine';
import { warfarinNsaidAlert } from './pddi-warfarin-nsaid';

export interface RuleHit {
  rule: InteractionRule;
  active: ResolvedMedication;
  orderIngredient: string;
  activeIngredient: string;
}

/**
 * One alert per rule hit, except that a low-priority (non-interruptive) hit
 * is dropped when the same two ingredients of the same active medication
 * already raise an interrupting alert: that alert says more, and a quiet note
 * beside it would only suggest the pair is harmless.
 */
export function drugDrugAlerts(ctx: RuleContext): Alert[] {
  const made: { hit: RuleHit; alert: Alert }[] = [];
  for (const hit of findRuleHits(ctx)) {
    const alert =
      hit.rule.logic === 'pddi-warfarin-nsaid'
        ? warfarinNsaidAlert(ctx, hit)
        : hit.rule.logic === 'pddi-digoxin-cyclosporine'
          ? digoxinCyclosporineAlert(ctx, hit)
          : pairAlert(ctx, hit);
    if (alert) made.push({ hit, alert });
  }
  const pairOf = ({ active, orderIngredient, activeIngredient }: RuleHit) => `${ctx.actives.indexOf(active)}|${orderIngredient}|${activeIngredient}`;
  const interrupting = new Set(made.filter((m) => m.alert.interrupt !== false).map((m) => pairOf(m.hit)));
  return made.filter(({ hit, alert }) => alert.interrupt !== false || !interrupting.has(pairOf(hit))).map((m) => m.alert);
}

/** One hit per (rule, active medication), whichever ingredients matched first. */
export function findRuleHits({ k, order, actives }: RuleContext): RuleHit[] {
  const hits: RuleHit[] = [];
  for (const active of actives) {
    const seen = new Set<string>();
    for (const oi of order.ingredients) {
      for (const rule of k.rulesByIngredient.get(oi) ?? []) {
        if (seen.has(rule.id)) continue;
        const { a, b } = k.ruleMembers.get(rule.id)!;
        const ai = active.ingredients.find((x) => x !== oi && ((a.has(oi) && b.has(x)) || (b.has(oi) && a.has(x))));
        if (!ai) continue;
        if (rule.logic === 'pair' && (!order.systemic || !active.systemic)) continue;
        seen.add(rule.id);
        hits.push({ rule, active, orderIngredient: oi, activeIngredient: ai });
      }
    }
  }
  return hits;
}

function pairAlert({ k, order }: RuleContext, { rule, active, orderIngredient, activeIngredient }: RuleHit): Alert {
  const override = rule.overrides.find((o) => o.ingredients.includes(orderIngredient) || o.ingredients.includes(activeIngredient));
  const severity: Severity = override?.severity ?? rule.severity;
  return {
    kind: 'drug-drug',
    severity,
    title: `${rule.title}: ${k.drugName(orderIngredient)} with ${k.drugName(activeIngredient)}`,
    detail: `${rule.consequence}${override ? ` ${override.reason}` : ''} The new order ${order.label} (${k.drugName(orderIngredient)}) and the active ${active.label} (${k.drugName(activeIngredient)}) fall under "${rule.a.label}" + "${rule.b.label}".`,
    mechanism: rule.mechanism,
    action: rule.action,
    source: { citation: rule.citation, ...(rule.url ? { url: rule.url } : {}) },
    ruleId: rule.id,
    involved: [involvedMed(order, 'order'), involvedMed(active, 'active-medication')],
    ...(rule.tier === 'non-interruptive' ? { interrupt: false as const } : {})
  };
}
