/**
 * Drug–allergy rules by class. An allergy matches a rule when it names one of
 * the rule's allergen ingredients or classes (by RxNorm code or by name) or one
 * of its terms ("sulfa", "penicillins"). The first target that contains the
 * ordered ingredient decides the alert. A recorded allergy to the very
 * ingredient ordered is handled before these rules, as contraindicated.
 */
import type { Severity } from '../../../src/lib/domain/drugs/pack-schema';

export interface CuratedAllergyTarget {
  classes?: string[];
  ingredients?: string[];
  /** Match only when allergen and order share a direct subclass of this class. */
  sameSubclassOf?: string;
  severity: Severity;
  title: string;
  detail: string;
}

export interface CuratedAllergyRule {
  id: string;
  allergen: { label: string; classes?: string[]; ingredients?: string[]; terms: string[] };
  targets: CuratedAllergyTarget[];
  sourceId: string;
  citation: string;
  url?: string;
}

const PP = {
  sourceId: 'drug-allergy-2022',
  citation: 'Khan DA, et al. Drug allergy: a 2022 practice parameter update. J Allergy Clin Immunol 2022;150(6):1333-1393.',
  url: 'https://doi.org/10.1016/j.jaci.2022.08.028'
} as const;
const LABEL = { sourceId: 'fda-labels', citation: 'FDA-approved prescribing information (Contraindications, Warnings).', url: 'https://dailymed.nlm.nih.gov/' } as const;
const SIMILAR_SIDE_CHAIN_CEPHS = ['cephalexin', 'cefadroxil', 'cefprozil'];

