import { NO_KNOWN_ALLERGY_SNOMED } from '../allergy-status';
import type { PortalAppointment } from '../portal/patient-record';
import type { IntakePrefill } from './intake-response';

/**
 * What the pre-visit form lists for the patient to check: the medicines and
 * allergies of the server-made view of their record (already filtered for
 * what this account may see) that are current, and their upcoming
 * appointments. Pure: the server builds it for the form and again to check
 * a submission against it.
 */
type Resource = { resourceType: string; id: string } & Record<string, unknown>;

const text = (c: unknown): string => {
  const o = c as { text?: unknown; coding?: { display?: unknown }[] } | undefined;
  if (typeof o?.text === 'string' && o.text) return o.text;
  const d = o?.coding?.[0]?.display;
  return typeof d === 'string' ? d : '';
};
const codeOf = (c: unknown): string | undefined => {
  const v = (c as { coding?: { code?: unknown }[] } | undefined)?.coding?.[0]?.code;
  return typeof v === 'string' ? v : undefined;
};

const CURRENT_MEDICINE = new Set(['active', 'on-hold', 'intended']);
const UPCOMING = new Set(['booked', 'checked-in']);

export function intakePrefill(resources: readonly Resource[], appointments: readonly PortalAppointment[], now: Date): IntakePrefill {
  const medicines: IntakePrefill['medicines'] = [];
  const allergies: IntakePrefill['allergies'] = [];
  for (const r of resources) {
    if ((r.resourceType === 'MedicationRequest' || r.resourceType === 'MedicationStatement') && CURRENT_MEDICINE.has(String(r.status))) {
      const dosage = (r.dosageInstruction ?? r.dosage) as { text?: unknown }[] | undefined;
      const name = text(r.medicationCodeableConcept);
      if (name) medicines.push({ id: r.id, name, detail: typeof dosage?.[0]?.text === 'string' ? dosage[0].text : '' });
    }
    if (r.resourceType === 'AllergyIntolerance') {
      const coding = (r.code as { coding?: { code?: unknown }[] } | undefined)?.coding ?? [];
      if (coding.some((c) => c.code === NO_KNOWN_ALLERGY_SNOMED.code)) continue;
      if (codeOf(r.clinicalStatus) !== 'active' || ['refuted', 'entered-in-error'].includes(codeOf(r.verificationStatus) ?? '')) continue;
      const reaction = (r.reaction as { manifestation?: { text?: unknown }[] }[] | undefined)?.[0]?.manifestation?.[0]?.text;
      const substance = text(r.code);
      if (substance) allergies.push({ id: r.id, substance, reaction: typeof reaction === 'string' ? reaction : '' });
    }
  }
  // Appointments from the start of today on: a form filled in the waiting room still belongs to today's visit.
  const today = new Date(now);
  today.setUTCHours(0, 0, 0, 0);
  const upcoming = appointments.filter((a) => UPCOMING.has(a.status) && Date.parse(a.start) >= today.getTime()).sort((a, b) => a.start.localeCompare(b.start));
  return { medicines, allergies, appointments: upcoming.map((a) => ({ id: a.id, start: a.start, type: a.type, provider: a.provider })) };
}
