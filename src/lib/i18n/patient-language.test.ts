import { describe, expect, it } from 'vitest';
import { AppError } from '$lib/domain/errors';
import { pickLanguage } from '$lib/domain/languages';
import { joinLanguage } from './join-language';
import { setLanguage } from './locale.svelte';
import { callNameText, joinErrorText } from './patient-texts';

describe('the join page language', () => {
  it('is the patient’s own choice, else the link’s, else the browser’s first supported one, else English', () => {
    expect(joinLanguage('sw', 'es', ['fr-FR'])).toBe('es');
    expect(joinLanguage('sw', null, ['fr-FR'])).toBe('sw');
    expect(joinLanguage(null, null, ['de-DE', 'pt-BR', 'fr'])).toBe('pt');
    expect(joinLanguage(null, null, ['de-DE', 'ja'])).toBe('en');
  });

  it('reads regional tags as their language and skips what it does not speak', () => {
    expect(pickLanguage(['es-MX'])).toBe('es');
    expect(pickLanguage(['SW_ke'])).toBe('sw');
    expect(pickLanguage([null, '', 'xx', 'fr-CA'])).toBe('fr');
    expect(pickLanguage(['de'])).toBeNull();
  });
});

describe('what the join endpoints answer, said in the page’s language', () => {
  it('a wrong date of birth keeps the number of tries left', () => {
    const text = joinErrorText(new AppError('forbidden', 'That date of birth does not match our records. 3 tries left.'));
    setLanguage('es');
    expect(text()).toBe('Esa fecha de nacimiento no coincide con nuestros registros. Intentos restantes: 3.');
    setLanguage('sw');
    expect(text()).toBe('Tarehe hiyo ya kuzaliwa hailingani na kumbukumbu zetu. Majaribio yaliyobaki: 3.');
    setLanguage('en');
    expect(text()).toBe('That date of birth does not match our records. Tries left: 3.');
  });

  it('a locked link, an unknown link and an unreachable clinic each get their own words', () => {
    setLanguage('fr');
    expect(joinErrorText(new AppError('forbidden', 'This link is locked after too many tries. Contact the clinic for a new one.'))()).toBe(
      'Ce lien est bloqué après trop d’essais. Demandez-en un nouveau au centre de santé.'
    );
    expect(joinErrorText(new AppError('not-found', 'This link is not valid or has expired. Contact the clinic for a new one.'))()).toBe(
      'Ce lien n’est pas valide ou a expiré. Demandez-en un nouveau au centre de santé.'
    );
    expect(joinErrorText(new AppError('unavailable', 'The clinic server cannot be reached. Your work is saved on this device.'))()).toBe(
      'Impossible de joindre le centre de santé. Vérifiez votre connexion internet, puis réessayez.'
    );
    expect(joinErrorText(new Error('boom'))()).toBe('Un problème est survenu. Réessayez ou appelez le centre de santé.');
    setLanguage('en');
  });

  it('the call’s fixed names are translated; a clinician’s own name is not', () => {
    setLanguage('pt');
    expect(callNameText('Patient')).toBe('Paciente');
    expect(callNameText('Interpreter')).toBe('Intérprete');
    expect(callNameText('Dr. Vega')).toBe('Dr. Vega');
    setLanguage('en');
  });
});
