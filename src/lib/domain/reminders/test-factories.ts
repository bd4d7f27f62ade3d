/** Builders for the chart entries the reminder tests put in a patient's record. */
import type { Condition } from '../chart';
import type { Immunization, Observation, Procedure, Report } from '../clinical';
import type { OrderRecord } from '../orders';
import type { Reminder, ReminderContext } from './types';

/** Today in every reminder test: 1 December 2026, 10:00 UTC. */
export const NOW = '2026-12-01T10:00:00.000Z';

const prov = { createdAt: '2020-01-01T00:00:00Z', createdBy: 'x', updatedAt: '', updatedBy: '' };

/** A result coded with one code; its name is `text` (the code itself when not given). */
export const obs = (code: string, at: string, extra: Partial<Observation> = {}): Observation => ({
  ...prov,
  id: `obs-${code}-${at}`,
  status: 'final',
  category: 'laboratory',
  code: { text: code, coding: [{ system: 'http://loinc.org', code }] },
  effectiveDateTime: at,
  ...extra
});

/** A result known by its name only, as records that arrive with text do. */
export const named = (text: string, at: string, extra: Partial<Observation> = {}): Observation => obs('', at, { id: `obs-${text}-${at}`, code: { text }, ...extra });

export const vital = (id: string, code: string, value: number, unit: string, at: string): Observation => ({
  ...obs(code, at),
  id,
  category: 'vital-signs',
  valueQuantity: { value, unit }
});

export const bp = (id: string, systolic: number, diastolic: number, at: string): Observation => ({
  ...obs('85354-9', at),
  id,
  category: 'vital-signs',
  component: [
    { code: { text: 'Systolic', coding: [{ code: '8480-6' }] }, valueQuantity: { value: systolic, unit: 'mm[Hg]' } },
    { code: { text: 'Diastolic', coding: [{ code: '8462-4' }] }, valueQuantity: { value: diastolic, unit: 'mm[Hg]' } }
  ]
});

export const bmi = (value: number, at = '2026-06-01') => vital(`bmi-${value}-${at}`, '39156-5', value, 'kg/m2', at);

export const report = (code: string, text: string, at: string, extra: Partial<Report> = {}): Report => ({
  ...prov,
  id: `report-${code}-${at}`,
  status: 'final',
  category: [],
  code: { text, coding: code ? [{ code }] : [] },
  effectiveDateTime: at,
  result: [],
  ...extra
});

export const procedure = (code: string, text: string, at: string, extra: Partial<Procedure> = {}): Procedure => ({
  ...prov,
  id: `proc-${code}-${at}`,
  status: 'completed',
  code: { text, coding: code ? [{ code }] : [] },
  performedPeriod: { start: at },
  ...extra
});

export const problem = (text: string, code: string, extra: Partial<Condition> = {}): Condition => ({
  ...prov,
  id: `problem-${code}-${text}`,
  code: { text, coding: code ? [{ code }] : [] },
  clinicalStatus: 'active',
  verificationStatus: 'confirmed',
  onsetDate: '',
  abatementDate: '',
  note: '',
  recordedDate: '',
  ...extra
});

export const order = (id: string, code: string, status: OrderRecord['status'], extra: Partial<OrderRecord> = {}): OrderRecord => ({
  ...prov,
  id,
  status,
  intent: 'order',
  category: 'laboratory',
  code: { text: code, coding: [{ code }] },
  priority: 'routine',
  reasonText: '',
  note: '',
  authoredOn: NOW,
  ...extra
});

export const dose = (cvx: string, date: string): Immunization => ({
  ...prov,
  id: `dose-${cvx}-${date}`,
  status: 'completed',
  vaccineCode: { text: cvx, coding: [{ code: cvx }] },
  occurrenceDateTime: date
});

/** A man born 3 March 1971 (55 today) with nothing in his chart. */
export function ctx(over: Partial<ReminderContext> = {}): ReminderContext {
  return { birthDate: '1971-03-03', gender: 'male', now: NOW, conditions: [], observations: [], reports: [], procedures: [], immunizations: [], orders: [], medications: [], allergies: [], ...over };
}

export const find = (list: readonly Reminder[], id: string) => list.find((r) => r.id === id);
