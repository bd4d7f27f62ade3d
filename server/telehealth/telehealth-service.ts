import type Database from 'better-sqlite3';
import { AppError } from '../../src/lib/domain/errors';
import { isLanguage } from '../../src/lib/domain/languages';
import type { Role } from '../../src/lib/domain/roles';
import type { CreateLinkInput, PollAnswer } from '../../src/lib/domain/telehealth/join';
import type { RunningLate } from '../../src/lib/domain/telehealth/running-late';
import { GUEST_LABELS, type GuestKind } from '../../src/lib/domain/telehealth/participants';
import type { Audit, SessionUser } from '../types';
import { createJoinLinkStore, DEFAULT_GUEST_LINK_MINUTES, DEFAULT_PATIENT_LINK_MINUTES, LINK_INVALID, type LinkRow } from './join-links';
import { JoinThrottle } from './join-throttle';
import { mintJoinToken } from './livekit-tokens';
import { createRunningLateStore } from './running-late';
import { opaqueId } from './secrets';
import type { LinkSealer } from './link-seal';
import { DeliveryError, maskRecipient, normaliseEmail, normalisePhone, type MessageProvider } from '../messaging/message-provider';
import { SendLimiter } from '../messaging/send-limiter';
import type { SendLinkInput } from '../../src/lib/domain/telehealth/join';
import { migrateTelehealthTables } from './telehealth-tables';
import { createVisitStore, summarize, type VisitRow, type VisitSummary } from './visits';
import { createWebhookHandler } from './webhook-handler';
import { createWaitingRoom } from './waiting-room';

/**
 * Video visits end to end on the server: join links, the waiting room,
 * admit (the one place video tokens are minted), ending a visit, and the
 * video service's webhooks. Every admit, join, leave and end is audited
 * against `visit:<id>`; audit details carry roles and opaque identities,
 * never names or dates of birth.
 */
export interface TelehealthDeps {
  db: Database.Database;
  audit: Audit;
  /** LiveKit, configured (the routes answer 503 before getting here otherwise). */
  livekit: { url: string; apiKey: string; apiSecret: string };
  /** The patient's date of birth (YYYY-MM-DD) from their record, or null when unknown. */
  birthDateOf(clinicId: string, patientId: string): Promise<string | null>;
  /** Whether the patient is one of this clinic's: links are made only for one's own clinic's patients. */
  patientInClinic(clinicId: string, patientId: string): boolean;
  /** Closes the room on the video service when a clinician ends the visit; optional (participants are told by polling otherwise). */
  closeRoom?(room: string): Promise<void>;
  /** Seals link secrets so a link can be shown again (link-seal.ts); without it links are shown once only. */
  linkSealer?: LinkSealer;
  /** Sends join links by SMS or e-mail (server/messaging); without it sending is unavailable. */
  messages?: MessageProvider;
  /** How long a new link of this clinic stays valid when the request names no lifetime (the clinic's setting); default: the join-link defaults. */
  linkMinutes?(clinicId: string, scope: 'patient' | 'guest'): number;
  now?: () => number;
}

/** Who may do what. Any staff member who books may send links; only a clinician admits and ends a call. */
export const LINK_ROLES: readonly Role[] = ['clinician', 'nurse', 'frontdesk'];
export const WAITING_ROOM_ROLES: readonly Role[] = ['clinician', 'nurse'];
export const ADMIT_ROLES: readonly Role[] = ['clinician'];

export interface AdmitResult {
  serverUrl: string;
  token: string;
  expiresAt: string;
  admitted: number;
}

