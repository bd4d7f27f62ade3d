/**
 * Drug–drug interaction rules.
 *
 * - `onc-*`: the 15 high-priority pairs of Phansalkar et al., JAMIA 2012
 *   (Table 2), with the paper's suggested class membership restricted to
 *   ingredients in this pack. The paper calls all 15 high-severity and
 *   interruptive; Outpost grades `contraindicated` where FDA labeling
 *   contraindicates the combination and `serious` otherwise.
 * - `pddi-*`: the two HL7 PDDI-CDS worked rules; their context logic lives in
 *   src/lib/domain/drugs/rules/pddi-*.ts.
 * - `fda-*`: a few further label contraindications common in outpatient care,
 *   and the MAO-inhibiting non-antidepressants (linezolid, methylene blue)
 *   against serotonergic drugs and MAO inhibitors (FDA Drug Safety
 *   Communications, 2011; linezolid and methylene blue labeling). Procarbazine
 *   is an MAO inhibitor in the Phansalkar membership (class `maoi`). Isoniazid
 *   is not counted: its MAO inhibition is weak and none of the cited sources
 *   lists it.
 */
import type { CuratedInteraction, CuratedRuleSide } from './types';

const PHANSALKAR = 'Phansalkar S, et al. High-priority drug-drug interactions for use in electronic health records. JAMIA 2012;19(5):735-743.';
const PHANSALKAR_URL = 'https://doi.org/10.1136/amiajnl-2011-000612';
const PDDI = 'HL7 PDDI-CDS Implementation Guide (CC0)';
const PDDI_URL = 'http://hl7.org/fhir/uv/pddi/';
const onc = { sourceId: 'phansalkar-2012', citation: PHANSALKAR, url: PHANSALKAR_URL } as const;
const FDA_DSC_2011 =
  'FDA Drug Safety Communications (26 July 2011, updated 20 October 2011): serious CNS reactions possible when linezolid (Zyvox) or methylene blue is given to patients taking serotonergic psychiatric medications.';
const FDA_DSC_2011_URL = 'https://www.fda.gov/drugs/drug-safety-and-availability/fda-drug-safety-communication-updated-information-about-drug-interaction-between-linezolid-zyvox-and';
const WASHOUT = 'Do not combine; allow at least 14 days between stopping the MAO inhibitor and starting the other drug (5 weeks after stopping fluoxetine).';

/**
 * Low-priority pairs shown without interrupting (tier `non-interruptive`,
 * graded minor): Phansalkar S, van der Sijs H, Tucker AD, et al.
 * Drug-drug interactions that should be non-interruptive in order to reduce
 * alert fatigue in electronic health records. JAMIA 2013;20(3):489-493: 33
 * class-based pairs, object class – precipitant class.
 *
 * The paper's own table could not be read here; the pairs and their wording
 * come from the list as imported by the Public PDDI analysis project
 * (knowledge/drug-pack/sources/phansalkar-2013-low-priority.json, see
 * scripts/drug-pack/extract-low-priority.ts). The build checks each row's
 * title against that list (`<object> + <precipitant>`, by the item number in the
 * id) and that every item is either a row here or in LOW_PRIORITY_NOT_MAPPED.
 * Class membership is Outpost's mapping onto the pack's own classes and
 * ingredients, noted per row where it narrows or widens the paper's class.
 */
/** What every row of NON_INTERRUPTIVE spreads in: source, grade and tier. */
export const PHANSALKAR_2013 = {
  sourceId: 'phansalkar-2013',
  citation:
    'Phansalkar S, van der Sijs H, Tucker AD, et al. Drug-drug interactions that should be non-interruptive in order to reduce alert fatigue in electronic health records. JAMIA 2013;20(3):489-493.',
  url: 'https://doi.org/10.1136/amiajnl-2012-001089',
  severity: 'minor',
  tier: 'non-interruptive'
} as const;

