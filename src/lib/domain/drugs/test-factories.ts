/** Builders for check inputs used across the drug tests. */
import type { AllergyInput, CheckOrderInput, MedicationInput } from './inputs';

export const med = (text: string, extra: Partial<MedicationInput> = {}): MedicationInput => ({ text, route: 'oral', ...extra });
export const rx = (code: string, display?: string, extra: Partial<MedicationInput> = {}): MedicationInput => ({
  codings: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code, ...(display ? { display } : {}) }],
  ...extra
});
export const allergy = (text: string, extra: Partial<AllergyInput> = {}): AllergyInput => ({ text, category: 'medication', ...extra });
export const daily = (value: number, unit = 'mg', perDay = 1): Partial<MedicationInput> => ({
  dose: { value, unit },
  timing: { frequency: perDay, period: 1, periodUnit: 'd' }
});
export const NOW = new Date('2026-01-15T12:00:00Z');
export const input = (order: MedicationInput, active: MedicationInput[] = [], allergies: AllergyInput[] = [], extra: Partial<CheckOrderInput> = {}): CheckOrderInput => ({
  order,
  activeMedications: active,
  allergies,
  now: NOW,
  ...extra
});
