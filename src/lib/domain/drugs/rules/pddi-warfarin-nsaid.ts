/**
 * HL7 PDDI-CDS warfarin + NSAID rule (Warfarin-NSAIDs knowledge artifact,
 * logic table and CQL library WarfarinNSAIDsCDS). Recommendation, as the IG's
 * decision tree orders it:
 *   1. NSAID is topical diclofenac            -> no special precautions
 *   2. patient takes a PPI or misoprostol     -> assess risk and take action if necessary
 *   3. age > 65 (the CQL's test), history of UGIB or peptic ulcer, or a systemic
 *      corticosteroid, aldosterone antagonist or a second NSAID
 *                                             -> use only if benefit outweighs risk
 *   4. otherwise                              -> assess risk and take action if necessary
 * The IG triggers only when the NSAID is the new order; Outpost also fires when
 * warfarin is ordered for a patient already taking an NSAID. The IG's evidence
 * for (1) is for diclofenac; Outpost applies it to every topical, ophthalmic or
 * otic NSAID form.
 */
import type { Alert, AlertFactor } from '../alert';
import type { Severity } from '../pack-schema';
import type { ResolvedMedication } from '../resolve';
import { ageInYears, involvedMed, NAMED_AT_MOST, namesOf, perCheck, type RuleContext } from './context';
import type { RuleHit } from './drug-drug';

const NO_PRECAUTIONS = 'No special precautions.';
const ASSESS = 'Assess risk and take action if necessary.';
const BENEFIT = 'Use only if benefit outweighs risk.';

/** The patient's side of the decision tree, the same for every NSAID hit of one check. */
interface WarfarinFacts {
  ppi: ResolvedMedication[];
  age: number | undefined;
  giBleed: string | undefined;
  steroids: ResolvedMedication[];
  aldosterone: ResolvedMedication[];
  /** Every systemic NSAID of the order and the active list, in list order. */
  nsaids: ResolvedMedication[];
  nsaidSet: ReadonlySet<ResolvedMedication>;
}

const factsCache = new WeakMap<RuleContext, WarfarinFacts>();

function warfarinFacts(ctx: RuleContext): WarfarinFacts {
  const { k, order, actives, patient, now } = ctx;
  const everyone = [order, ...actives];
  const systemicWith = (test: (ingredient: string) => boolean) => everyone.filter((m) => m.systemic && m.ingredients.some(test));
  const nsaids = systemicWith((i) => k.inClass(i, 'nsaid'));
  return {
    ppi: systemicWith((i) => k.inClass(i, 'ppi') || i === 'misoprostol'),
    age: ageInYears(patient.birthDate, now),
    giBleed: giBleedHistory(ctx),
    steroids: systemicWith((i) => k.inClass(i, 'corticosteroid-systemic')),
    aldosterone: systemicWith((i) => k.inClass(i, 'aldosterone-antagonist')),
    nsaids,
    nsaidSet: new Set(nsaids)
  };
}

/** The systemic NSAIDs other than `nsaid`: how many, and the first few (enough to name). */
function otherNsaids({ nsaids, nsaidSet }: WarfarinFacts, nsaid: ResolvedMedication): { first: ResolvedMedication[]; total: number } {
  const first: ResolvedMedication[] = [];
  for (const m of nsaids) {
    if (first.length >= NAMED_AT_MOST) break;
    if (m !== nsaid) first.push(m);
  }
  return { first, total: nsaids.length - (nsaidSet.has(nsaid) ? 1 : 0) };
}