const low = (item: number, slugText: string, object: string, precipitant: string, a: CuratedRuleSide, b: CuratedRuleSide): CuratedInteraction => ({
  id: `low-${String(item).padStart(2, '0')}-${slugText}`,
  title: `${object} + ${precipitant}`,
  ...PHANSALKAR_2013,
  citation: `${PHANSALKAR_2013.citation} Low-priority pair ${item}: ${object} \u2013 ${precipitant}.`,
  a,
  b,
  consequence: `Low-priority interaction: the expert panel of Phansalkar et al. (2013) judged that ${object.toLowerCase()} with ${precipitant.toLowerCase()} need not interrupt the prescriber.`,
  mechanism: 'Not stated in the source list.',
  action: 'No action needed to sign. Shown for information; review if it matters for this patient.'
});

const ACEI: CuratedRuleSide = { label: 'ACE inhibitors', classes: ['ace-inhibitor'] };
const BETA: CuratedRuleSide = { label: '\u03b2-Adrenergic blockers', classes: ['beta-blocker'] };
const THYROID: CuratedRuleSide = { label: 'Thyroid hormones', classes: ['thyroid-hormone'] };
const STATINS: CuratedRuleSide = { label: 'Statins', classes: ['statin'] };
const THIAZIDES: CuratedRuleSide = { label: 'Thiazide-type diuretics', classes: ['thiazide-diuretic'] };
const NSAIDS: CuratedRuleSide = { label: 'NSAIDs', classes: ['nsaid'] };
const PPIS: CuratedRuleSide = { label: 'Proton pump inhibitors', classes: ['ppi'] };
/** Pack members: warfarin, the direct oral anticoagulants, heparin and enoxaparin. */
const ANTICOAGULANTS: CuratedRuleSide = { label: 'Anticoagulants', classes: ['anticoagulant-oral', 'heparin'] };
/** Systemic corticosteroids only: inhaled, nasal and topical forms are left out. */
const CORTICOSTEROIDS: CuratedRuleSide = { label: 'Corticosteroids (systemic)', classes: ['corticosteroid-systemic'] };
/** The only calcium salt in the pack. */
const CALCIUM: CuratedRuleSide = { label: 'Calcium salts (calcium carbonate)', ingredients: ['calcium carbonate'] };
/** Oral iron in the pack. */
const IRON: CuratedRuleSide = { label: 'Iron salts (ferrous sulfate)', classes: ['iron'] };
/** Antacids in the pack; aluminium hydroxide and sodium bicarbonate are not in the dictionary. */
const ANTACIDS: CuratedRuleSide = { label: 'Antacids (calcium carbonate, magnesium oxide)', ingredients: ['calcium carbonate', 'magnesium oxide'] };
/** Systemic salicylates; mesalamine (an aminosalicylate acting in the gut) is left out. */
const SALICYLATES: CuratedRuleSide = { label: 'Salicylates (aspirin, diflunisal)', ingredients: ['aspirin', 'diflunisal'] };

