import type { FhirResource } from '../../fhir/export/chart-to-fhir';
import type { Observation } from '../clinical';
import { vitalSeries, VITAL_KINDS, type VitalKind, type VitalReading } from '../vitals';
import type { PatientRecordView, PortalAppointment } from './patient-record';

/**
 * The patient's record in plain terms, from the FHIR resources the server
 * sent (no second mapping of the chart: this only reads FHIR JSON). Pure, so
 * the screens stay thin and the rules are tested here.
 *
 * A result is compared with the reference range the laboratory gave
 * (Observation.referenceRange low/high); without a range, the laboratory's
 * own interpretation code (HL7 v3 ObservationInterpretation: L, LL, H, HH, N)
 * is used; with neither the result is shown without a judgement.
 */
export type ResultFlag = 'low' | 'high' | 'normal' | 'none';

export interface PlainItem {
  id: string;
  title: string;
  detail: string;
  date: string;
  isNew: boolean;
}

export interface PlainResult extends PlainItem {
  value: string;
  range: string;
  flag: ResultFlag;
}

export interface PlainNote extends PlainItem {
  author: string;
  text: string;
  addendum: boolean;
  /** The visit the note belongs to (its Encounter id), or '' when it names none. */
  encounterId: string;
}

/** A visit to the clinic (an Encounter): when, what kind, why, and whether it is finished. */
export interface PlainVisit extends PlainItem {
  type: string;
  reason: string;
  finished: boolean;
}

/** Every reading of one vital sign, oldest first (the chart's own reading of vitals: vitals.ts). */
export interface VitalTrend {
  kind: VitalKind;
  readings: VitalReading[];
  isNew: boolean;
}

export interface PlainRecord {
  allergies: PlainItem[];
  problems: PlainItem[];
  medicines: PlainItem[];
  immunizations: PlainItem[];
  results: PlainResult[];
  vitals: PlainResult[];
  notes: PlainNote[];
  visits: PlainVisit[];
  /** Vitals with at least one reading, in the chart's order: the trends. */
  vitalTrends: VitalTrend[];
  upcoming: PortalAppointment[];
  past: PortalAppointment[];
  newCount: number;
}

type Json = Record<string, unknown>;

