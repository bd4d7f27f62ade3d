/**
 * Weight-based dose ranges for children (under 18), by drug name, route and
 * age band. Each band cites where its mg/kg figures come from; a drug, route
 * or age without a band here is reported as "dose not checked", never passed.
 * No range is included that a cited source does not state.
 *
 * On top of these, the check never lets a child's dose exceed the usual adult
 * maximum single dose and daily total from FDA labeling (the drug's adult
 * range in the pack): labeling for these drugs says heavier children are
 * dosed as adults.
 */
import type { CuratedPediatricDose } from './types';

const WHO_POCKET_BOOK =
  'World Health Organization. Pocket book of hospital care for children: guidelines for the management of common childhood illnesses, 2nd ed. Geneva: WHO; 2013. Annex 2, drug dosages: paracetamol 10–15 mg/kg, up to 4 times a day.';
const AAP_AOM =
  'Lieberthal AS, Carroll AE, Chonmaitree T, et al. The diagnosis and management of acute otitis media. Pediatrics. 2013;131(3):e964-e999: high-dose amoxicillin 80–90 mg/kg per day in 2 divided doses.';
const AMOXIL_INFANT = 'FDA-approved labeling for amoxicillin (Amoxil), Dosage and Administration: neonates and infants aged 12 weeks (3 months) or younger, up to 30 mg/kg/day divided every 12 hours.';
const IBUPROFEN_LABEL =
  'FDA-approved labeling for ibuprofen oral suspension (Motrin), pediatric dosing for children 6 months to 12 years: 5 mg/kg (temperature below 102.5 °F) or 10 mg/kg per dose; maximum daily dose 40 mg/kg.';

export const PEDIATRIC_DOSES: Record<string, CuratedPediatricDose[]> = {
  acetaminophen: [
    {
      route: 'oral', minAgeMonths: 3, maxMgPerKgDose: 15, maxMgPerKgDay: 60, sourceId: 'who-pocket-book-2013', citation: WHO_POCKET_BOOK,
      note: 'The band starts at 3 months by Outpost\u2019s choice: dosing in neonates and young infants differs and is not in the pack.'
    }
  ],
  amoxicillin: [
    { route: 'oral', minAgeMonths: 0, maxAgeMonths: 3, maxMgPerKgDose: 15, maxMgPerKgDay: 30, sourceId: 'fda-labels', citation: AMOXIL_INFANT },
    {
      route: 'oral', minAgeMonths: 3, maxMgPerKgDose: 45, maxMgPerKgDay: 90, sourceId: 'aap-aom-2013', citation: AAP_AOM,
      note: 'The ceiling is the top of high-dose amoxicillin (AAP 2013); FDA labeling\u2019s usual pediatric maximum is lower (45 mg/kg/day), so doses between the two pass this check.'
    }
  ],
  ibuprofen: [{ route: 'oral', minAgeMonths: 6, maxAgeMonths: 156, maxMgPerKgDose: 10, maxMgPerKgDay: 40, sourceId: 'fda-labels', citation: IBUPROFEN_LABEL }]
};
