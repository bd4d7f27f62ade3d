import type { OrderableTest } from './orders';

/**
 * The tests a rural clinic runs on the spot (point of care) plus INR and PT,
 * each with how its result is entered and flagged.
 *
 * Codes and long names are LOINC's (https://loinc.org, copyright Regenstrief
 * Institute, used under the LOINC licence). Where the exact code for a
 * device's reading is not certain the entry says so in `codeNote`.
 *
 * Reference ranges are adult ones unless stated; where they differ by sex
 * or pregnancy the entry has one population per group, and `source` names
 * where the numbers come from. Ranges for laboratory analysers (PT) depend
 * on the reagent: the entry says so, and the clinic's own range wins.
 */

/** Local code system of the answers below (positive, negative, invalid, graded dipstick answers). */
export const POC_ANSWER_SYSTEM = 'urn:outpost:poc-answer';
/** HL7 v3 ObservationInterpretation, the codes the results list flags by. */
export const INTERPRETATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
export const UCUM_SYSTEM = 'http://unitsofmeasure.org';

export interface QualitativeAnswer {
  code: string;
  display: string;
  /** HL7 v3 interpretation: NEG normal, POS positive, A abnormal (graded), IND invalid (repeat the test). */
  interpretation: 'NEG' | 'POS' | 'A' | 'IND';
}

/** Below `below` or at/above `atOrAbove`: this flag. Checked in order, most severe first. */
export interface Band {
  below?: number;
  atOrAbove?: number;
  /** HL7 v3 interpretation code stored with the result. */
  code: 'L' | 'LL' | 'H' | 'HH';
  label: string;
}

export const POPULATIONS = ['adult', 'woman', 'pregnant', 'man'] as const;
export type Population = (typeof POPULATIONS)[number];
export const POPULATION_LABEL: Record<Population, string> = {
  adult: 'Adult',
  woman: 'Woman (not pregnant), 15 years or older',
  pregnant: 'Pregnant woman',
  man: 'Man, 15 years or older'
};

export interface PopulationRange {
  who: Population;
  low?: number;
  high?: number;
  text: string;
  bands: readonly Band[];
}

export type ResultSpec =
  | { kind: 'qualitative'; answers: readonly QualitativeAnswer[] }
  | {
      kind: 'quantitative';
      /** Unit as shown and its UCUM code. */
      unit: string;
      ucum: string;
      /** Values outside these are refused as not a reading (a typo, not a result). */
      min: number;
      max: number;
      ranges: readonly PopulationRange[];
    };

export interface ResultComponent {
  code: string;
  display: string;
  short: string;
  spec: ResultSpec;
}

const POS = (code: string, display: string): QualitativeAnswer => ({ code, display, interpretation: 'POS' });
const NEGATIVE: QualitativeAnswer = { code: 'negative', display: 'Negative', interpretation: 'NEG' };
/** "Invalid" means the control line did not appear: repeat the test with a new kit. */
const INVALID: QualitativeAnswer = { code: 'invalid', display: 'Invalid — repeat the test', interpretation: 'IND' };
const POS_NEG_INVALID: ResultSpec = { kind: 'qualitative', answers: [POS('positive', 'Positive'), NEGATIVE, INVALID] };

/** Dipstick pads read as graded answers (trace, 1+ to 3+); anything but negative is abnormal. */
const GRADED: ResultSpec = {
  kind: 'qualitative',
  answers: [
    NEGATIVE,
    { code: 'trace', display: 'Trace', interpretation: 'A' },
    { code: '1+', display: '1+', interpretation: 'A' },
    { code: '2+', display: '2+', interpretation: 'A' },
    { code: '3+', display: '3+', interpretation: 'A' },
    INVALID
  ]
};
const NITRITE: ResultSpec = { kind: 'qualitative', answers: [NEGATIVE, { code: 'positive', display: 'Positive', interpretation: 'A' }, INVALID] };

/** WHO 2011 anaemia thresholds (g/dL): mild, moderate, severe per group. */
const anaemia = (normal: number, moderate: number, severe: number): Band[] => [
  { below: severe, code: 'LL', label: 'Severe anaemia' },
  { below: moderate, code: 'L', label: 'Moderate anaemia' },
  { below: normal, code: 'L', label: 'Mild anaemia' }
];

export interface PointOfCareTest extends OrderableTest {
  pointOfCare: boolean;
  /** How the result is entered; absent for a panel, whose components carry one each. */
  spec?: ResultSpec;
  components?: readonly ResultComponent[];
  /** Where the reference ranges come from. */
  source: string;
  /** Said plainly where the code or range is not certain. */
  codeNote?: string;
  /** A positive result is shown at the top of the results list. */
  prominent?: boolean;
}

