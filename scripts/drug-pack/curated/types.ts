/**
 * Shapes of the hand-curated tables the pack build reads. Kept apart from the
 * pack schema: curated rows are terse for authoring; the build expands them.
 */
import type { Route, Severity } from '../../../src/lib/domain/drugs/pack-schema';

export interface CuratedDose {
  route: Route;
  unit: 'mg' | 'mcg' | 'g';
  minSingle?: number;
  maxSingle?: number;
  maxDaily?: number;
  /** For once-weekly regimens (methotrexate, alendronate): the weekly ceiling. */
  maxWeekly?: number;
  note?: string;
}

/** A cited weight-based range for children (see PediatricDose in the pack schema). */
export interface CuratedPediatricDose {
  route: Route;
  minAgeMonths: number;
  maxAgeMonths?: number;
  maxMgPerKgDose: number;
  maxMgPerKgDay: number;
  sourceId: string;
  citation: string;
  note?: string;
}

export interface CuratedDrug {
  name: string;
  classes: string[];
  routes: Route[];
  /**
   * RxNorm ingredient RxCUI cross-checked against the CPIC drug table
   * (cpicpgx/cpic-schema drug.sql). Ingredients in the PDDI-CDS value sets get
   * their code from there at build time instead. Absent = not known: the pack
   * says `rxcui: null` rather than guess.
   */
  cpicRxcui?: string;
  brands?: string[];
  synonyms?: string[];
  doses?: CuratedDose[];
  note?: string;
}

/** `oral(5, 40, 80)`: usual adult oral single-dose range and daily ceiling. */
export function dose(
  route: Route,
  minSingle: number | undefined,
  maxSingle: number | undefined,
  maxDaily: number | undefined,
  unit: CuratedDose['unit'] = 'mg',
  extra: Partial<CuratedDose> = {}
): CuratedDose {
  return { route, unit, minSingle, maxSingle, maxDaily, ...extra };
}

export const oral = (min?: number, maxSingle?: number, maxDaily?: number, unit: CuratedDose['unit'] = 'mg', extra: Partial<CuratedDose> = {}) =>
  dose('oral', min, maxSingle, maxDaily, unit, extra);

export interface CuratedClass {
  id: string;
  name: string;
  kind: 'therapeutic' | 'interaction-group';
  atc?: string[];
  parent?: string;
  duplicateCheck?: boolean;
  note?: string;
}

export interface CuratedRuleSide {
  label: string;
  classes?: string[];
  ingredients?: string[];
}

export interface CuratedInteraction {
  id: string;
  title: string;
  a: CuratedRuleSide;
  b: CuratedRuleSide;
  severity: Severity;
  consequence: string;
  mechanism: string;
  action: string;
  sourceId: string;
  citation: string;
  url?: string;
  logic?: 'pair' | 'pddi-warfarin-nsaid' | 'pddi-digoxin-cyclosporine';
  tier?: 'interruptive' | 'non-interruptive';
}
