import { afterEach, describe, expect, test } from 'vitest';
import { AppError } from '../domain/errors';
import { PORTAL_REFUSAL_CODES, portalRefusal } from '../domain/portal-refusals';
import { baseLocale, locales, overwriteGetLocale } from '../paraglide/runtime';
import { portalMessageOf, refusalText } from './portal-refusal';

const speak = (locale: (typeof locales)[number]) => overwriteGetLocale(() => locale);
afterEach(() => speak(baseLocale));

describe('a portal refusal in the patient language', () => {
  test('a taken time, in Swahili, Spanish and English', () => {
    const taken = portalRefusal('booking.taken');
    speak('sw');
    expect(portalMessageOf(taken)).toBe('Samahani, mtu mwingine ameweka muda huo sasa hivi. Chagua muda mwingine.');
    speak('es');
    expect(portalMessageOf(taken)).toBe('Lo sentimos, otra persona acaba de reservar esa hora. Elija otra hora.');
    speak('en');
    expect(portalMessageOf(taken)).toBe('Sorry, someone else has just booked that time. Choose another time.');
  });

  test('a limit carries its minutes and its kind', () => {
    speak('fr');
    expect(refusalText('limit.reached', { kind: 'messages', minutes: 7, what: 'messages' })).toBe(
      'Vous avez envoyé beaucoup de messages en peu de temps. Attendez 7 min puis réessayez, ou appelez la clinique si c’est urgent.'
    );
    speak('pt');
    expect(refusalText('reading.too-old', { days: 30 })).toBe('Medições com mais de 30 dias não podem ser adicionadas aqui: leve-as à sua próxima consulta');
    // A kind of limit this app does not know yet: the server's own sentence.
    expect(refusalText('limit.reached', { kind: 'video-calls', minutes: 3 })).toBeNull();
  });

  test('a general code: translated outside English; in English the server’s own sentence, which says more', () => {
    const tooLong = new AppError('invalid', 'A message is at most 4000 characters', [{ path: 'text', message: 'A message is at most 4000 characters' }], { reason: 'request.invalid' });
    speak('en');
    expect(portalMessageOf(tooLong)).toBe('A message is at most 4000 characters');
    speak('sw');
    expect(portalMessageOf(tooLong)).toBe('Kuna kitu ulichoingiza ambacho hakikuweza kukubaliwa. Kiangalie na ujaribu tena.');
  });

  test("an unknown code, or none, falls back to the server's English text", () => {
    speak('sw');
    expect(portalMessageOf(new AppError('conflict', 'A newer server says this.', undefined, { reason: 'booking.not-invented-yet' }))).toBe('A newer server says this.');
    expect(portalMessageOf(new AppError('conflict', 'No code at all.'))).toBe('No code at all.');
  });

  test('every code the server can send has a sentence in every language, none of them the English one outside English', () => {
    for (const locale of locales) {
      speak(locale);
      for (const code of PORTAL_REFUSAL_CODES) {
        const params = { kind: 'booking', minutes: 2, days: 30, megabytes: 3 };
        const text = refusalText(code, params);
        expect(text, `${code} in ${locale}`).toMatch(/\S/);
        if (locale !== 'en') {
          speak('en');
          const english = refusalText(code, params);
          speak(locale);
          expect(text, `${code} in ${locale}`).not.toBe(english);
        }
      }
    }
  });
});
