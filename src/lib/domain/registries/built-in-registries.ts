import type { Registry } from './registry-definition';

/**
 * The registries every clinic has. Sources:
 *
 * - Diabetes: ICD-10-CM E10 (type 1), E11 (type 2), E13 (other specified
 *   diabetes mellitus), FY2026 tabular list. HbA1c (LOINC 4548-4) over 9% is
 *   the poor-control threshold of the NCQA HEDIS "Glycemic Status
 *   Assessment for Patients With Diabetes" measure (GSD, > 9.0%); the ADA
 *   Standards of Care 2025, section 6, advise HbA1c at least twice a year
 *   when at goal, hence "older than 6 months".
 * - Hypertension: ICD-10-CM I10–I16 (hypertensive diseases block). Systolic
 *   (LOINC 8480-6) of 140 mmHg or more is above the 140/90 control target
 *   of HEDIS "Controlling High Blood Pressure" (CBP); a reading at least
 *   yearly (ACC/AHA 2017 guideline follow-up intervals).
 * - Pregnancy: who the chart says is pregnant (pregnancy.ts), with the
 *   expected delivery date by Naegele's rule or as recorded.
 * - Children due for vaccines: under 19 with a dose due by the app's
 *   immunization schedule (immunization-schedule.ts; for children it checks
 *   influenza only, and the screen says so).
 * - Overdue for follow-up: no visit in the last 12 months.
 */

const HBA1C = '4548-4';
const SYSTOLIC = '8480-6';

export const BUILT_IN_REGISTRIES: readonly Registry[] = [
  {
    id: 'diabetes',
    builtIn: true,
    status: 'active',
    name: 'Diabetes',
    description: 'Active problem coded E10, E11 or E13 (ICD-10-CM).',
    rules: [{ kind: 'condition', icd10Prefixes: ['E10', 'E11', 'E13'] }],
    keyResult: HBA1C,
    filters: [
      { id: 'hba1c-over-9', label: 'Last HbA1c over 9%', rule: { kind: 'result', loinc: HBA1C, comparator: 'gt', value: 9, unit: '%' } },
      { id: 'hba1c-stale', label: 'No HbA1c in 6 months', rule: { kind: 'result', loinc: HBA1C, olderThanMonths: 6 } }
    ]
  },
  {
    id: 'hypertension',
    builtIn: true,
    status: 'active',
    name: 'Hypertension',
    description: 'Active problem coded I10 to I16 (ICD-10-CM).',
    rules: [{ kind: 'condition', icd10Prefixes: ['I10', 'I11', 'I12', 'I13', 'I15', 'I16'] }],
    keyResult: SYSTOLIC,
    filters: [
      { id: 'systolic-140', label: 'Last systolic 140 mmHg or more', rule: { kind: 'result', loinc: SYSTOLIC, comparator: 'ge', value: 140, unit: 'mm[Hg]' } },
      { id: 'bp-stale', label: 'No blood pressure in 12 months', rule: { kind: 'result', loinc: SYSTOLIC, olderThanMonths: 12 } }
    ]
  },
  {
    id: 'pregnancy',
    builtIn: true,
    status: 'active',
    name: 'Pregnancy',
    description: 'Pregnant by an active problem or recorded dates; delivery date by Naegele’s rule from the last menstrual period, or as recorded.',
    rules: [{ kind: 'pregnant' }],
    columns: ['pregnancy'],
    filters: [{ id: 'visit-stale', label: 'No visit in 1 month', rule: { kind: 'last-visit-older', months: 1 } }]
  },
  {
    id: 'child-vaccines',
    builtIn: true,
    status: 'active',
    name: 'Children due for vaccines',
    description: 'Under 19 with a dose due by the clinic’s immunization schedule (influenza only for children; check the full child schedule by hand).',
    rules: [{ kind: 'age', maxYears: 18 }, { kind: 'immunization-due' }],
    filters: []
  },
  {
    id: 'follow-up',
    builtIn: true,
    status: 'active',
    name: 'Overdue for follow-up',
    description: 'No visit in the last 12 months.',
    rules: [{ kind: 'last-visit-older', months: 12 }],
    filters: []
  }
];

export function builtInRegistry(id: string): Registry | undefined {
  return BUILT_IN_REGISTRIES.find((r) => r.id === id);
}