export const NON_INTERRUPTIVE: CuratedInteraction[] = [
  low(1, 'acei-salicylate', 'ACE inhibitors', 'Salicylates', ACEI, SALICYLATES),
  low(3, 'beta-blocker-ssri', '\u03b2-Adrenergic blockers', 'Serotonin reuptake blockers', BETA, { label: 'Serotonin reuptake blockers (SSRIs)', classes: ['ssri'] }),
  low(4, 'iron-ppi', 'Iron salts', 'Proton pump inhibitors', IRON, PPIS),
  low(5, 'thiazide-acei', 'Thiazide-type diuretics', 'ACE inhibitors', THIAZIDES, ACEI),
  low(6, 'thyroid-calcium', 'Thyroid hormones', 'Calcium salts', THYROID, CALCIUM),
  low(7, 'thyroid-statin', 'Thyroid hormones', 'Statins', THYROID, STATINS),
  low(8, 'thiazide-nsaid', 'Thiazide-type diuretics', 'NSAID', THIAZIDES, NSAIDS),
  low(9, 'beta-blocker-thyroid', '\u03b2-Adrenergic blockers', 'Thyroid hormones', BETA, THYROID),
  low(10, 'macrolide-immunosuppressant-corticosteroid', 'Macrolide immunosuppressives', 'Corticosteroids', { label: 'Macrolide immunosuppressives (tacrolimus, sirolimus)', ingredients: ['tacrolimus', 'sirolimus'] }, CORTICOSTEROIDS),
  low(11, 'antacid-corticosteroid', 'Antacids', 'Corticosteroids(oral)', ANTACIDS, CORTICOSTEROIDS),
  low(12, 'bisphosphonate-calcium', 'Bisphosphonates', 'Calcium salts', { label: 'Bisphosphonates', classes: ['bisphosphonate'] }, CALCIUM),
  low(13, 'vitamin-b12-omeprazole', 'Vitamin B12', 'Omeprazole', { label: 'Vitamin B12 (cyanocobalamin)', ingredients: ['cyanocobalamin'] }, { label: 'Omeprazole', ingredients: ['omeprazole'] }),
  low(14, 'folic-acid-methotrexate', 'Folic Acid', 'Methotrexate', { label: 'Folic acid', ingredients: ['folic acid'] }, { label: 'Methotrexate', ingredients: ['methotrexate'] }),
  low(15, 'sulfonylurea-acei', 'Sulfonylureas', 'ACE inhibitors', { label: 'Sulfonylureas', classes: ['sulfonylurea'] }, ACEI),
  low(16, 'iron-thyroid', 'Iron salts', 'Thyroid hormones', IRON, THYROID),
  low(17, 'anticoagulant-corticosteroid', 'Anticoagulants', 'Corticosteroids', ANTICOAGULANTS, CORTICOSTEROIDS),
  low(18, 'anticoagulant-acetaminophen', 'Anticoagulants', 'Acetaminophen', ANTICOAGULANTS, { label: 'Acetaminophen', ingredients: ['acetaminophen'] }),
  low(19, 'antacid-iron', 'Antacids', 'Iron salts (oral)', ANTACIDS, IRON),
  low(20, 'anticoagulant-ppi', 'Anticoagulants', 'Proton pump inhibitors', ANTICOAGULANTS, PPIS),
  low(21, 'ppi-imidazole', 'Proton pump inhibitors', 'Imidazoles', PPIS, { label: 'Imidazole antifungals (ketoconazole, clotrimazole)', ingredients: ['ketoconazole', 'clotrimazole'] }),
  low(22, 'beta-blocker-calcium', '\u03b2-Adrenergic blockers', 'Calcium salts (oral)', BETA, CALCIUM),
  low(23, 'acei-arb', 'ACE inhibitors', 'Angiotensin II receptor antagonists', ACEI, { label: 'Angiotensin II receptor antagonists', classes: ['arb'] }),
  low(24, 'anticoagulant-statin', 'Anticoagulants', 'Statins', ANTICOAGULANTS, STATINS),
  low(25, 'omeprazole-benzodiazepine', 'Omeprazole', 'Benzodiazepines', { label: 'Omeprazole', ingredients: ['omeprazole'] }, { label: 'Benzodiazepines', classes: ['benzodiazepine'] }),
  low(28, 'nsaid-beta-blocker', 'NSAIDS', '\u03b2-Adrenergic blockers', NSAIDS, BETA),
  low(29, 'clopidogrel-salicylate', 'Clopidogrel', 'Salicylates', { label: 'Clopidogrel', ingredients: ['clopidogrel'] }, SALICYLATES),
  low(30, 'oral-contraceptive-corticosteroid', 'Oral contraceptives', 'Corticosteroids', { label: 'Hormonal contraceptives', classes: ['hormonal-contraceptive'] }, CORTICOSTEROIDS),
  low(31, 'beta-blocker-dihydropyridine', '\u03b2-Adrenergic blockers', 'Nifedipine and derivatives', BETA, { label: 'Nifedipine and derivatives (dihydropyridines)', classes: ['ccb-dihydropyridine'] }),
  low(33, 'acei-nsaid', 'ACE inhibitors', 'NSAID', ACEI, NSAIDS)
];

