import { z } from 'zod';

/**
 * A patient's request for more of a medicine, taken by whoever answers
 * (front desk or nurse, often by phone), kept on the patient's record
 * (`patient:` document, which the front desk may write) until a prescriber
 * signs the refill or declines it. The request says what the patient asked
 * for in their words; the prescriber matches it to the chart.
 */

/** How the request came; `portal` only from the server, for a request the patient made in the patient portal. */
export const REFILL_VIA = ['phone', 'in-person', 'message', 'portal'] as const;
/** What staff may choose when they take a request themselves. */
export const STAFF_REFILL_VIA = ['phone', 'in-person', 'message'] as const satisfies readonly (typeof REFILL_VIA)[number][];
export const REFILL_STATUSES = ['open', 'done', 'declined'] as const;
export const REFILL_TEXT_MAX = 200;
export const REFILL_NOTE_MAX = 500;

export const refillRequestInputSchema = z.object({
  medicationText: z.string().trim().min(2, 'Say which medicine the patient asks for').max(REFILL_TEXT_MAX, `At most ${REFILL_TEXT_MAX} characters`),
  via: z.enum(REFILL_VIA).default('phone'),
  note: z.string().trim().max(REFILL_NOTE_MAX, `At most ${REFILL_NOTE_MAX} characters`).default(''),
  /** The active prescription the patient picked (a portal request names it; one taken by phone is matched by the prescriber). */
  medicationId: z.string().optional()
});
export type RefillRequestInput = z.input<typeof refillRequestInputSchema>;

export const refillRequestSchema = z.object({
  id: z.string(),
  medicationText: z.string(),
  via: z.enum(REFILL_VIA).catch('phone'),
  note: z.string().catch(''),
  status: z.enum(REFILL_STATUSES).catch('open'),
  requestedAt: z.string(),
  requestedBy: z.string(),
  closedAt: z.string().optional(),
  closedBy: z.string().optional(),
  /** The prescription that answered it. */
  prescriptionId: z.string().optional(),
  /** Why it was declined, in words the patient reads. */
  declineReason: z.string().optional(),
  medicationId: z.string().optional()
});
export type RefillRequest = z.infer<typeof refillRequestSchema>;

export const declineReasonSchema = z.string().trim().min(2, 'Say why the refill is declined: the patient reads it').max(REFILL_NOTE_MAX, `At most ${REFILL_NOTE_MAX} characters`);

/** The active prescription a request most likely means: its text begins with, or contains, what the patient said (case and spacing aside). */
export function matchRequest<M extends { id: string; medicationCodeableConcept: { text: string } }>(request: Pick<RefillRequest, 'medicationText'>, active: readonly M[]): M | null {
  const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();
  const asked = norm(request.medicationText);
  const first = asked.split(' ')[0];
  return active.find((m) => norm(m.medicationCodeableConcept.text).includes(asked)) ?? active.find((m) => first.length >= 4 && norm(m.medicationCodeableConcept.text).startsWith(first)) ?? null;
}