export const POINT_OF_CARE_TESTS: readonly PointOfCareTest[] = [
  {
    // LOINC 70569-9 "Plasmodium sp Ag [Identifier] in Blood by Rapid immunoassay": the species line(s) a Pf/pan RDT shows.
    code: '70569-9',
    display: 'Plasmodium sp Ag [Identifier] in Blood by Rapid immunoassay',
    short: 'Malaria RDT',
    category: 'laboratory',
    alsoAnsweredBy: ['76772-3'], // Plasmodium falciparum Ag [Presence] in Blood by Rapid immunoassay
    pointOfCare: true,
    prominent: true,
    spec: {
      kind: 'qualitative',
      answers: [
        POS('pf', 'Positive — P. falciparum'),
        POS('pan', 'Positive — non-falciparum (pan line only)'),
        POS('pf-pan', 'Positive — P. falciparum or mixed (Pf and pan lines)'),
        NEGATIVE,
        INVALID
      ]
    },
    source: 'WHO Guidelines for malaria (2023): parasitological confirmation by RDT; an invalid RDT (no control line) is repeated.'
  },
  {
    // LOINC 80387-4 "HIV 1+2 Ab [Presence] in Serum, Plasma or Blood by Rapid immunoassay".
    code: '80387-4',
    display: 'HIV 1+2 Ab [Presence] in Serum, Plasma or Blood by Rapid immunoassay',
    short: 'HIV rapid test',
    category: 'laboratory',
    pointOfCare: true,
    prominent: true,
    spec: POS_NEG_INVALID,
    source: 'WHO Consolidated guidelines on HIV testing services (2019): a reactive first test is confirmed by the national testing algorithm; record it as positive only per that algorithm.'
  },
  {
    // LOINC 2106-3 "Choriogonadotropin (pregnancy test) [Presence] in Urine".
    code: '2106-3',
    display: 'Choriogonadotropin (pregnancy test) [Presence] in Urine',
    short: 'Urine pregnancy test',
    category: 'laboratory',
    pointOfCare: true,
    prominent: true,
    spec: POS_NEG_INVALID,
    source: 'Qualitative urine hCG strip: positive, negative or invalid (no control line) as the kit insert reads.'
  },
  {
    // LOINC 14743-9 "Glucose [Moles/volume] in Capillary blood by Glucometer" (41653-7 is the mg/dL reading).
    code: '14743-9',
    display: 'Glucose [Moles/volume] in Capillary blood by Glucometer',
    short: 'Capillary glucose',
    category: 'laboratory',
    alsoAnsweredBy: ['41653-7'],
    pointOfCare: true,
    spec: {
      kind: 'quantitative',
      unit: 'mmol/L',
      ucum: 'mmol/L',
      min: 0.5,
      max: 40,
      ranges: [
        {
          who: 'adult',
          low: 3.9,
          high: 11.0,
          text: '3.9–11.0 mmol/L random (fasting normal 3.9–5.5); not pregnancy targets',
          bands: [
            { below: 3.0, code: 'LL', label: 'Hypoglycaemia (level 2)' },
            { below: 3.9, code: 'L', label: 'Hypoglycaemia (level 1)' },
            { atOrAbove: 11.1, code: 'H', label: 'High (≥ 11.1 mmol/L)' }
          ]
        }
      ]
    },
    source:
      'ADA Standards of Care in Diabetes 2024: hypoglycaemia level 1 < 70 mg/dL (3.9 mmol/L), level 2 < 54 mg/dL (3.0 mmol/L); random glucose ≥ 200 mg/dL (11.1 mmol/L) is in the diabetic range; fasting normal < 100 mg/dL (5.6 mmol/L). Pregnancy has tighter targets.'
  },
  {
    // LOINC 718-7 "Hemoglobin [Mass/volume] in Blood" (method-less: covers a point-of-care haemoglobinometer).
    code: '718-7',
    display: 'Hemoglobin [Mass/volume] in Blood',
    short: 'Haemoglobin (point of care)',
    category: 'laboratory',
    pointOfCare: true,
    spec: {
      kind: 'quantitative',
      unit: 'g/dL',
      ucum: 'g/dL',
      min: 1,
      max: 25,
      ranges: [
        { who: 'woman', low: 12.0, text: '≥ 12.0 g/dL (non-pregnant woman)', bands: anaemia(12.0, 11.0, 8.0) },
        { who: 'pregnant', low: 11.0, text: '≥ 11.0 g/dL (pregnancy)', bands: anaemia(11.0, 10.0, 7.0) },
        { who: 'man', low: 13.0, text: '≥ 13.0 g/dL (man)', bands: anaemia(13.0, 11.0, 8.0) }
      ]
    },
    codeNote: 'Children have lower thresholds (6–59 months 11.0, 5–11 years 11.5, 12–14 years 12.0 g/dL): not flagged here.',
    source: 'WHO (2011) Haemoglobin concentrations for the diagnosis of anaemia and assessment of severity (WHO/NMH/NHD/MNM/11.1).'
  },
  {
    // LOINC 24357-6 "Urinalysis macro (dipstick) panel - Urine"; each pad its own "by Test strip" code.
    code: '24357-6',
    display: 'Urinalysis macro (dipstick) panel - Urine',
    short: 'Urine dipstick',
    category: 'laboratory',
    pointOfCare: true,
    components: [
      { code: '20454-5', display: 'Protein [Presence] in Urine by Test strip', short: 'Protein', spec: GRADED },
      { code: '25428-4', display: 'Glucose [Presence] in Urine by Test strip', short: 'Glucose', spec: GRADED },
      { code: '5799-2', display: 'Leukocyte esterase [Presence] in Urine by Test strip', short: 'Leukocytes', spec: GRADED },
      { code: '5802-4', display: 'Nitrite [Presence] in Urine by Test strip', short: 'Nitrite', spec: NITRITE },
      { code: '5794-3', display: 'Hemoglobin [Presence] in Urine by Test strip', short: 'Blood', spec: GRADED },
      { code: '2514-8', display: 'Ketones [Presence] in Urine by Test strip', short: 'Ketones', spec: GRADED }
    ],
    source: 'Dipstick pads are normally negative; any trace or more is flagged for review (kit insert). Pregnancy: trace glucose or protein is common but still reviewed.'
  },
  {
    // LOINC 6301-6 "INR in Platelet poor plasma by Coagulation assay" (34714-6 is the capillary point-of-care INR).
    code: '6301-6',
    display: 'INR in Platelet poor plasma by Coagulation assay',
    short: 'INR',
    category: 'laboratory',
    alsoAnsweredBy: ['34714-6'],
    pointOfCare: true,
    spec: {
      kind: 'quantitative',
      unit: 'INR',
      ucum: '{INR}',
      min: 0.5,
      max: 20,
      ranges: [
        {
          who: 'adult',
          low: 0.8,
          high: 1.1,
          text: '0.8–1.1 not anticoagulated; target 2.0–3.0 on warfarin for most indications',
          bands: [
            { atOrAbove: 4.5, code: 'HH', label: 'Very high (≥ 4.5)' },
            { atOrAbove: 1.2, code: 'H', label: 'High' },
            { below: 0.8, code: 'L', label: 'Low' }
          ]
        }
      ]
    },
    source:
      'MedlinePlus, Prothrombin time test and INR (PT/INR): 0.8–1.1 without anticoagulants, 2.0–3.0 on warfarin; ACCP Antithrombotic guidelines (Chest 2012;141 Suppl): INR 4.5–10 calls for action on warfarin. On warfarin the "High" flag is expected: judge against the patient\'s target.'
  },
  {
    // LOINC 5902-2 "Prothrombin time (PT)" (in Platelet poor plasma by Coagulation assay).
    code: '5902-2',
    display: 'Prothrombin time (PT)',
    short: 'PT',
    category: 'laboratory',
    pointOfCare: false,
    spec: {
      kind: 'quantitative',
      unit: 's',
      ucum: 's',
      min: 5,
      max: 200,
      ranges: [
        {
          who: 'adult',
          low: 11.0,
          high: 13.5,
          text: '11.0–13.5 s (depends on the reagent: the laboratory’s own range wins)',
          bands: [
            { below: 11.0, code: 'L', label: 'Low' },
            { atOrAbove: 13.6, code: 'H', label: 'High' }
          ]
        }
      ]
    },
    codeNote: 'The PT range depends on the thromboplastin reagent; the range here is a typical one, not the clinic’s analyser’s.',
    source: 'MedlinePlus, Prothrombin time test and INR (PT/INR): typically 11–13.5 seconds; varies by laboratory.'
  }
];

