import { AppError } from '../domain/errors';
import type { PortalRefusalCode } from '../domain/portal-refusals';
import { m } from '../paraglide/messages';
import { baseLocale, getLocale } from '../paraglide/runtime';
import { messageOf } from './handle-error';

/**
 * A refusal from the clinic server, said in the patient's language. The
 * server answers every portal refusal with a stable code and its parameters
 * (domain/portal-refusals.ts); each code has a sentence here. A code this
 * app does not know (a newer server) or a failure without one shows the
 * server's English sentence, as before.
 */

type P = Record<string, string | number>;
const num = (p: P, k: string) => (typeof p[k] === 'number' ? (p[k] as number) : Number(p[k]) || 0);

const LIMIT: Record<string, (p: { minutes: number }) => string> = {
  messages: m.portal_refusal_limit_messages,
  'home-readings': m.portal_refusal_limit_home_readings,
  'refill-requests': m.portal_refusal_limit_refill_requests,
  intake: m.portal_refusal_limit_intake,
  booking: m.portal_refusal_limit_booking
};

export const REFUSAL_TEXT: Record<PortalRefusalCode, (p: P) => string | null> = {
  'booking.outside-window': () => m.portal_refusal_booking_outside_window(),
  'booking.not-offered': () => m.portal_refusal_booking_not_offered(),
  'booking.taken': () => m.portal_refusal_booking_taken(),
  'booking.patient-busy': () => m.portal_refusal_booking_patient_busy(),
  'booking.type-closed': () => m.portal_refusal_booking_type_closed(),
  'booking.type-closed-move': () => m.portal_refusal_booking_type_closed_move(),
  'booking.not-movable': () => m.portal_refusal_booking_not_movable(),
  'booking.not-cancellable': () => m.portal_refusal_booking_not_cancellable(),
  'booking.not-video': () => m.portal_refusal_booking_not_video(),
  'booking.join-not-now': () => m.portal_refusal_booking_join_not_now(),
  'booking.video-off': () => m.portal_refusal_booking_video_off(),
  'booking.no-appointment': () => m.portal_refusal_booking_no_appointment(),
  'request.id-reused': () => m.portal_refusal_request_id_reused(),
  'record.not-yours': () => m.portal_refusal_record_not_yours(),
  'record.unavailable': () => m.portal_refusal_record_unavailable(),
  'intake.other-account': () => m.portal_refusal_intake_other_account(),
  'message.photo-empty': () => m.portal_refusal_message_photo_empty(),
  'message.photo-too-large': (p) => m.portal_refusal_message_photo_too_large({ megabytes: num(p, 'megabytes') }),
  'message.not-photo': () => m.portal_refusal_message_not_photo(),
  'message.id-taken': () => m.portal_refusal_message_id_taken(),
  'message.thread-unknown': () => m.portal_refusal_message_thread_unknown(),
  'reading.future': () => m.portal_refusal_reading_future(),
  'reading.too-old': (p) => m.portal_refusal_reading_too_old({ days: num(p, 'days') }),
  'reading.not-saved': () => m.portal_refusal_reading_not_saved(),
  'refill.not-current': () => m.portal_refusal_refill_not_current(),
  'refill.already-asked': () => m.portal_refusal_refill_already_asked(),
  'refill.not-saved': () => m.portal_refusal_refill_not_saved(),
  // An unknown kind of limit: the server's sentence names it.
  'limit.reached': (p) => LIMIT[String(p.kind)]?.({ minutes: num(p, 'minutes') }) ?? null,
  'request.invalid': () => m.portal_refusal_request_invalid(),
  'request.refused': () => m.portal_refusal_request_refused(),
  'request.not-found': () => m.portal_refusal_request_not_found(),
  'request.conflict': () => m.portal_refusal_request_conflict(),
  'request.too-large': () => m.portal_refusal_request_too_large(),
  'request.too-many': () => m.portal_refusal_request_too_many(),
  'request.sign-in': () => m.portal_refusal_request_sign_in(),
  'request.failed': () => m.portal_refusal_request_failed()
};

/** The sentence for a refusal's code in the current language, or null for a code this app does not know. */
export function refusalText(reason: string, params: P = {}): string | null {
  return Object.hasOwn(REFUSAL_TEXT, reason) ? REFUSAL_TEXT[reason as PortalRefusalCode](params) : null;
}

/** A kind's code (a refusal with no code of its own): its sentence is general, the server's may say more. */
const GENERAL = new Set<string>(['request.invalid', 'request.refused', 'request.not-found', 'request.conflict', 'request.too-large', 'request.too-many', 'request.sign-in', 'request.failed']);

/**
 * What the patient's screens show for any failure: the translated refusal,
 * else messageOf's sentence. In English a general code keeps the server's
 * own sentence, which names the field or the limit.
 */
export function portalMessageOf(error: unknown): string {
  if (error instanceof AppError && error.refusal && !(GENERAL.has(error.refusal.reason) && getLocale() === baseLocale)) {
    const text = refusalText(error.refusal.reason, error.refusal.params);
    if (text) return text;
  }
  return messageOf(error);
}
