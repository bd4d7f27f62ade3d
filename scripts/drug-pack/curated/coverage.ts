/** The pack's own statement of what it checks and what it does not. Shown to users with every "not checked" result. */
export const COVERAGE = {
  summary:
    'Outpost\u2019s drug checks cover a curated dictionary of common outpatient medicines and a small, cited rule set. They are NOT a comprehensive drug interaction or allergy database and do not replace a pharmacist\u2019s review or a full commercial compendium. A missing alert does not mean a combination is safe.',
  checks: [
    'Drug–drug: the 15 ONC high-priority interaction pairs (Phansalkar et al., JAMIA 2012), expanded to the ingredients in this pack; the HL7 PDDI-CDS warfarin + NSAID rule with its context factors (topical diclofenac, PPI or misoprostol, age over 65 or history of upper GI bleeding or peptic ulcer, systemic corticosteroid, aldosterone antagonist or a second NSAID); the HL7 PDDI-CDS digoxin + cyclosporine rule with its context factors (digoxin level, electrolytes, creatinine, diuretics); three further FDA label contraindications (PDE5 inhibitor + nitrate, allopurinol + thiopurine, methotrexate + trimethoprim); linezolid and methylene blue (methylthioninium chloride), which inhibit MAO although they are not antidepressants, against serotonergic drugs and tricyclic antidepressants (FDA Drug Safety Communications, 2011) and against MAO-inhibitor antidepressants (linezolid and methylene blue labeling). Procarbazine counts as an MAO inhibitor (Phansalkar 2012 membership).',
    'Drug–allergy: the same ingredient, and class rules for penicillins (with the cephalosporin and carbapenem cross-reactivity caveats), cephalosporins, sulfonamide antibiotics (with the non-antibiotic sulfonamide caveat), NSAIDs (with the COX-2 caveat), opioids (by structural group), macrolides, fluoroquinolones, tetracyclines, ACE inhibitors and aromatic anticonvulsants.',
    'Duplicate therapy: the same ingredient already active, or two systemic drugs sharing a therapeutic class marked for duplicate checking.',
    'Dose: a single dose or daily (weekly) total outside the usual adult range from FDA labeling, where the pack has a range for that route.',
    'Children’s dose (under 18): mg/kg per dose and mg/kg/day against the most recent recorded weight, for oral acetaminophen (paracetamol; WHO Pocket Book of Hospital Care for Children 2013, from 3 months), amoxicillin (FDA labeling under 3 months; AAP 2013 high-dose ceiling from 3 months) and ibuprofen (FDA labeling, 6 months to 12 years), never above the usual adult maximum. The weight must be from the last 30 days under 1 year and the last 90 days from 1 year (Outpost’s choice, not a sourced limit); without one the dose is reported as not checked.'
  ],
  notCovered: [
    'Interactions outside the rules listed: most pharmacokinetic interactions, drug–food, drug–disease, pregnancy and lactation, renal and hepatic dose adjustment.',
    'Children’s doses of every other drug, other routes and other ages than those listed, combination products (co-trimoxazole, artemether–lumefantrine and others), doses below the usual range, and neonatal dosing: reported as "dose not checked".',
    'Low-priority interactions shown without interrupting (Phansalkar et al., JAMIA 2013): the tier is in place (such alerts are listed apart as "Also noted", need no override reason and may only be graded minor or info), but the pack lists none of the paper’s pairs yet, so those combinations produce no alert at all.',
    'Other drugs with some MAO-inhibiting activity (for example isoniazid, whose inhibition is weak) are not counted as MAO inhibitors: no cited source lists them. Rasagiline is not in the Phansalkar MAO inhibitor membership.',
    'Medicines not in the dictionary and ingredients of combination products the dictionary does not list: these are reported as "not checked", never passed silently.',
    'Topical, ophthalmic and otic forms are not checked for systemic interactions or duplicate therapy.',
    'Many ingredients have no RxNorm code in the pack (rxcui null) because no bundled source confirmed one; they are matched by name.',
    'Class membership of the ONC pairs was reconstructed from the paper and FDA labeling for the ingredients in this pack; verify against the source before relying on completeness.',
    'The PDDI-CDS systemic corticosteroid value set also names aldosterone and trilostane; they are not in this dictionary.'
  ]
};
