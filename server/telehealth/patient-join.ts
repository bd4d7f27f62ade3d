import type Database from 'better-sqlite3';
import { AppError } from '../../src/lib/domain/errors';
import type { Audit } from '../types';
import { createJoinLinkStore } from './join-links';
import type { LinkSealer } from './link-seal';
import { createVisitStore } from './visits';

/**
 * The patient's own way into a video visit from the patient portal: the
 * join page for their appointment (`/join/<secret>`, the same flow as a link
 * the desk sends), without anyone sending a link. The link the desk already
 * made for the visit is reused when it still works and can be shown again;
 * otherwise a patient link is made, lasting until two hours after the
 * appointment ends (as the desk's, AppointmentJoinLinks.svelte). The caller
 * (server/portal/booking-routes.ts) has checked that the appointment is the
 * account's own, a video one, and about to start.
 */
export interface PatientJoinRequest {
  clinicId: string;
  patientId: string;
  /** The appointment's id is the visit's. */
  appointmentId: string;
  appointmentEnd: string;
  userId: string;
  ip: string;
}

export type PatientJoinIssuer = (r: PatientJoinRequest) => { path: string };

const AFTER_END_MINUTES = 120;

export function createPatientJoinIssuer(deps: { db: Database.Database; audit: Audit; linkSealer: LinkSealer; now?: () => number }): PatientJoinIssuer {
  const now = deps.now ?? Date.now;
  const visits = createVisitStore(deps.db, now);
  const links = createJoinLinkStore(deps.db, now, (secret) => deps.linkSealer.seal(secret));
  return (r) => {
    const v = visits.ensure(r.appointmentId, r.clinicId, r.patientId);
    const target = `visit:${v.visit_id}`;
    if (v.closed_at) throw new AppError('conflict', 'This video visit has ended.');
    for (const link of links.usableForVisit(v.visit_id)) {
      if (link.scope !== 'patient' || !link.token_sealed) continue;
      const secret = deps.linkSealer.open(link.token_sealed);
      if (!secret) continue;
      deps.audit.record({ action: 'telehealth.link.show', outcome: 'success', userId: r.userId, target, detail: { linkIds: [link.id], shown: 1, via: 'portal' }, ip: r.ip });
      return { path: `/join/${secret}` };
    }
    const minutes = Math.max(5, Math.ceil((Date.parse(r.appointmentEnd) - now()) / 60_000) + AFTER_END_MINUTES);
    const link = links.issue(v.visit_id, 'patient', null, r.userId, minutes);
    deps.audit.record({ action: 'telehealth.link.create', outcome: 'success', userId: r.userId, target, detail: { linkId: link.linkId, scope: 'patient', guestKind: null, expiresAt: link.expiresAt, via: 'portal' }, ip: r.ip });
    return { path: `/join/${link.secret}` };
  };
}