/** Items of the 2013 list with no row above, and why. */
export const LOW_PRIORITY_NOT_MAPPED: Record<number, string> = {
  2: 'Niacin is not in the dictionary.',
  26: 'Vitamin E is not in the dictionary.',
  27: 'No zinc salt is in the dictionary.',
  32: 'The anticholinesterases meant (pyridostigmine, neostigmine and others used for myasthenia) are not in the dictionary; the dementia cholinesterase inhibitors it holds are a different group.'
};

export const INTERACTIONS: (CuratedInteraction & { overrides?: { ingredients: string[]; severity: CuratedInteraction['severity']; reason: string }[] })[] = [
  {
    id: 'onc-amphetamine-maoi', title: 'Amphetamine derivative + MAO inhibitor', ...onc, severity: 'contraindicated',
    a: { label: 'Amphetamines and derivatives', classes: ['amphetamine-derivative'] },
    b: { label: 'MAO inhibitors', classes: ['maoi'] },
    consequence: 'Hypertensive crisis.',
    mechanism: 'MAO inhibition prevents breakdown of the norepinephrine and dopamine that amphetamines release, potentiating pressor effects.',
    action: WASHOUT
  },
  {
    id: 'onc-atazanavir-ppi', title: 'Atazanavir + proton pump inhibitor', ...onc, severity: 'serious',
    a: { label: 'Atazanavir', ingredients: ['atazanavir'] },
    b: { label: 'Proton pump inhibitors', classes: ['ppi'] },
    consequence: 'Lower atazanavir exposure, with risk of virologic failure and resistance.',
    mechanism: 'Atazanavir needs gastric acid to dissolve; PPIs raise gastric pH and reduce its absorption.',
    action: 'Avoid. If a PPI is unavoidable, follow atazanavir labeling: treatment-naive patients only, ritonavir-boosted atazanavir, PPI no more than omeprazole 20 mg or equivalent, taken about 12 hours before atazanavir.'
  },
  {
    id: 'onc-febuxostat-thiopurine', title: 'Febuxostat + azathioprine or mercaptopurine', ...onc, severity: 'contraindicated',
    a: { label: 'Febuxostat', ingredients: ['febuxostat'] },
    b: { label: 'Azathioprine and mercaptopurine', ingredients: ['azathioprine', 'mercaptopurine'] },
    consequence: 'Thiopurine toxicity: severe bone marrow suppression.',
    mechanism: 'Xanthine oxidase inhibition blocks inactivation of mercaptopurine (the active metabolite of azathioprine), raising its levels.',
    action: 'Contraindicated in febuxostat labeling. Choose an alternative urate-lowering or immunosuppressive strategy.'
  },
  {
    id: 'onc-serotonergic-maoi', title: 'SSRI or other serotonergic agent + MAO inhibitor', ...onc, severity: 'contraindicated',
    a: { label: 'SSRIs and serotonergic agents', classes: ['serotonergic'] },
    b: { label: 'MAO inhibitors', classes: ['maoi'] },
    consequence: 'Serotonin syndrome (hyperthermia, rigidity, myoclonus, autonomic instability), which can be fatal.',
    mechanism: 'Blocking serotonin breakdown (MAO inhibition) while increasing synaptic serotonin.',
    action: WASHOUT
  },
  {
    id: 'onc-irinotecan-cyp3a4', title: 'Irinotecan + strong CYP3A4 inhibitor', ...onc, severity: 'serious',
    a: { label: 'Irinotecan', ingredients: ['irinotecan'] },
    b: { label: 'Strong CYP3A4 inhibitors', classes: ['cyp3a4-strong-inhibitor'] },
    consequence: 'Higher irinotecan and SN-38 exposure: severe neutropenia and diarrhea.',
    mechanism: 'Strong CYP3A4 inhibitors reduce oxidative clearance of irinotecan, shifting it toward SN-38.',
    action: 'Avoid; irinotecan labeling advises stopping strong CYP3A4 inhibitors at least 1 week before irinotecan unless there is no alternative.'
  },
  {
    id: 'onc-opioid-maoi', title: 'Narcotic analgesic + MAO inhibitor', ...onc, severity: 'contraindicated',
    a: { label: 'Meperidine, tramadol, tapentadol, methadone, fentanyl', classes: ['opioid-serotonergic'] },
    b: { label: 'MAO inhibitors', classes: ['maoi'] },
    consequence: 'Serotonin syndrome or opioid toxicity (agitation, hyperthermia, or respiratory depression and coma); deaths reported with meperidine.',
    mechanism: 'These opioids add serotonergic activity to MAO inhibition.',
    action: 'Avoid during and within 14 days of MAO inhibitor therapy; if an opioid is needed, use one without serotonergic activity at a reduced dose with close monitoring.'
  },
  {
    id: 'onc-tca-maoi', title: 'Tricyclic antidepressant + MAO inhibitor', ...onc, severity: 'contraindicated',
    a: { label: 'Tricyclic antidepressants (and cyclobenzaprine)', classes: ['tca'], ingredients: ['cyclobenzaprine'] },
    b: { label: 'MAO inhibitors', classes: ['maoi'] },
    consequence: 'Serotonin syndrome, hypertensive crisis, hyperpyrexia and seizures.',
    mechanism: 'Combined monoamine reuptake inhibition and MAO inhibition.',
    action: WASHOUT
  },
  {
    id: 'onc-qt-qt', title: 'Two high-risk QT-prolonging drugs', ...onc, severity: 'serious',
    a: { label: 'High-risk QT-prolonging agents', classes: ['qt-high-risk'] },
    b: { label: 'High-risk QT-prolonging agents', classes: ['qt-high-risk'] },
    consequence: 'QT prolongation, torsades de pointes and sudden cardiac death.',
    mechanism: 'Additive delay of ventricular repolarisation (cardiac potassium-channel blockade).',
    action: 'Avoid the combination. If both are needed, obtain a baseline ECG, correct potassium and magnesium, and monitor the QTc.'
  },
  {
    id: 'onc-ramelteon-cyp1a2', title: 'Ramelteon + strong CYP1A2 inhibitor', ...onc, severity: 'serious',
    a: { label: 'Ramelteon', ingredients: ['ramelteon'] },
    b: { label: 'Strong CYP1A2 inhibitors', classes: ['cyp1a2-strong-inhibitor'] },
    consequence: 'Greatly increased ramelteon exposure and sedation.',
    mechanism: 'Ramelteon is cleared mainly by CYP1A2; fluvoxamine raised ramelteon AUC about 190-fold in the labeled study.',
    action: 'Do not use ramelteon with fluvoxamine (labeling); use caution with other strong CYP1A2 inhibitors.',
    overrides: [{ ingredients: ['fluvoxamine'], severity: 'contraindicated', reason: 'Ramelteon labeling: do not use with fluvoxamine.' }]
  },
  {
    id: 'onc-protease-inhibitor-inducer', title: 'HIV protease inhibitor + strong CYP3A4 inducer', ...onc, severity: 'contraindicated',
    a: { label: 'HIV protease inhibitors', classes: ['hiv-protease-inhibitor'] },
    b: { label: 'Strong CYP3A4 inducers', classes: ['cyp3a4-strong-inducer'] },
    consequence: 'Loss of antiretroviral effect and emergence of resistance.',
    mechanism: 'Strong CYP3A4 induction markedly lowers protease inhibitor concentrations.',
    action: 'Contraindicated in protease inhibitor labeling (rifampin, St. John\u2019s wort and others). For tuberculosis, consult HIV guidance (e.g. rifabutin with dose adjustment).'
  },
  {
    id: 'onc-statin-cyp3a4', title: 'CYP3A4-metabolised statin + CYP3A4 or protease inhibitor', ...onc, severity: 'serious',
    a: { label: 'Simvastatin, lovastatin, atorvastatin', classes: ['statin-cyp3a4'] },
    b: { label: 'Strong CYP3A4 inhibitors and HIV protease inhibitors', classes: ['cyp3a4-strong-inhibitor', 'hiv-protease-inhibitor'], ingredients: ['erythromycin'] },
    consequence: 'Myopathy and rhabdomyolysis.',
    mechanism: 'CYP3A4 inhibition raises statin exposure.',
    action: 'Simvastatin and lovastatin are contraindicated with these inhibitors. For atorvastatin, limit the dose as its labeling directs, or switch to pravastatin or rosuvastatin, which are not CYP3A4 substrates.',
    overrides: [{ ingredients: ['simvastatin', 'lovastatin'], severity: 'contraindicated', reason: 'Simvastatin and lovastatin labeling contraindicate strong CYP3A4 inhibitors.' }]
  },
  {
    id: 'onc-ergot-cyp3a4', title: 'Ergot alkaloid + CYP3A4 or protease inhibitor', ...onc, severity: 'contraindicated',
    a: { label: 'Ergot alkaloids', classes: ['ergot-alkaloid'] },
    b: { label: 'Strong CYP3A4 inhibitors and HIV protease inhibitors', classes: ['cyp3a4-strong-inhibitor', 'hiv-protease-inhibitor'] },
    consequence: 'Ergotism: severe peripheral and cerebral ischemia.',
    mechanism: 'CYP3A4 inhibition raises ergot alkaloid concentrations.',
    action: 'Contraindicated (boxed warning in ergotamine and dihydroergotamine labeling). Use a non-ergot antimigraine drug or a non-interacting anti-infective.'
  },
  {
    id: 'onc-tizanidine-cyp1a2', title: 'Tizanidine + strong CYP1A2 inhibitor', ...onc, severity: 'contraindicated',
    a: { label: 'Tizanidine', ingredients: ['tizanidine'] },
    b: { label: 'Strong CYP1A2 inhibitors (fluvoxamine, ciprofloxacin)', classes: ['cyp1a2-strong-inhibitor'] },
    consequence: 'Severe hypotension, bradycardia and excessive sedation.',
    mechanism: 'Tizanidine is cleared by CYP1A2; labeled studies found tizanidine AUC raised about 33-fold by fluvoxamine and 10-fold by ciprofloxacin.',
    action: 'Contraindicated in tizanidine labeling. Choose another muscle relaxant or a non-interacting antibiotic or antidepressant.'
  },
  {
    id: 'onc-tranylcypromine-procarbazine', title: 'Tranylcypromine + procarbazine', ...onc, severity: 'contraindicated',
    a: { label: 'Tranylcypromine', ingredients: ['tranylcypromine'] },
    b: { label: 'Procarbazine', ingredients: ['procarbazine'] },
    consequence: 'Hypertensive crisis and serotonin toxicity.',
    mechanism: 'Procarbazine has MAO-inhibiting activity, adding to tranylcypromine.',
    action: 'Do not combine.'
  },
  {
    id: 'onc-triptan-maoi', title: 'Triptan + MAO inhibitor', ...onc, severity: 'serious',
    a: { label: 'Triptans', classes: ['triptan'] },
    b: { label: 'MAO inhibitors', classes: ['maoi'] },
    consequence: 'Increased triptan exposure and serotonin toxicity.',
    mechanism: 'MAO-A metabolises sumatriptan, rizatriptan and zolmitriptan.',
    action: 'Sumatriptan, rizatriptan and zolmitriptan are contraindicated during or within 2 weeks of an MAO-A inhibitor. Other triptans: use only with caution and monitoring.',
    overrides: [{ ingredients: ['sumatriptan', 'rizatriptan', 'zolmitriptan'], severity: 'contraindicated', reason: 'Labeling contraindicates MAO-A inhibitors with these triptans.' }]
  },
  {
    id: 'fda-mao-inhibiting-serotonergic', title: 'Linezolid or methylene blue + serotonergic drug', sourceId: 'fda-dsc-2011-mao-serotonergic', severity: 'serious',
    citation: FDA_DSC_2011, url: FDA_DSC_2011_URL,
    a: { label: 'SSRIs, SNRIs and other serotonergic agents; tricyclic antidepressants', classes: ['serotonergic', 'tca'] },
    b: { label: 'MAO-inhibiting non-antidepressants (linezolid, methylene blue)', classes: ['mao-inhibiting-other'] },
    consequence: 'Serotonin syndrome (mental status changes, neuromuscular hyperactivity, autonomic instability), which can be fatal.',
    mechanism: 'Linezolid and methylene blue inhibit monoamine oxidase A, the enzyme that breaks down serotonin, while the other drug increases synaptic serotonin.',
    action:
      'Linezolid or methylene blue should generally not be given to a patient taking a serotonergic psychiatric drug. If one is needed urgently, stop the serotonergic drug and monitor for serotonin toxicity for 2 weeks (5 weeks after fluoxetine) or until 24 hours after the last dose of linezolid or methylene blue, whichever comes first. Do not start a serotonergic drug until 24 hours after the last dose of linezolid or methylene blue.'
  },
  {
    id: 'fda-mao-inhibiting-maoi', title: 'Linezolid or methylene blue + MAO inhibitor', sourceId: 'fda-labels', severity: 'serious',
    citation: 'FDA-approved labeling for linezolid (Zyvox; Contraindications: monoamine oxidase inhibitors) and methylene blue (ProvayBlue; Boxed Warning: serotonin syndrome with serotonergic drugs, including MAO inhibitors).', url: 'https://dailymed.nlm.nih.gov/',
    a: { label: 'MAO inhibitors', classes: ['maoi'] },
    b: { label: 'MAO-inhibiting non-antidepressants (linezolid, methylene blue)', classes: ['mao-inhibiting-other'] },
    consequence: 'Additive MAO inhibition: serotonin syndrome and hypertensive reactions.',
    mechanism: 'Both drugs inhibit monoamine oxidase.',
    action: 'Linezolid labeling: do not use during or within 2 weeks of an MAO inhibitor. Methylene blue labeling: avoid concomitant use with MAO inhibitors. If the combination cannot be avoided, monitor closely for serotonin toxicity and blood pressure rises.',
    overrides: [{ ingredients: ['linezolid'], severity: 'contraindicated', reason: 'Linezolid labeling contraindicates use with, or within 2 weeks of, an MAO inhibitor.' }]
  },
  {
    id: 'pddi-warfarin-nsaid', title: 'Warfarin + NSAID', logic: 'pddi-warfarin-nsaid', sourceId: 'hl7-pddi-cds',
    citation: `${PDDI}: Warfarin + NSAIDs knowledge artifact (Malone, Horn, Hansten; AHRQ R21-HS023826).`, url: PDDI_URL, severity: 'serious',
    a: { label: 'Warfarin', ingredients: ['warfarin'] },
    b: { label: 'NSAIDs (PDDI-CDS NSAID value set)', classes: ['nsaid'] },
    consequence: 'Increased risk of bleeding, including gastrointestinal bleeding, intracranial hemorrhage and cerebral hemorrhage.',
    mechanism:
      'NSAIDs have antiplatelet effects which increase the bleeding risk when combined with oral anticoagulants such as warfarin. NSAIDs also can cause peptic ulcers; most of the evidence for increased bleeding risk with NSAIDs plus warfarin is due to upper gastrointestinal bleeding (UGIB).',
    action:
      'If the NSAID is being used as an analgesic or antipyretic, it would be prudent to use an alternative such as acetaminophen. In some people, acetaminophen can increase the anticoagulant effect of warfarin, so monitor the INR if acetaminophen is used in doses over 2 g/day for a few days. For more severe pain consider short-term opioids in place of the NSAID.'
  },
  {
    id: 'pddi-digoxin-cyclosporine', title: 'Digoxin + cyclosporine', logic: 'pddi-digoxin-cyclosporine', sourceId: 'hl7-pddi-cds',
    citation: `${PDDI}: Digoxin + Cyclosporine knowledge artifact (Reese, Malone, Horn, Hansten; AHRQ R21-HS023826).`, url: PDDI_URL, severity: 'serious',
    a: { label: 'Digoxin', ingredients: ['digoxin'] },
    b: { label: 'Cyclosporine', ingredients: ['cyclosporine'] },
    consequence: 'Increased risk of digoxin toxicity: anorexia, nausea, vomiting, visual changes and cardiac arrhythmias.',
    mechanism: 'Cyclosporine inhibits P-glycoprotein, a major transporter for digoxin efflux, raising digoxin concentrations.',
    action:
      'Assess risk and take action if necessary: consider a digoxin trough within 24 hours of starting cyclosporine, a pre-emptive digoxin dose reduction, and checking electrolytes and serum creatinine.'
  },
  {
    id: 'fda-pde5-nitrate', title: 'PDE5 inhibitor + nitrate', sourceId: 'fda-labels', severity: 'contraindicated',
    citation: 'FDA-approved labeling for sildenafil, tadalafil and vardenafil (Contraindications).', url: 'https://dailymed.nlm.nih.gov/',
    a: { label: 'PDE5 inhibitors', classes: ['pde5-inhibitor'] },
    b: { label: 'Organic nitrates', classes: ['nitrate'] },
    consequence: 'Profound, potentially fatal hypotension.',
    mechanism: 'Additive cGMP-mediated vasodilation.',
    action: 'Contraindicated. After tadalafil, wait at least 48 hours before a nitrate; after sildenafil or vardenafil, at least 24 hours.'
  },
  {
    id: 'fda-allopurinol-thiopurine', title: 'Allopurinol + azathioprine or mercaptopurine', sourceId: 'fda-labels', severity: 'serious',
    citation: 'FDA-approved labeling for azathioprine and mercaptopurine (Drug Interactions: allopurinol).', url: 'https://dailymed.nlm.nih.gov/',
    a: { label: 'Allopurinol', ingredients: ['allopurinol'] },
    b: { label: 'Azathioprine and mercaptopurine', ingredients: ['azathioprine', 'mercaptopurine'] },
    consequence: 'Thiopurine toxicity: severe bone marrow suppression.',
    mechanism: 'Xanthine oxidase inhibition blocks inactivation of mercaptopurine.',
    action: 'Reduce the thiopurine dose to one-third to one-quarter as labeling directs and monitor blood counts, or avoid the combination.'
  },
  {
    id: 'fda-methotrexate-trimethoprim', title: 'Methotrexate + trimethoprim', sourceId: 'fda-labels', severity: 'serious',
    citation: 'FDA-approved labeling for methotrexate (Drug Interactions: trimethoprim/sulfamethoxazole).', url: 'https://dailymed.nlm.nih.gov/',
    a: { label: 'Methotrexate', ingredients: ['methotrexate'] },
    b: { label: 'Trimethoprim (including co-trimoxazole)', ingredients: ['trimethoprim'] },
    consequence: 'Bone marrow suppression and pancytopenia.',
    mechanism: 'Both are antifolates, and trimethoprim reduces renal clearance of methotrexate.',
    action: 'Avoid; choose another antibiotic. If unavoidable, monitor blood counts closely.'
  },
  ...NON_INTERRUPTIVE
];