export function createTelehealthService(deps: TelehealthDeps) {
  const now = deps.now ?? Date.now;
  const { db, audit } = deps;
  migrateTelehealthTables(db);
  const visits = createVisitStore(db, now);
  const sealer = deps.linkSealer ?? null;
  const links = createJoinLinkStore(db, now, sealer ? (secret) => sealer.seal(secret) : null);
  const room = createWaitingRoom(db, now);
  const late = createRunningLateStore(db, now);
  const throttle = new JoinThrottle(now);
  const sends = new SendLimiter(now);
  const participant = db.prepare('INSERT INTO telehealth_participants (identity, visit_id, role, user_id, minted_at) VALUES (?, ?, ?, ?, ?)');
  const target = (visitId: string) => `visit:${visitId}`;
  const iso = () => new Date(now()).toISOString();

  function requireRole(user: SessionUser, allowed: readonly Role[], ip: string, visitId: string): void {
    if (user.roles.some((r) => allowed.includes(r))) return;
    audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: target(visitId), ip });
    throw new AppError('forbidden', 'Your role does not allow this for video visits.');
  }

  function openVisit(visitId: string, clinicId: string): VisitRow {
    const v = visits.inClinic(visitId, clinicId);
    if (v.closed_at) throw new AppError('conflict', 'This video visit has ended.');
    return v;
  }

  /**
   * The usable link and open visit behind a secret from the join page. An
   * address over its failure limit is refused before any lookup; a secret
   * that leads nowhere counts against its address and is audited with why
   * (the page is told the same for every case).
   */
  function joinTarget(secret: string, ip: string, step: 'check' | 'enter'): { link: LinkRow; v: VisitRow } {
    try {
      throttle.assertAllowed(ip);
    } catch (err) {
      audit.record({ action: 'telehealth.verify', outcome: 'failure', target: null, detail: { reason: 'rate-limited', step }, ip });
      throw err;
    }
    const found = links.lookup(secret);
    const v = found.ok ? visits.get(found.link.visit_id) : undefined;
    if (found.ok && v && !v.closed_at) return { link: found.link, v };
    const link = found.link;
    throttle.recordFailure(ip);
    audit.record({
      action: 'telehealth.verify',
      outcome: 'failure',
      target: link ? target(link.visit_id) : null,
      detail: { reason: found.ok ? 'visit-ended' : `link-${found.reason}`, step, ...(link ? { linkId: link.id } : {}) },
      ip
    });
    throw new AppError('not-found', LINK_INVALID);
  }

  async function mint(v: VisitRow, role: 'clinician' | 'patient' | 'guest', userId: string | null, name?: string) {
    const identity = opaqueId(role);
    const minted = await mintJoinToken(deps.livekit, { room: v.room_name, identity, role, name }, now());
    participant.run(identity, v.visit_id, role, userId, iso());
    return { identity, ...minted };
  }

  return {
    /** Issues a join link. The first (patient) link creates the visit and binds it to the patient; guest links join that visit. */
    createLink(user: SessionUser, input: CreateLinkInput, ip: string) {
      requireRole(user, LINK_ROLES, ip, input.visitId);
      if (input.scope === 'patient' && !deps.patientInClinic(user.clinicId, input.patientId)) {
        // Another clinic's patient answers as an unknown one, so patient ids do not leak across clinics.
        audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: target(input.visitId), detail: { reason: 'patient-not-in-clinic' }, ip });
        throw new AppError('not-found', 'There is no such patient in your clinic.');
      }
      const v = visits.ensure(input.visitId, user.clinicId, input.scope === 'patient' ? input.patientId : null);
      if (v.closed_at) throw new AppError('conflict', 'This video visit has ended.');
      const guestKind: GuestKind | null = input.scope === 'guest' ? input.guestKind : null;
      const minutes =
        input.expiresInMinutes ??
        deps.linkMinutes?.(user.clinicId, input.scope) ??
        (input.scope === 'patient' ? DEFAULT_PATIENT_LINK_MINUTES : DEFAULT_GUEST_LINK_MINUTES);
      const language = input.language ?? null;
      const link = links.issue(v.visit_id, input.scope, guestKind, user.id, minutes, language);
      audit.record({
        action: 'telehealth.link.create',
        outcome: 'success',
        userId: user.id,
        target: target(v.visit_id),
        detail: { linkId: link.linkId, scope: input.scope, guestKind, expiresAt: link.expiresAt, language },
        ip
      });
      return { linkId: link.linkId, path: `/join/${link.secret}`, token: link.secret, expiresAt: link.expiresAt, language };
    },

    /**
     * The visit's links that still work, so whoever opens the visit next (the
     * clinician's console after the desk booked it) shows the link the
     * patient already has instead of making another. `path` is null for a
     * link that cannot be shown again (made before links were sealed). A
     * visit with no links yet answers an empty list. Audited: it re-discloses
     * a secret.
     */
    existingLinks(user: SessionUser, visitId: string, ip: string) {
      requireRole(user, LINK_ROLES, ip, visitId);
      const v = visits.get(visitId);
      if (!v) return { links: [] };
      visits.inClinic(visitId, user.clinicId);
      const rows = links.usableForVisit(v.visit_id);
      const shown = rows.map((l) => {
        const secret = l.token_sealed && sealer ? sealer.open(l.token_sealed) : null;
        return {
          linkId: l.id,
          scope: l.scope,
          guestKind: l.guest_kind,
          createdAt: l.created_at,
          expiresAt: l.expires_at,
          language: isLanguage(l.language) ? l.language : null,
          path: secret ? `/join/${secret}` : null,
          token: secret
        };
      });
      if (shown.length > 0) {
        audit.record({ action: 'telehealth.link.show', outcome: 'success', userId: user.id, target: target(v.visit_id), detail: { linkIds: shown.map((l) => l.linkId), shown: shown.filter((l) => l.path).length }, ip });
      }
      return { links: shown };
    },

    /**
     * Sends a working link to the patient or guest by SMS or e-mail through
     * the configured provider. Staff who make links may send them, for their
     * own clinic's visits; the recipient is validated, sends are rate
     * limited per link and per user, and each send (or failure) is audited
     * with the masked recipient. `origin` is the app's public address.
     */
    async sendLink(user: SessionUser, input: SendLinkInput, origin: string, ip: string): Promise<{ sent: true; provider: string; to: string }> {
      const link = links.get(input.linkId);
      if (!link) throw new AppError('not-found', 'There is no such link.');
      visits.inClinic(link.visit_id, user.clinicId);
      requireRole(user, LINK_ROLES, ip, link.visit_id);
      if (!deps.messages) throw new AppError('unavailable', 'Sending links by SMS or e-mail is not set up on this server.');
      if (!links.isUsable(link)) throw new AppError('conflict', 'This link no longer works; make a new one.');
      const to = input.channel === 'sms' ? normalisePhone(input.to) : normaliseEmail(input.to);
      if (!to) {
        throw new AppError('invalid', input.channel === 'sms' ? 'Not a phone number' : 'Not an e-mail address', [
          { path: 'to', message: input.channel === 'sms' ? 'Give the number with its country code, e.g. +255 712 345 678' : 'Give an address like name@example.org' }
        ]);
      }
      const secret = link.token_sealed && sealer ? sealer.open(link.token_sealed) : null;
      if (!secret) throw new AppError('conflict', 'This link was made before links could be sent again; make a new one.');
      const masked = maskRecipient(input.channel, to);
      const detail = { linkId: link.id, channel: input.channel, provider: deps.messages.name, to: masked };
      if (!sends.take(user.id, link.id)) {
        audit.record({ action: 'telehealth.link.send', outcome: 'failure', userId: user.id, target: target(link.visit_id), detail: { ...detail, reason: 'rate-limited' }, ip });
        throw new AppError('rate-limited', 'This link was sent several times in the last hour. Wait, or call the patient.');
      }
      const until = new Date(link.expires_at).toUTCString();
      const url = `${origin}/join/${secret}`;
      try {
        await deps.messages.send({
          channel: input.channel,
          to,
          linkId: link.id,
          subject: 'Your video visit link',
          body: `Your clinic's video visit link: ${url} — you will be asked for your date of birth. It works until ${until}.`
        });
      } catch (err) {
        audit.record({ action: 'telehealth.link.send', outcome: 'failure', userId: user.id, target: target(link.visit_id), detail: { ...detail, reason: 'delivery' }, ip });
        throw new AppError('unavailable', err instanceof DeliveryError ? err.message : 'The message could not be sent. Try again, or send the link another way.');
      }
      audit.record({ action: 'telehealth.link.send', outcome: 'success', userId: user.id, target: target(link.visit_id), detail, ip });
      return { sent: true, provider: deps.messages.name, to: masked };
    },

    revokeLink(user: SessionUser, linkId: string, ip: string): void {
      const link = links.get(linkId);
      if (!link) throw new AppError('not-found', 'There is no such link.');
      visits.inClinic(link.visit_id, user.clinicId);
      requireRole(user, LINK_ROLES, ip, link.visit_id);
      const changed = links.revoke(linkId, 'revoked-by-staff');
      audit.record({ action: 'telehealth.link.revoke', outcome: 'success', userId: user.id, target: target(link.visit_id), detail: { linkId, changed }, ip });
    },

    /** What the join page shows before asking anything: whether a date of birth is needed, and the language the clinic chose for the page (null: the browser's). */
    check(secret: string, ip: string) {
      const { link } = joinTarget(secret, ip, 'check');
      return {
        scope: link.scope,
        needsBirthDate: link.scope === 'patient',
        guestLabel: link.guest_kind ? GUEST_LABELS[link.guest_kind] : null,
        language: isLanguage(link.language) ? link.language : null
      };
    },

    /** Confirms identity (patient: date of birth, with an attempt limit) and puts the person in the waiting room. */
    async enter(secret: string, birthDate: string | undefined, ip: string): Promise<{ ticket: string; status: 'waiting' }> {
      const { link, v } = joinTarget(secret, ip, 'enter');
      if (link.scope === 'patient') {
        if (!birthDate) throw new AppError('invalid', 'Enter your date of birth.', [{ path: 'birthDate', message: 'Required' }]);
        const expected = await deps.birthDateOf(v.clinic_id, v.patient_id);
        if (!expected) throw new AppError('unavailable', 'We cannot confirm your details online. Please call the clinic.');
        if (expected !== birthDate) {
          const left = links.recordFailedAttempt(link);
          throttle.recordFailure(ip);
          audit.record({ action: 'telehealth.verify', outcome: 'failure', target: target(v.visit_id), detail: { reason: 'birth-date', linkId: link.id, triesLeft: left }, ip });
          throw new AppError(
            'forbidden',
            left > 0
              ? `That date of birth does not match our records. ${left} ${left === 1 ? 'try' : 'tries'} left.`
              : 'This link is locked after too many tries. Contact the clinic for a new one.'
          );
        }
        audit.record({ action: 'telehealth.verify', outcome: 'success', target: target(v.visit_id), detail: { linkId: link.id }, ip });
      }
      const { ticket } = room.enter(link.id, v.visit_id, link.scope);
      return { ticket, status: 'waiting' };
    },

    /** The waiting page's poll. Hands over a video token only after admit, once; a revoked or expired link, or an ended visit, gets nothing. */
    poll(ticket: string): PollAnswer {
      const entry = room.byTicket(ticket);
      // A spent ticket (token already handed over, or the page entered again) gets nothing more.
      if (!entry || entry.left_at || entry.token_delivered_at) return { status: 'closed' };
      const link = links.get(entry.link_id);
      const v = visits.get(entry.visit_id);
      if (!links.isUsable(link) || !v || v.closed_at) {
        room.dropToken(entry.id);
        return { status: 'closed' };
      }
      room.touch(entry.id);
      const token = room.takeToken(entry.id);
      if (!token) {
        const runningLate = late.get(v.visit_id);
        return runningLate ? { status: 'waiting', runningLate } : { status: 'waiting' };
      }
      return { status: 'admitted', serverUrl: deps.livekit.url, token: token.token, expiresAt: token.expiresAt };
    },

    /** The clinician's view of one visit: who is waiting, and the status derived from the call. */
    waiting(user: SessionUser, visitId: string, ip: string) {
      requireRole(user, WAITING_ROOM_ROLES, ip, visitId);
      const v = visits.inClinic(visitId, user.clinicId);
      const entries = room.waiting(v.visit_id).map((w) => {
        const link = links.get(w.link_id);
        return {
          entryId: w.id,
          role: w.role,
          label: link?.guest_kind ? GUEST_LABELS[link.guest_kind] : 'Patient',
          enteredAt: w.entered_at,
          admitted: w.admitted_at !== null && room.hasPendingToken(w.id)
        };
      });
      // The patient's opaque id lets the console open their chart beside the call (staff of the same clinic only, never in a URL).
      return { visit: summarize(v), patientId: v.patient_id, waiting: entries, runningLate: late.get(v.visit_id) };
    },

    /**
     * Tells everyone in the waiting room the clinician is running about
     * `minutes` late (null withdraws it). Minutes only: no free text, so
     * nothing about the patient can reach the waiting room, the store or
     * the audit log.
     */
    runningLate(user: SessionUser, visitId: string, minutes: number | null, ip: string): { runningLate: RunningLate | null } {
      requireRole(user, WAITING_ROOM_ROLES, ip, visitId);
      const v = openVisit(visitId, user.clinicId);
      let runningLate: RunningLate | null = null;
      if (minutes === null) late.clear(v.visit_id);
      else runningLate = late.set(v.visit_id, minutes, user.id);
      audit.record({ action: 'telehealth.running-late', outcome: 'success', userId: user.id, target: target(v.visit_id), detail: { minutes }, ip });
      return { runningLate };
    },

    /**
     * Admits everyone waiting for the visit (or one entry) and mints the
     * video tokens at this moment: one for each admitted person, picked up
     * by their next poll, and one for the clinician, returned here.
     */
    async admit(visitId: string, user: SessionUser, ip: string, entryId?: string): Promise<AdmitResult> {
      requireRole(user, ADMIT_ROLES, ip, visitId);
      const v = openVisit(visitId, user.clinicId);
      const candidates = room
        .waiting(v.visit_id)
        .filter((w) => !room.hasPendingToken(w.id) && (!entryId || w.id === entryId) && links.isUsable(links.get(w.link_id)));
      if (candidates.length === 0) throw new AppError('conflict', 'No one is waiting for this visit.');
      const admitted: { role: string; identity: string }[] = [];
      for (const w of candidates) {
        const kind = links.get(w.link_id)?.guest_kind;
        // The patient gets no display name: it would reach the video service and its logs; the clinician's screen labels them from the visit.
        const t = await mint(v, w.role, null, kind ? GUEST_LABELS[kind] : undefined);
        room.markAdmitted(w.id, user.id, { token: t.token, expiresAt: t.expiresAt });
        admitted.push({ role: w.role, identity: t.identity });
      }
      const own = await mint(v, 'clinician', user.id, user.name);
      audit.record({
        action: 'telehealth.admit',
        outcome: 'success',
        userId: user.id,
        target: target(v.visit_id),
        detail: { admitted, clinicianIdentity: own.identity },
        ip
      });
      return { serverUrl: deps.livekit.url, token: own.token, expiresAt: own.expiresAt, admitted: admitted.length };
    },

    /** Ends the visit: links revoked, waiting room emptied, undelivered tokens forgotten, the room closed on the video service. */
    async end(visitId: string, user: SessionUser, ip: string): Promise<{ visit: VisitSummary; roomClosed: boolean }> {
      requireRole(user, ADMIT_ROLES, ip, visitId);
      const v = openVisit(visitId, user.clinicId);
      visits.close(v.visit_id, user.id);
      const revoked = links.revokeAllForVisit(v.visit_id, 'visit-ended');
      room.closeVisit(v.visit_id);
      let roomClosed = false;
      let closeError: string | null = null;
      if (deps.closeRoom) {
        try {
          await deps.closeRoom(v.room_name);
          roomClosed = true;
        } catch (err) {
          closeError = err instanceof Error ? err.name : 'error';
        }
      }
      audit.record({
        action: 'telehealth.end',
        outcome: 'success',
        userId: user.id,
        target: target(v.visit_id),
        detail: { source: 'clinician', linksRevoked: revoked, roomClosed, ...(closeError ? { closeError } : {}) },
        ip
      });
      return { visit: summarize(visits.get(v.visit_id)!), roomClosed };
    },

    /** A LiveKit webhook: verified, de-duplicated, stored, audited, and the visit's status re-derived. */
    receiveWebhook: createWebhookHandler({ db, audit, visits, livekit: deps.livekit, now })
  };
}
export type TelehealthService = ReturnType<typeof createTelehealthService>;