export function warfarinNsaidAlert(ctx: RuleContext, hit: RuleHit): Alert {
  const { k, order } = ctx;
  const orderIsNsaid = k.inClass(hit.orderIngredient, 'nsaid');
  const nsaid = orderIsNsaid ? order : hit.active;
  const warfarin = orderIsNsaid ? hit.active : order;
  const facts = perCheck(factsCache, ctx, warfarinFacts);
  const { ppi, age, giBleed, steroids, aldosterone } = facts;

  const topical = !nsaid.systemic;
  const over65 = age !== undefined && age > 65;
  const secondNsaid = otherNsaids(facts, nsaid);
  const riskFactor = over65 || giBleed !== undefined || steroids.length > 0 || aldosterone.length > 0 || secondNsaid.total > 0;

  const [recommendation, severity]: [string, Severity] = topical
    ? [NO_PRECAUTIONS, 'info']
    : ppi.length
      ? [ASSESS, 'moderate']
      : riskFactor
        ? [BENEFIT, 'serious']
        : [ASSESS, 'moderate'];

  const factors: AlertFactor[] = [
    { label: 'NSAID is topical (low systemic absorption)', present: topical, ...(topical ? { detail: 'Topical diclofenac gel (16 g/day) produced about 6% of the absorption of 150 mg/day systemic diclofenac.' } : {}) },
    { label: 'Taking a proton pump inhibitor or misoprostol (protective)', present: ppi.length > 0, ...(ppi.length ? { detail: namesOf(ppi) } : {}) },
    { label: 'Age over 65 years', present: over65, detail: age === undefined ? 'Age unknown' : `Age ${age}` },
    { label: 'History of upper GI bleeding or peptic ulcer', present: giBleed !== undefined, ...(giBleed ? { detail: giBleed } : {}) },
    { label: 'Systemic corticosteroid', present: steroids.length > 0, ...(steroids.length ? { detail: namesOf(steroids) } : {}) },
    { label: 'Aldosterone antagonist', present: aldosterone.length > 0, ...(aldosterone.length ? { detail: namesOf(aldosterone) } : {}) },
    { label: 'Another NSAID', present: secondNsaid.total > 0, ...(secondNsaid.total ? { detail: namesOf(secondNsaid.first, secondNsaid.total) } : {}) }
  ];
  const detail = topical
    ? 'Topical NSAIDs have relatively low systemic absorption; the IG gives no special precautions for topical diclofenac.'
    : [
        hit.rule.consequence,
        ppi.length ? 'Proton pump inhibitors and misoprostol may reduce the risk of UGIB in patients receiving NSAIDs and warfarin.' : '',
        giBleed || over65 ? 'Patients with a history of UGIB or peptic ulcer may have an increased risk of UGIB from this interaction; UGIB in general increases with age.' : '',
        steroids.length || aldosterone.length
          ? 'Corticosteroids and aldosterone antagonists substantially increase the risk of UGIB in patients on NSAIDs (relative risks 12.8 and 11 vs 4.3 with NSAIDs alone; Masclee et al., Gastroenterology 2014).'
          : ''
      ]
        .filter(Boolean)
        .join(' ');
  return {
    kind: 'drug-drug',
    severity,
    title: `Potential drug–drug interaction between warfarin (${warfarin.label}) and NSAID (${nsaid.label})`,
    detail,
    mechanism: hit.rule.mechanism,
    action: topical ? NO_PRECAUTIONS : `${recommendation} ${hit.rule.action}`,
    source: { citation: hit.rule.citation, ...(hit.rule.url ? { url: hit.rule.url } : {}) },
    ruleId: hit.rule.id,
    involved: [involvedMed(order, 'order'), involvedMed(hit.active, 'active-medication')],
    factors
  };
}

/** The condition that shows a history of upper GI bleeding or peptic ulcer (ICD-10-CM code, else the condition's wording). */
function giBleedHistory({ k, patient }: RuleContext): string | undefined {
  const { giBleedIcd10Prefixes, giBleedTextPattern } = k.pack.context;
  const pattern = new RegExp(giBleedTextPattern, 'i');
  for (const c of patient.conditions ?? []) {
    const icd = c.codings?.find((x) => /icd-10/i.test(x.system ?? '') && x.code && giBleedIcd10Prefixes.some((p) => x.code!.toUpperCase().startsWith(p)));
    if (icd) return `${icd.display ?? c.text ?? ''} (ICD-10-CM ${icd.code})`.trim();
    const text = [c.text, ...(c.codings ?? []).map((x) => x.display)].find((t) => t && pattern.test(t));
    if (text) return text;
  }
  return undefined;
}