export function pointOfCareTest(code: string): PointOfCareTest | undefined {
  return POINT_OF_CARE_TESTS.find((t) => t.code === code);
}

/** The result spec of a test or panel component by its LOINC code, with the test it belongs to. */
export function specByCode(code: string): { test: PointOfCareTest; spec: ResultSpec; display: string; short: string } | undefined {
  for (const test of POINT_OF_CARE_TESTS) {
    if (test.spec && test.code === code) return { test, spec: test.spec, display: test.display, short: test.short };
    const c = test.components?.find((x) => x.code === code);
    if (c) return { test, spec: c.spec, display: c.display, short: c.short };
  }
  return undefined;
}

/** Which population's range applies; a test with one range uses it whatever is asked. */
export function rangeFor(spec: ResultSpec, who?: Population): PopulationRange | undefined {
  if (spec.kind !== 'quantitative') return undefined;
  if (spec.ranges.length === 1) return spec.ranges[0];
  return spec.ranges.find((r) => r.who === who);
}

export type QuantitativeFlag = { code: 'N' } | { code: Band['code']; label: string };

/** The flag of a reading against a population's range: the first band it falls in, otherwise normal. */
export function flagQuantity(range: PopulationRange, value: number): QuantitativeFlag {
  for (const b of range.bands) {
    if (b.below !== undefined && value < b.below) return { code: b.code, label: b.label };
    if (b.atOrAbove !== undefined && value >= b.atOrAbove) return { code: b.code, label: b.label };
  }
  return { code: 'N' };
}
