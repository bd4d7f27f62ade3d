/**
 * The clinic's pharmacy directory: where a signed prescription can be sent.
 * Bundled with the app so a clinician can pick a pharmacy with no network;
 * the send waits in the outbox until it can go. The entries here are demo
 * pharmacies served by Outpost's own server at
 * `POST /api/pharmacy/<id>/prescriptions`; a deployment replaces them with
 * its real partners' endpoints.
 */
export const PHARMACIES = [
  { id: 'riverside', name: 'Riverside Community Pharmacy', address: '12 Mill Road', accepting: true },
  { id: 'hilltop', name: 'Hilltop Family Pharmacy', address: '4 Church Lane', accepting: true },
  /** Answers 503, as a pharmacy system down for maintenance does; sends to it are retried with backoff. */
  { id: 'valley-closed', name: 'Valley Pharmacy (system down)', address: '88 Station Street', accepting: false }
] as const;

export type Pharmacy = (typeof PHARMACIES)[number];
export type PharmacyId = Pharmacy['id'];

export function pharmacyById(id: string): Pharmacy | undefined {
  return PHARMACIES.find((p) => p.id === id);
}

/** Where a pharmacy takes prescriptions, relative to the clinic server. */
export function pharmacyEndpoint(id: PharmacyId): string {
  return `/api/pharmacy/${encodeURIComponent(id)}/prescriptions`;
}

/** The pharmacy's answer to a send. */
export interface PharmacyReceipt {
  state: 'delivered';
  pharmacyId: string;
  /** The pharmacy's own reference for the prescription. */
  reference: string;
  receivedAt: string;
  /** True when the pharmacy already had this prescription (a resend). */
  duplicate: boolean;
  message: string;
}
