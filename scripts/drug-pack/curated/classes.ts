/**
 * Outpost's small class vocabulary. Therapeutic classes carry the WHO ATC
 * group they correspond to (ATC/DDD Index, WHO Collaborating Centre for Drug
 * Statistics Methodology); `duplicateCheck` marks classes where two members at
 * once are usually unintended (duplicate-therapy check). Interaction groups are
 * not therapeutic classes: they gather the members named by an interaction
 * rule (e.g. strong CYP3A4 inhibitors, per FDA's table of clinical index
 * inhibitors and inducers).
 */
import type { CuratedClass } from './types';

const t = (id: string, name: string, atc: string[], duplicateCheck = false, extra: Partial<CuratedClass> = {}): CuratedClass => ({
  id,
  name,
  kind: 'therapeutic',
  atc,
  duplicateCheck,
  ...extra
});
const g = (id: string, name: string, note: string): CuratedClass => ({ id, name, kind: 'interaction-group', note });

export const CLASSES: CuratedClass[] = [
  // Cardiovascular
  t('raas-inhibitor', 'Renin–angiotensin system inhibitors', ['C09'], true, {
    note: 'ACE inhibitor + ARB is dual RAS blockade, which ACE-inhibitor and ARB labeling advises against.'
  }),
  t('ace-inhibitor', 'ACE inhibitors', ['C09AA'], true, { parent: 'raas-inhibitor' }),
  t('arb', 'Angiotensin II receptor blockers', ['C09CA'], true, { parent: 'raas-inhibitor' }),
  t('beta-blocker', 'Beta blockers', ['C07A'], true),
  t('ccb-dihydropyridine', 'Dihydropyridine calcium channel blockers', ['C08CA'], true),
  t('ccb-non-dihydropyridine', 'Non-dihydropyridine calcium channel blockers', ['C08D'], true),
  t('thiazide-diuretic', 'Thiazide and thiazide-like diuretics', ['C03AA', 'C03BA'], true),
  t('loop-diuretic', 'Loop diuretics', ['C03CA'], true),
  t('aldosterone-antagonist', 'Aldosterone antagonists', ['C03DA'], true),
  t('potassium-sparing-diuretic', 'Other potassium-sparing diuretics', ['C03DB']),
  t('statin', 'HMG-CoA reductase inhibitors (statins)', ['C10AA'], true),
  t('fibrate', 'Fibrates', ['C10AB']),
  t('lipid-other', 'Other lipid-modifying agents', ['C10AX']),
  t('anticoagulant-oral', 'Oral anticoagulants', ['B01AA', 'B01AE', 'B01AF'], true),
  t('vitamin-k-antagonist', 'Vitamin K antagonists', ['B01AA'], true, { parent: 'anticoagulant-oral' }),
  t('direct-oral-anticoagulant', 'Direct oral anticoagulants', ['B01AE', 'B01AF'], true, { parent: 'anticoagulant-oral' }),
  t('heparin', 'Heparins', ['B01AB']),
  t('p2y12-inhibitor', 'P2Y12 platelet inhibitors', ['B01AC'], true),
  t('antiplatelet', 'Platelet aggregation inhibitors', ['B01AC']),
  t('nitrate', 'Organic nitrates', ['C01DA']),
  t('pde5-inhibitor', 'Phosphodiesterase-5 inhibitors', ['G04BE'], true),
  t('antiarrhythmic', 'Antiarrhythmics, class I and III', ['C01B']),
  t('cardiac-glycoside', 'Digitalis glycosides', ['C01AA']),
  t('alpha-blocker', 'Alpha-1 blockers', ['C02CA', 'G04CA'], true),
  t('central-alpha-agonist', 'Centrally acting alpha-2 agonists', ['C02AC']),
  t('vasodilator', 'Direct vasodilators', ['C02DB', 'C02DC']),
  t('antianginal-other', 'Other antianginals', ['C01EB']),
  // Endocrine
  t('biguanide', 'Biguanides', ['A10BA'], true),
  t('sulfonylurea', 'Sulfonylureas', ['A10BB'], true),
  t('dpp4-inhibitor', 'DPP-4 inhibitors', ['A10BH'], true),
  t('sglt2-inhibitor', 'SGLT2 inhibitors', ['A10BK'], true),
  t('glp1-agonist', 'GLP-1 receptor agonists', ['A10BJ'], true),
  t('thiazolidinedione', 'Thiazolidinediones', ['A10BG'], true),
  t('insulin', 'Insulins and analogues', ['A10A']),
  t('thyroid-hormone', 'Thyroid hormones', ['H03AA']),
  t('antithyroid', 'Antithyroid preparations', ['H03B'], true),
  t('corticosteroid-systemic', 'Corticosteroids for systemic use', ['H02AB', 'H02AA'], true),
  t('corticosteroid-inhaled', 'Inhaled and nasal corticosteroids', ['R03BA', 'R01AD']),
  t('corticosteroid-topical', 'Topical corticosteroids', ['D07A']),
  t('bisphosphonate', 'Bisphosphonates', ['M05BA'], true),
  t('estrogen', 'Estrogens', ['G03C']),
  t('progestin', 'Progestogens', ['G03D', 'G03AC']),
  t('hormonal-contraceptive', 'Hormonal contraceptives for systemic use', ['G03A']),
  t('androgen', 'Androgens', ['G03B']),
  t('5-alpha-reductase-inhibitor', '5-alpha reductase inhibitors', ['G04CB'], true),
  t('gnrh-agonist', 'Gonadotropin-releasing hormone analogues', ['L02AE']),
  // Gastrointestinal
  t('ppi', 'Proton pump inhibitors', ['A02BC'], true),
  t('h2-blocker', 'H2-receptor antagonists', ['A02BA'], true),
  t('prostaglandin-gi', 'Prostaglandins (gastroprotective)', ['A02BB']),
  t('antiemetic-5ht3', '5-HT3 antagonist antiemetics', ['A04AA'], true),
  t('antiemetic-dopamine', 'Dopamine-antagonist antiemetics and prokinetics', ['A03FA', 'A04AD']),
  t('antidiarrheal', 'Antipropulsives', ['A07DA']),
  t('laxative', 'Laxatives', ['A06A']),
  t('aminosalicylate', 'Aminosalicylates', ['A07EC']),
  t('gi-other', 'Other drugs for acid-related and GI disorders', ['A02BX', 'A05AA', 'A03AA']),
  // Pain, inflammation, musculoskeletal
  t('nsaid', 'Non-steroidal anti-inflammatory drugs', ['M01A'], true, {
    note: 'Membership follows the PDDI-CDS NSAID value set, which includes aspirin.'
  }),
  t('cox2-inhibitor', 'COX-2 selective NSAIDs (coxibs)', ['M01AH'], false, { parent: 'nsaid' }),
  t('salicylate', 'Salicylates', ['N02BA']),
  t('analgesic-other', 'Other analgesics and antipyretics (anilides)', ['N02BE']),
  t('opioid', 'Opioids', ['N02A', 'R05DA'], true, {
    note: 'A long-acting plus a breakthrough opioid is often intended; the duplicate alert asks the prescriber to confirm.'
  }),
  t('opioid-phenanthrene', 'Opioids, phenanthrene (morphinan) group', [], false, { parent: 'opioid' }),
  t('opioid-phenylpiperidine', 'Opioids, phenylpiperidine group', [], false, { parent: 'opioid' }),
  t('opioid-diphenylheptane', 'Opioids, diphenylheptane group', [], false, { parent: 'opioid' }),
  t('opioid-other', 'Opioids, other structures', [], false, { parent: 'opioid' }),
  t('opioid-antagonist', 'Opioid antagonists', ['V03AB', 'N07BB']),
  t('triptan', 'Triptans (5-HT1 agonists)', ['N02CC'], true),
  t('ergot-alkaloid', 'Ergot alkaloids', ['N02CA', 'G02AB']),
  t('gabapentinoid', 'Gabapentinoids', ['N03AX'], true),
  t('muscle-relaxant', 'Centrally acting muscle relaxants', ['M03B'], true),
  t('xanthine-oxidase-inhibitor', 'Xanthine oxidase inhibitors', ['M04AA'], true),
  t('antigout-other', 'Other antigout preparations', ['M04AB', 'M04AC']),
  t('dmard', 'Disease-modifying antirheumatic drugs', ['L04AX', 'L04AA', 'P01BA']),
  // Psychiatry and neurology
  t('ssri', 'Selective serotonin reuptake inhibitors', ['N06AB'], true),
  t('snri', 'Serotonin–norepinephrine reuptake inhibitors', ['N06AX'], true),
  t('tca', 'Tricyclic antidepressants', ['N06AA'], true),
  t('maoi', 'Monoamine oxidase inhibitors', ['N06AF', 'N04BD', 'L01XB'], true),
  t('antidepressant-other', 'Other antidepressants', ['N06AX']),
  t('anxiolytic-other', 'Other anxiolytics', ['N05BE']),
  t('benzodiazepine', 'Benzodiazepines', ['N05BA', 'N05CD', 'N03AE'], true),
  t('z-drug', 'Benzodiazepine-related hypnotics', ['N05CF'], true),
  t('melatonin-agonist', 'Melatonin receptor agonists', ['N05CH']),
  t('antipsychotic', 'Antipsychotics', ['N05A'], true),
  t('mood-stabilizer', 'Lithium', ['N05AN']),
  t('anticonvulsant', 'Antiepileptics', ['N03A']),
  t('cholinesterase-inhibitor', 'Anticholinesterases (dementia)', ['N06DA'], true),
  t('dementia-other', 'Other anti-dementia drugs', ['N06DX']),
  t('antiparkinson', 'Dopaminergic antiparkinson agents', ['N04B']),
  t('anticholinergic-antiparkinson', 'Anticholinergic antiparkinson agents', ['N04A']),
  t('cns-stimulant', 'Centrally acting sympathomimetics', ['N06BA'], true),
  t('smoking-cessation', 'Drugs used in nicotine dependence', ['N07BA']),
  // Anti-infectives
  t('beta-lactam', 'Beta-lactam antibacterials', ['J01C', 'J01D']),
  t('penicillin', 'Penicillins', ['J01C'], true, { parent: 'beta-lactam' }),
  t('cephalosporin', 'Cephalosporins', ['J01DB', 'J01DC', 'J01DD', 'J01DE'], true, { parent: 'beta-lactam' }),
  t('carbapenem', 'Carbapenems', ['J01DH'], false, { parent: 'beta-lactam' }),
  t('macrolide', 'Macrolides', ['J01FA'], true),
  t('lincosamide', 'Lincosamides', ['J01FF']),
  t('fluoroquinolone', 'Fluoroquinolones', ['J01MA'], true),
  t('tetracycline', 'Tetracyclines', ['J01AA'], true),
  t('sulfonamide-antibiotic', 'Sulfonamide antibacterials', ['J01E']),
  t('antibacterial-other', 'Other antibacterials', ['J01XE', 'J01XD', 'J01XX', 'J01XA', 'J01EA']),
  t('antimycobacterial', 'Antimycobacterials', ['J04A']),
  t('azole-antifungal', 'Azole antifungals for systemic use', ['J02AB', 'J02AC'], true),
  t('antifungal-other', 'Other antifungals', ['D01BA', 'A07AA']),
  t('antiviral-herpes', 'Antivirals for herpesviruses', ['J05AB'], true),
  t('antiviral-influenza', 'Neuraminidase inhibitors', ['J05AH']),
  t('hiv-protease-inhibitor', 'HIV protease inhibitors', ['J05AE']),
  t('antiretroviral-other', 'Other antiretrovirals', ['J05AF', 'J05AG', 'J05AJ', 'J05AX']),
  t('antimalarial', 'Antimalarials', ['P01B']),
  t('anthelmintic', 'Anthelmintics', ['P02']),
  // Respiratory and allergy
  t('beta2-agonist', 'Inhaled beta-2 agonists', ['R03AC']),
  t('inhaled-anticholinergic', 'Inhaled anticholinergics', ['R03BB']),
  t('leukotriene-antagonist', 'Leukotriene receptor antagonists', ['R03DC'], true),
  t('xanthine', 'Xanthines', ['R03DA']),
  t('respiratory-other', 'Other drugs for obstructive airway diseases', ['R03DX']),
  t('antihistamine', 'Antihistamines for systemic use', ['R06A'], true),
  t('cough-cold', 'Cough and cold preparations', ['R05']),
  t('decongestant', 'Systemic decongestants', ['R01BA']),
  t('epinephrine', 'Adrenergic agents for anaphylaxis', ['C01CA']),
  // Immunology and oncology
  t('calcineurin-inhibitor', 'Calcineurin inhibitors', ['L04AD']),
  t('immunosuppressant', 'Other immunosuppressants', ['L04AA', 'L04AX']),
  t('antimetabolite', 'Antimetabolites', ['L01BA', 'L01BB']),
  t('antineoplastic', 'Antineoplastic agents', ['L01']),
  t('hormone-antagonist', 'Hormone antagonists (oncology)', ['L02B']),
  // Genitourinary and other
  t('urinary-antispasmodic', 'Urinary antispasmodics', ['G04BD'], true),
  t('urinary-other', 'Other urologicals', ['G04BX']),
  t('carbonic-anhydrase-inhibitor', 'Carbonic anhydrase inhibitors', ['S01EC']),
  t('ophthalmic', 'Ophthalmic agents', ['S01']),
  t('local-anesthetic', 'Local anesthetics', ['N01B']),
  t('dermatologic', 'Dermatologicals', ['D']),
  t('electrolyte', 'Electrolyte and mineral supplements', ['A12']),
  t('vitamin', 'Vitamins', ['A11', 'B03B']),
  t('iron', 'Iron preparations', ['B03A']),
  t('herbal', 'Herbal products', []),
  t('xanthine-stimulant', 'Xanthine stimulants', ['N06BC']),

  // Interaction groups (membership per the rule that names them)
  g('cyp3a4-strong-inhibitor', 'Strong CYP3A4 inhibitors', 'FDA, Drug Development and Drug Interactions: Table of Substrates, Inhibitors and Inducers (clinical index inhibitors).'),
  g('cyp3a4-strong-inducer', 'Strong CYP3A4 inducers', 'FDA, Drug Development and Drug Interactions: Table of Substrates, Inhibitors and Inducers.'),
  g('cyp1a2-strong-inhibitor', 'Strong CYP1A2 inhibitors', 'FDA, Drug Development and Drug Interactions: Table of Substrates, Inhibitors and Inducers.'),
  g('qt-high-risk', 'High-risk QT-prolonging agents', 'Drugs whose FDA labeling warns of QT prolongation and torsades de pointes; Outpost list, not exhaustive.'),
  g('serotonergic', 'Serotonergic agents (SSRIs, SNRIs and related)', 'Phansalkar 2012, Table 2: SSRI object class expanded to serotonergic agents.'),
  g('amphetamine-derivative', 'Amphetamine and derivatives', 'Phansalkar 2012, Table 2 suggested membership.'),
  g('opioid-serotonergic', 'Narcotic analgesics that interact with MAO inhibitors', 'Opioids whose labeling contraindicates or warns against MAO inhibitors.'),
  g('sulfonamide-non-antibiotic', 'Non-antibiotic sulfonamides', 'Sulfonamide-containing drugs without the arylamine group of sulfonamide antibiotics.'),
  g('statin-cyp3a4', 'Statins metabolised by CYP3A4', 'Simvastatin, lovastatin and atorvastatin.')
];
