import { AppError, type ErrorCode } from './errors';

/**
 * Every refusal the clinic server gives a patient on the portal, by a
 * stable code. The server answers with the code (`error.reason`), its
 * parameters (`error.params`) and the English sentence below; the patient's
 * app shows the code in the patient's language (ui/portal-refusal.ts) and
 * falls back to the English sentence for a code it does not know (an older
 * app talking to a newer server). Codes never change meaning: add new ones.
 */

type Params = Record<string, string | number>;
type Refusal = { status: ErrorCode; english: (p: Params) => string };

const CALL = 'Please call the clinic.';

export const PORTAL_REFUSALS = {
  'booking.outside-window': { status: 'invalid', english: () => 'That time cannot be booked online: it is too soon or too far ahead. Choose another time, or call the clinic.' },
  'booking.not-offered': { status: 'invalid', english: () => 'The clinic does not offer that time for this appointment. Choose one of the free times.' },
  'booking.taken': { status: 'conflict', english: () => 'Sorry, someone else has just booked that time. Choose another time.' },
  'booking.patient-busy': { status: 'conflict', english: () => 'You already have an appointment at that time. Choose another time.' },
  'booking.type-closed': { status: 'forbidden', english: () => `This kind of appointment cannot be booked online. ${CALL}` },
  'booking.type-closed-move': { status: 'forbidden', english: () => `This kind of appointment cannot be moved online. ${CALL}` },
  'booking.not-movable': { status: 'conflict', english: () => `This appointment can no longer be moved online. ${CALL}` },
  'booking.not-cancellable': { status: 'conflict', english: () => `This appointment has already started, passed or been cancelled, so it cannot be cancelled online. ${CALL}` },
  'booking.not-video': { status: 'invalid', english: () => 'This appointment is not a video visit.' },
  'booking.join-not-now': { status: 'conflict', english: () => 'You can join from 15 minutes before the appointment until it ends.' },
  'booking.video-off': { status: 'unavailable', english: () => `Video visits are not set up at this clinic. ${CALL}` },
  'booking.no-appointment': { status: 'not-found', english: () => 'There is no such appointment in this record.' },
  'request.id-reused': { status: 'conflict', english: () => 'This request was already used for something else. Try again.' },
  'record.not-yours': { status: 'forbidden', english: () => 'You can only see your own record, and the records you were given access to.' },
  'record.unavailable': { status: 'not-found', english: () => 'Your record is not available at the moment. Please contact the clinic.' },
  'intake.other-account': { status: 'conflict', english: () => 'This form was already sent from another account.' },
  'message.photo-empty': { status: 'invalid', english: () => 'The photo is empty.' },
  'message.photo-too-large': { status: 'too-large', english: (p) => `Photos up to ${p.megabytes} MB can be sent. Take a smaller photo, or send the message without it.` },
  'message.not-photo': { status: 'invalid', english: () => 'Only JPEG or PNG photos can be sent.' },
  'message.id-taken': { status: 'conflict', english: () => 'Another message is already kept under this id.' },
  'message.thread-unknown': { status: 'not-found', english: () => 'This conversation is not on your record. Start a new one.' },
  'reading.future': { status: 'invalid', english: () => 'The time of the reading is in the future: check the date and time' },
  'reading.too-old': { status: 'invalid', english: (p) => `Readings older than ${p.days} days cannot be added here: bring them to your next visit` },
  'reading.not-saved': { status: 'conflict', english: () => 'This reading could not be saved. Please enter it again.' },
  'refill.not-current': { status: 'invalid', english: () => 'That medicine is not one of your current medicines. Choose one from the list, or call the clinic.' },
  'refill.already-asked': { status: 'conflict', english: () => 'You already asked for more of this medicine. The clinic has not answered yet.' },
  'refill.not-saved': { status: 'conflict', english: () => 'This request could not be saved. Please send it again.' },
  'limit.reached': {
    status: 'rate-limited',
    english: (p) => `You have sent many ${p.what} in a short time. Try again in ${p.minutes} minute${p.minutes === 1 ? '' : 's'}, or call the clinic if it is urgent.`
  },
  // Refusals with no code of their own get the code of their kind (server/portal/portal-errors.ts).
  'request.invalid': { status: 'invalid', english: () => 'The request is not valid' },
  'request.refused': { status: 'forbidden', english: () => 'This is not allowed from your account.' },
  'request.not-found': { status: 'not-found', english: () => 'This is not on the clinic server.' },
  'request.conflict': { status: 'conflict', english: () => 'This changed on the clinic server in the meantime. Try again.' },
  'request.too-large': { status: 'too-large', english: () => 'What you sent is too large.' },
  'request.too-many': { status: 'rate-limited', english: () => 'Too many requests in a short time. Try again later, or call the clinic if it is urgent.' },
  'request.sign-in': { status: 'unauthenticated', english: () => 'Sign in again to continue' },
  'request.failed': { status: 'internal', english: () => 'Something went wrong on the server. Try again; if it keeps happening, call the clinic.' }
} as const satisfies Record<string, Refusal>;

export type PortalRefusalCode = keyof typeof PORTAL_REFUSALS;
export const PORTAL_REFUSAL_CODES = Object.keys(PORTAL_REFUSALS) as PortalRefusalCode[];

export function isPortalRefusalCode(code: unknown): code is PortalRefusalCode {
  return typeof code === 'string' && Object.hasOwn(PORTAL_REFUSALS, code);
}

/** The error the server throws to refuse a patient: its HTTP kind, English text, code and parameters. */
export function portalRefusal(code: PortalRefusalCode, params: Params = {}, details?: { path?: string; message: string }[]): AppError {
  const r: Refusal = PORTAL_REFUSALS[code];
  return new AppError(r.status, r.english(params), details, { reason: code, params });
}

/** The kind's code for a refusal that has none of its own. */
export function fallbackRefusalCode(status: ErrorCode): PortalRefusalCode {
  switch (status) {
    case 'invalid':
      return 'request.invalid';
    case 'forbidden':
      return 'request.refused';
    case 'not-found':
      return 'request.not-found';
    case 'conflict':
      return 'request.conflict';
    case 'too-large':
      return 'request.too-large';
    case 'unauthenticated':
    case 'device-revoked':
      return 'request.sign-in';
    case 'rate-limited':
      return 'request.too-many';
    default:
      return 'request.failed';
  }
}