function conceptText(v: unknown): string {
  const c = v as { text?: unknown; coding?: { display?: unknown; code?: unknown }[] } | undefined;
  if (!c) return '';
  if (typeof c.text === 'string' && c.text) return c.text;
  for (const x of c.coding ?? []) if (typeof x?.display === 'string' && x.display) return x.display;
  return '';
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const codeOf = (v: unknown): string => str((v as { coding?: { code?: unknown }[] } | undefined)?.coding?.[0]?.code);

function quantity(v: unknown): string {
  const q = v as { value?: unknown; unit?: unknown; comparator?: unknown } | undefined;
  if (!q || typeof q.value !== 'number') return '';
  return `${str(q.comparator)}${q.value}${q.unit ? ` ${str(q.unit)}` : ''}`;
}

function valueText(r: Json): string {
  if (r.valueQuantity) return quantity(r.valueQuantity);
  if (r.valueCodeableConcept) return conceptText(r.valueCodeableConcept);
  if (typeof r.valueString === 'string') return r.valueString;
  if (typeof r.valueInteger === 'number') return String(r.valueInteger);
  if (typeof r.valueBoolean === 'boolean') return r.valueBoolean ? 'yes' : 'no';
  const parts = Array.isArray(r.component) ? (r.component as Json[]).map((c) => quantity(c.valueQuantity).split(' ')[0]).filter(Boolean) : [];
  const unit = Array.isArray(r.component) ? str(((r.component as Json[])[0]?.valueQuantity as Json | undefined)?.unit) : '';
  return parts.length ? `${parts.join('/')}${unit ? ` ${unit}` : ''}` : '';
}

function rangeOf(r: Json): { low?: number; high?: number; text: string } {
  const range = (Array.isArray(r.referenceRange) ? r.referenceRange[0] : undefined) as { low?: { value?: unknown }; high?: { value?: unknown }; text?: unknown } | undefined;
  if (!range) return { text: '' };
  const low = typeof range.low?.value === 'number' ? range.low.value : undefined;
  const high = typeof range.high?.value === 'number' ? range.high.value : undefined;
  const text = typeof range.text === 'string' && range.text ? range.text : low !== undefined && high !== undefined ? `${low}–${high}` : low !== undefined ? `≥ ${low}` : high !== undefined ? `≤ ${high}` : '';
  return { low, high, text };
}

/** Low, high or within the range the laboratory gave; else its interpretation code; else no judgement. */
export function resultFlag(r: Json): ResultFlag {
  const value = (r.valueQuantity as { value?: unknown } | undefined)?.value;
  const { low, high } = rangeOf(r);
  if (typeof value === 'number' && (low !== undefined || high !== undefined)) {
    if (low !== undefined && value < low) return 'low';
    if (high !== undefined && value > high) return 'high';
    return 'normal';
  }
  const interp = Array.isArray(r.interpretation) ? codeOf(r.interpretation[0]) : '';
  if (interp === 'L' || interp === 'LL') return 'low';
  if (interp === 'H' || interp === 'HH') return 'high';
  if (interp === 'N') return 'normal';
  return 'none';
}

function decodeBase64Utf8(data: string): string {
  try {
    const bin = atob(data);
    return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    return '';
  }
}

/** A signed note's sections the clinician left empty ("Objective:" and nothing) are not shown to the patient. */
export function withoutEmptySections(text: string): string {
  return text
    .split(/\n\n(?=[A-Z][a-z]+:\n)/)
    .filter((section) => section.replace(/^[A-Z][a-z]+:\n?/, '').trim() !== '')
    .map((section) => section.trimEnd())
    .join('\n\n');
}

const newer = (date: string, since: string | null): boolean => since !== null && date !== '' && date > since;
const byDateDesc = <T extends { date: string }>(a: T, b: T) => b.date.localeCompare(a.date);
const isCategory = (r: Json, code: string) => Array.isArray(r.category) && (r.category as unknown[]).some((c) => codeOf(c) === code);

/** The latest reading of each vital sign (by its code), newest first. */
function latestByCode(items: { key: string; item: PlainResult }[]): PlainResult[] {
  const seen = new Map<string, PlainResult>();
  for (const { key, item } of items) {
    const kept = seen.get(key);
    if (!kept || item.date > kept.date) seen.set(key, item);
  }
  return [...seen.values()].sort(byDateDesc);
}

export function plainRecord(view: Pick<PatientRecordView, 'resources' | 'appointments' | 'since'>, now: Date): PlainRecord {
  const { since } = view;
  const out: PlainRecord = { allergies: [], problems: [], medicines: [], immunizations: [], results: [], vitals: [], notes: [], visits: [], vitalTrends: [], upcoming: [], past: [], newCount: 0 };
  const vitals: { key: string; item: PlainResult }[] = [];
  const vitalObservations: Observation[] = [];
  for (const res of view.resources as (FhirResource & Json)[]) {
    const r = res as Json;
    switch (res.resourceType) {
      case 'AllergyIntolerance': {
        const date = str(r.recordedDate);
        const reaction = (Array.isArray(r.reaction) ? (r.reaction[0] as Json | undefined) : undefined)?.manifestation;
        const detail = Array.isArray(reaction) ? conceptText(reaction[0]) : '';
        out.allergies.push({ id: res.id, title: conceptText(r.code), detail, date, isNew: newer(date, since) });
        break;
      }
      case 'Condition': {
        if (codeOf(r.clinicalStatus) !== 'active' && codeOf(r.clinicalStatus) !== 'recurrence' && codeOf(r.clinicalStatus) !== 'relapse') break;
        const date = str(r.recordedDate) || str(r.onsetDateTime);
        out.problems.push({ id: res.id, title: conceptText(r.code), detail: str(r.onsetDateTime), date, isNew: newer(date, since) });
        break;
      }
      case 'MedicationRequest':
      case 'MedicationStatement': {
        const status = str(r.status);
        if (status !== 'active' && status !== 'on-hold' && status !== 'intended') break;
        const dosage = (Array.isArray(r.dosageInstruction) ? r.dosageInstruction[0] : Array.isArray(r.dosage) ? r.dosage[0] : undefined) as Json | undefined;
        const date = str(r.authoredOn) || str(r.dateAsserted);
        out.medicines.push({ id: res.id, title: conceptText(r.medicationCodeableConcept), detail: str(dosage?.text), date, isNew: newer(date, since) });
        break;
      }
      case 'Immunization': {
        const date = str(r.occurrenceDateTime);
        out.immunizations.push({ id: res.id, title: conceptText(r.vaccineCode), detail: '', date, isNew: newer(date, since) });
        break;
      }
      case 'Observation': {
        const date = str(r.effectiveDateTime) || str(r.issued);
        const item: PlainResult = { id: res.id, title: conceptText(r.code), detail: '', date, isNew: newer(date, since), value: valueText(r), range: rangeOf(r).text, flag: resultFlag(r) };
        if (isCategory(r, 'vital-signs')) {
          vitals.push({ key: codeOf(r.code) || item.title, item });
          vitalObservations.push(r as unknown as Observation);
        }
        else out.results.push(item);
        break;
      }
      case 'DocumentReference': {
        const date = str(r.date);
        const attachment = (Array.isArray(r.content) ? (r.content[0] as Json | undefined)?.attachment : undefined) as Json | undefined;
        const author = (Array.isArray(r.author) ? (r.author[0] as Json | undefined)?.display : undefined) as unknown;
        const context = (r.context as { encounter?: { reference?: unknown }[] } | undefined)?.encounter?.[0]?.reference;
        const relates = (Array.isArray(r.relatesTo) ? (r.relatesTo[0] as Json | undefined)?.target : undefined) as { reference?: unknown } | undefined;
        const encounterRef = str(context) || str(relates?.reference);
        out.notes.push({
          id: res.id,
          title: str(r.description),
          detail: '',
          date,
          isNew: newer(date, since),
          author: str(author),
          text: withoutEmptySections(decodeBase64Utf8(str(attachment?.data))),
          addendum: Array.isArray(r.relatesTo),
          encounterId: encounterRef.replace(/^(Encounter|DocumentReference)\//, '')
        });
        break;
      }
      case 'Encounter': {
        const date = str((r.period as Json | undefined)?.start);
        const type = Array.isArray(r.type) ? conceptText(r.type[0]) : '';
        const reason = Array.isArray(r.reasonCode) ? conceptText(r.reasonCode[0]) : '';
        out.visits.push({ id: res.id, title: type, detail: reason, date, isNew: newer(date, since), type, reason, finished: str(r.status) === 'finished' });
        break;
      }
    }
  }
  out.vitals = latestByCode(vitals);
  const series = vitalSeries(vitalObservations);
  out.vitalTrends = VITAL_KINDS.filter((kind) => series[kind].length > 0).map((kind) => ({ kind, readings: series[kind], isNew: series[kind].some((x) => newer(x.at, since)) }));
  out.visits.sort(byDateDesc);
  out.results.sort(byDateDesc);
  out.notes.sort(byDateDesc);
  out.immunizations.sort(byDateDesc);
  const iso = now.toISOString();
  for (const a of [...view.appointments].sort((x, y) => x.start.localeCompare(y.start))) {
    // A cancelled appointment is not coming up, whenever it was for: it is listed with the past ones, marked cancelled.
    if (a.end >= iso && a.status !== 'finished' && a.status !== 'no-show' && a.status !== 'cancelled') out.upcoming.push(a);
    else out.past.unshift(a);
  }
  out.newCount = [out.allergies, out.problems, out.medicines, out.immunizations, out.results, out.vitals, out.notes].reduce((n, list) => n + list.filter((i) => i.isNew).length, 0);
  return out;
}