export const ALLERGY_RULES: CuratedAllergyRule[] = [
  {
    id: 'allergy-penicillin', ...PP,
    allergen: { label: 'Penicillins', classes: ['penicillin'], terms: ['penicillin', 'penicillins', 'pcn'] },
    targets: [
      { classes: ['penicillin'], severity: 'serious', title: 'Penicillin allergy: ordered drug is a penicillin', detail: 'The patient has a recorded penicillin allergy and the ordered drug is a penicillin.' },
      { ingredients: SIMILAR_SIDE_CHAIN_CEPHS, severity: 'moderate', title: 'Penicillin allergy: cephalosporin with a similar side chain',
        detail: 'Cross-reactivity between penicillins and cephalosporins is low overall and is driven mainly by similar R1 side chains; this cephalosporin shares a side chain with amoxicillin or ampicillin. Review the recorded reaction before giving it.' },
      { classes: ['cephalosporin'], severity: 'minor', title: 'Penicillin allergy: cephalosporin (low cross-reactivity)',
        detail: 'Cross-reactivity between penicillins and cephalosporins is low. The 2022 practice parameter supports giving a cephalosporin with a dissimilar side chain to patients with a non-anaphylactic penicillin allergy without testing. Review the recorded reaction.' },
      { classes: ['carbapenem'], severity: 'minor', title: 'Penicillin allergy: carbapenem (very low cross-reactivity)',
        detail: 'Cross-reactivity between penicillins and carbapenems is under 1%; carbapenems may be given without testing per the 2022 practice parameter.' }
    ]
  },
  {
    id: 'allergy-cephalosporin', ...PP,
    allergen: { label: 'Cephalosporins', classes: ['cephalosporin'], terms: ['cephalosporin', 'cephalosporins'] },
    targets: [
      { classes: ['cephalosporin'], severity: 'serious', title: 'Cephalosporin allergy: ordered drug is a cephalosporin',
        detail: 'The patient has a recorded cephalosporin allergy and the ordered drug is a cephalosporin. Cross-reactivity among cephalosporins depends mainly on side chains; review the recorded reaction.' },
      { classes: ['penicillin'], severity: 'minor', title: 'Cephalosporin allergy: penicillin (low cross-reactivity)',
        detail: 'Cross-reactivity from cephalosporins to penicillins is low and mostly side-chain dependent (cephalexin, cefadroxil and cefprozil share side chains with ampicillin or amoxicillin). Review the recorded reaction.' }
    ]
  },
  {
    id: 'allergy-sulfonamide-antibiotic', sourceId: 'strom-2003',
    citation: 'Strom BL, et al. Absence of cross-reactivity between sulfonamide antibiotics and sulfonamide nonantibiotics. N Engl J Med 2003;349:1628-1635.',
    url: 'https://doi.org/10.1056/NEJMoa022963',
    allergen: { label: 'Sulfonamide antibiotics', classes: ['sulfonamide-antibiotic'], ingredients: ['sulfasalazine'], terms: ['sulfa', 'sulfa drugs', 'sulfonamide', 'sulfonamides', 'sulpha'] },
    targets: [
      { classes: ['sulfonamide-antibiotic'], ingredients: ['sulfasalazine'], severity: 'serious', title: 'Sulfonamide allergy: ordered drug is an arylamine sulfonamide',
        detail: 'The patient has a recorded sulfonamide (antibiotic) allergy and the ordered drug contains an arylamine sulfonamide.' },
      { classes: ['sulfonamide-non-antibiotic'], severity: 'info', title: 'Sulfonamide allergy: non-antibiotic sulfonamide (cross-reactivity not supported)',
        detail: 'The ordered drug is a non-antibiotic sulfonamide. Evidence does not support cross-reactivity with sulfonamide antibiotics: the higher reaction rate in sulfa-allergic patients reflects a general predisposition to allergy (Strom 2003). Use with usual care.' }
    ]
  },
  {
    id: 'allergy-nsaid', ...PP,
    allergen: { label: 'NSAIDs including aspirin', classes: ['nsaid'], terms: ['nsaid', 'nsaids', 'non-steroidal anti-inflammatory', 'salicylates'] },
    targets: [
      { classes: ['cox2-inhibitor'], severity: 'moderate', title: 'NSAID allergy: COX-2 selective NSAID',
        detail: 'Patients with cross-reactive NSAID hypersensitivity (respiratory disease or urticaria triggered by several NSAIDs) generally tolerate COX-2 selective inhibitors. Review the recorded reaction; avoid if the reaction was to this drug.' },
      { classes: ['nsaid'], severity: 'serious', title: 'NSAID allergy: ordered drug is an NSAID',
        detail: 'Cross-reactive NSAID hypersensitivity (COX-1 mediated) affects all non-selective NSAIDs including aspirin. If the history is a reaction to a single NSAID only (e.g. anaphylaxis), structurally different NSAIDs may be tolerated; review the recorded reaction.' }
    ]
  },
  {
    id: 'allergy-opioid', ...PP,
    allergen: { label: 'Opioids', classes: ['opioid'], terms: ['opioid', 'opioids', 'opiate', 'opiates', 'narcotic', 'narcotics'] },
    targets: [
      { classes: ['opioid'], sameSubclassOf: 'opioid', severity: 'serious', title: 'Opioid allergy: same structural group',
        detail: 'The ordered opioid is in the same structural group as the recorded opioid allergy. Many opioid reactions are non-immune histamine release (itching, flushing, urticaria); true IgE-mediated allergy is rare. Review the recorded reaction.' },
      { classes: ['opioid'], severity: 'moderate', title: 'Opioid allergy: different structural group',
        detail: 'The ordered opioid belongs to a different structural group (phenanthrenes, phenylpiperidines, diphenylheptanes, others) from the recorded allergy; cross-reactivity is less likely. Many opioid reactions are non-immune histamine release. Review the recorded reaction.' }
    ]
  },
  {
    id: 'allergy-macrolide', ...PP,
    allergen: { label: 'Macrolides', classes: ['macrolide'], terms: ['macrolide', 'macrolides'] },
    targets: [
      { classes: ['macrolide'], severity: 'moderate', title: 'Macrolide allergy: ordered drug is a macrolide',
        detail: 'Macrolide allergy is uncommon and cross-reactivity among macrolides is not well established. Review the recorded reaction before prescribing another macrolide.' }
    ]
  },
  {
    id: 'allergy-fluoroquinolone', ...PP,
    allergen: { label: 'Fluoroquinolones', classes: ['fluoroquinolone'], terms: ['fluoroquinolone', 'fluoroquinolones', 'quinolone', 'quinolones'] },
    targets: [
      { classes: ['fluoroquinolone'], severity: 'serious', title: 'Fluoroquinolone allergy: ordered drug is a fluoroquinolone',
        detail: 'Cross-reactivity among fluoroquinolones is variable but reported. Avoid the class after an immediate-type reaction unless evaluated by an allergy specialist.' }
    ]
  },
  {
    id: 'allergy-tetracycline', ...PP,
    allergen: { label: 'Tetracyclines', classes: ['tetracycline'], terms: ['tetracyclines'] },
    targets: [
      { classes: ['tetracycline'], severity: 'moderate', title: 'Tetracycline allergy: ordered drug is a tetracycline',
        detail: 'The ordered drug is in the same class as a recorded tetracycline allergy. Review the recorded reaction.' }
    ]
  },
  {
    id: 'allergy-ace-inhibitor', ...LABEL,
    allergen: { label: 'ACE inhibitors (including angioedema)', classes: ['ace-inhibitor'], terms: ['ace inhibitor', 'ace inhibitors', 'ace-i', 'acei'] },
    targets: [
      { classes: ['ace-inhibitor'], ingredients: ['sacubitril'], severity: 'contraindicated', title: 'ACE-inhibitor reaction: ordered drug is an ACE inhibitor or neprilysin inhibitor',
        detail: 'ACE-inhibitor and sacubitril/valsartan labeling contraindicate use after angioedema related to previous ACE-inhibitor therapy.' },
      { classes: ['arb'], severity: 'moderate', title: 'ACE-inhibitor reaction: angiotensin receptor blocker',
        detail: 'If the recorded reaction was angioedema, an ARB may be used with caution; angioedema recurs in a small minority of patients. Review the recorded reaction.' }
    ]
  },
  {
    id: 'allergy-aromatic-anticonvulsant', ...LABEL,
    allergen: { label: 'Aromatic anticonvulsants', ingredients: ['carbamazepine', 'oxcarbazepine', 'phenytoin', 'phenobarbital', 'primidone', 'lamotrigine'], terms: ['anticonvulsant', 'anticonvulsants', 'antiepileptic'] },
    targets: [
      { ingredients: ['carbamazepine', 'oxcarbazepine', 'phenytoin', 'phenobarbital', 'primidone', 'lamotrigine'], severity: 'serious', title: 'Aromatic anticonvulsant allergy: cross-sensitivity',
        detail: 'Cross-sensitivity among aromatic anticonvulsants is documented for rash, hypersensitivity syndrome and SJS/TEN; oxcarbazepine labeling reports hypersensitivity in about 25–30% of patients with carbamazepine hypersensitivity. Choose a non-aromatic agent (e.g. levetiracetam) where possible.' }
    ]
  }
];
