/**
 * HL7 PDDI-CDS digoxin + cyclosporine rule (knowledge artifact and CQL library
 * Digoxin_Cyclosporine_CDS). Fires in both directions. Indicators follow the
 * CQL: the base card is info only for a continuation order with a normal
 * digoxin level (< 0.9 ng/mL within 30 days), no loop diuretic or aldosterone
 * antagonist, and normal potassium, magnesium, calcium and creatinine within
 * 365 days; the digoxin-level card is critical for a new cyclosporine order
 * without a normal level. Outpost reports the most severe of the IG's cards:
 * critical -> serious, warning -> moderate, info -> info.
 */
import type { Alert, AlertFactor } from '../alert';
import type { ObservationInput } from '../inputs';
import type { Severity } from '../pack-schema';
import type { ResolvedMedication } from '../resolve';
import { DAY_MS, involvedMed, namesOf, perCheck, type RuleContext } from './context';
import type { RuleHit } from './drug-drug';

type Indicator = 'info' | 'warning' | 'critical';
const SEVERITY: Record<Indicator, Severity> = { critical: 'serious', warning: 'moderate', info: 'info' };
const worst = (xs: Indicator[]): Indicator => (xs.includes('critical') ? 'critical' : xs.includes('warning') ? 'warning' : 'info');

/** The patient's labs and co-medications, the same for every hit of one check. */
interface DigoxinFacts {
  activeIngredients: ReadonlySet<string>;
  level?: ObservationInput;
  potassium?: ObservationInput;
  magnesium?: ObservationInput;
  calcium?: ObservationInput;
  creatinine?: ObservationInput;
  diuretics: ResolvedMedication[];
}

const factsCache = new WeakMap<RuleContext, DigoxinFacts>();

function digoxinFacts(ctx: RuleContext): DigoxinFacts {
  const { k, actives } = ctx;
  return {
    activeIngredients: new Set(actives.flatMap((m) => m.ingredients)),
    level: latest(ctx, k.pack.context.loinc.digoxin, 30, (o) => inRange(o, ['ng/ml'], -Infinity, 0.9) || inRange(o, ['nmol/l'], -Infinity, 1.2)),
    potassium: latest(ctx, k.pack.context.loinc.potassium, 365, (o) => inRange(o, ['meq/l', 'mmol/l'], 3.5, 5.0)),
    magnesium: latest(ctx, k.pack.context.loinc.magnesium, 365, (o) => inRange(o, ['mmol/l'], 0.7, 1.1)),
    calcium: latest(ctx, k.pack.context.loinc.calcium, 365, (o) => inRange(o, ['mg/dl'], 8.5, 10.2)),
    creatinine: latest(ctx, k.pack.context.loinc.creatinine, 365, (o) => inRange(o, ['mg/dl'], 0.6, 1.2)),
    diuretics: actives.filter((m) => m.ingredients.some((i) => k.inClass(i, 'loop-diuretic') || k.inClass(i, 'aldosterone-antagonist')))
  };
}

export function digoxinCyclosporineAlert(ctx: RuleContext, hit: RuleHit): Alert {
  const { order } = ctx;
  const orderIsDigoxin = hit.orderIngredient === 'digoxin';
  const digoxin = orderIsDigoxin ? order : hit.active;
  const cyclosporine = orderIsDigoxin ? hit.active : order;
  const { activeIngredients, level, potassium, magnesium, calcium, creatinine, diuretics } = perCheck(factsCache, ctx, digoxinFacts);
  const continuation = activeIngredients.has(hit.orderIngredient);
  const newCyclosporine = !orderIsDigoxin && !continuation;
  const labsNormal = Boolean(potassium && magnesium && calcium && creatinine);

  const base: Indicator = continuation && level && !(diuretics.length || !labsNormal) ? 'info' : 'warning';
  const levelCard: Indicator = newCyclosporine ? (level ? 'warning' : 'critical') : level ? 'info' : 'warning';
  const labCard: Indicator = labsNormal ? 'info' : 'warning';
  const severity = SEVERITY[worst([base, levelCard, labCard])];

  const show = (o: ObservationInput | undefined) => (o ? `${o.value} ${o.unit ?? ''} on ${o.effective ?? 'unknown date'}`.replace(/\s+/g, ' ') : undefined);
  const factors: AlertFactor[] = [
    { label: continuation ? 'Continuation order (drug already active)' : 'New order', present: continuation },
    { label: 'Digoxin level below 0.9 ng/mL within 30 days', present: Boolean(level), ...(level ? { detail: show(level) } : {}) },
    { label: 'Normal potassium, magnesium, calcium and serum creatinine within 365 days', present: labsNormal,
      detail: [['K', potassium], ['Mg', magnesium], ['Ca', calcium], ['Creatinine', creatinine]].map(([n, o]) => `${n}: ${show(o as ObservationInput | undefined) ?? 'none normal on record'}`).join('; ') },
    { label: 'Loop diuretic or aldosterone antagonist', present: diuretics.length > 0, ...(diuretics.length ? { detail: namesOf(diuretics) } : {}) }
  ];
  const detail = [
    hit.rule.consequence,
    level
      ? 'For patients with a reliable plasma digoxin concentration in normal range, anticipate an increase after cyclosporine starts; monitor closely and adjust the digoxin dose as needed.'
      : 'Without a reliable normal digoxin level on record, use only if benefits outweigh risks; extreme caution and close monitoring are necessary.',
    'Hypokalemia, hypomagnesemia and hypercalcemia may potentiate digoxin toxicity. 50–70% of digoxin is excreted unchanged in the urine, so changing renal function may raise concentrations.'
  ].join(' ');
  return {
    kind: 'drug-drug',
    severity,
    title: `Potential drug–drug interaction between digoxin (${digoxin.label}) and cyclosporine (${cyclosporine.label})`,
    detail,
    mechanism: hit.rule.mechanism,
    action: hit.rule.action,
    source: { citation: hit.rule.citation, ...(hit.rule.url ? { url: hit.rule.url } : {}) },
    ruleId: hit.rule.id,
    involved: [involvedMed(order, 'order'), involvedMed(hit.active, 'active-medication')],
    factors
  };
}

function inRange(o: ObservationInput, units: string[], low: number, high: number): boolean {
  return o.value !== undefined && units.includes((o.unit ?? '').toLowerCase()) && o.value > low && o.value < high;
}

/** The most recent observation with one of `codes`, within `days` of now, that passes `normal`. */
function latest({ patient, now }: RuleContext, codes: string[], days: number, normal: (o: ObservationInput) => boolean): ObservationInput | undefined {
  const since = now.getTime() - days * DAY_MS;
  return (patient.observations ?? [])
    .filter((o) => o.codings?.some((c) => c.code && codes.includes(c.code)))
    .filter((o) => {
      const t = o.effective ? Date.parse(o.effective) : NaN;
      return !Number.isNaN(t) && t >= since && t <= now.getTime() + DAY_MS && normal(o);
    })
    .sort((a, b) => Date.parse(b.effective!) - Date.parse(a.effective!))[0];
}
