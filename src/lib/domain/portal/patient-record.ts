import { z } from 'zod';
import type { FhirResource } from '../../fhir/export/chart-to-fhir';
import { VACCINE_GROUPS } from '../immunization-schedule';
import type { PortalRelation, ProxyKind } from './portal-rules';
import type { PortalVaccineDue } from './vaccines-due';

/**
 * The patient's view of their record as the server sends it
 * (GET /api/portal/records/<id>) and the app keeps it, sealed, on the device.
 * The clinical part is FHIR resources from the one chart mapping, already
 * filtered to what a patient may see (fhir/export/patient-view.ts).
 */
export interface PortalAppointment {
  id: string;
  start: string;
  end: string;
  status: 'booked' | 'checked-in' | 'in-progress' | 'finished' | 'cancelled' | 'no-show';
  mode: 'in-person' | 'video';
  type: string;
  provider: string;
}

export interface PatientRecordView {
  patientId: string;
  relation: PortalRelation;
  proxyKind: ProxyKind | null;
  name: { given: string; family: string };
  birthDate: string;
  clinicName: string;
  /** When the server made this view (ISO). */
  generatedAt: string;
  /** The start of the visit before this one (ISO), or null on the first: entries newer than it are marked new. */
  since: string | null;
  resources: FhirResource[];
  /** Lab results held back by the clinic's release policy until a clinician reviews them: how many, never which. */
  waitingResults: number;
  appointments: PortalAppointment[];
  /** What is due next of the vaccines the clinic's schedule checks (vaccines-due.ts), worked out by the server when it made this view. */
  immunizationsDue: PortalVaccineDue[];
}

const resourceSchema = z.looseObject({ resourceType: z.string(), id: z.string() });

/** Checks a view read back from the device (or the server): an older or damaged copy is refused, not half-shown. */
export const patientRecordViewSchema = z.object({
  patientId: z.string(),
  relation: z.enum(['self', 'proxy']),
  proxyKind: z.enum(['parent', 'guardian', 'carer']).nullable(),
  name: z.object({ given: z.string(), family: z.string() }),
  birthDate: z.string(),
  clinicName: z.string(),
  generatedAt: z.string(),
  since: z.string().nullable(),
  resources: z.array(resourceSchema),
  // A copy kept before results could be held has none waiting.
  waitingResults: z.number().int().min(0).default(0),
  appointments: z.array(
    z.object({
      id: z.string(),
      start: z.string(),
      end: z.string(),
      status: z.enum(['booked', 'checked-in', 'in-progress', 'finished', 'cancelled', 'no-show']),
      mode: z.enum(['in-person', 'video']),
      type: z.string(),
      provider: z.string()
    })
  ),
  // A copy kept before the schedule was part of the view has none: the screen then says nothing was checked.
  immunizationsDue: z
    .array(
      z.object({
        group: z.enum(VACCINE_GROUPS),
        status: z.enum(['due', 'up-to-date', 'not-evaluated']),
        dueDate: z.string().nullable(),
        overdue: z.boolean(),
        lastDose: z.string().nullable(),
        nextDue: z.string().nullable(),
        reason: z.enum(['child-schedule', 'birth-date-unknown']).nullable(),
        seriesNotChecked: z.boolean(),
        source: z.object({ citation: z.string(), url: z.string().nullable() })
      })
    )
    .default([])
});
