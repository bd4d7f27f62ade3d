import { describe, expect, it } from 'vitest';
import { identifiersConflict, matchPatient, normalName, sameNameAndBirth, transferKeys } from './patient-match';

const ana = { family: 'Pérez', given: ['Ana', 'María'], birthDate: '1980-02-03', identifiers: [{ system: 'http://hospital.example/mrn', value: '123', type: 'MR' }] };

describe('matching a transferred patient', () => {
  it('one patient linked by an identifier is that patient', () => {
    expect(matchPatient(ana, ['p1', 'p1'], [])).toEqual({ kind: 'matched', patientId: 'p1', by: 'identifier' });
  });

  it('identifiers linked to two patients go to review', () => {
    expect(matchPatient(ana, ['p2', 'p1'], [])).toEqual({ kind: 'review', reason: 'several-linked', candidates: ['p1', 'p2'] });
  });

  it('no identifier and no one with the name and birth date: a new patient', () => {
    expect(matchPatient(ana, [], [])).toEqual({ kind: 'new' });
  });

  it('one patient with the name and birth date and no contradicting identifier is that patient', () => {
    expect(matchPatient(ana, [], [{ id: 'p3', identifiers: [{ system: 'urn:outpost:mrn', value: 'X9' }] }])).toEqual({ kind: 'matched', patientId: 'p3', by: 'name-birthdate' });
  });

  it('one patient with the name and birth date but another number in the same system goes to review', () => {
    expect(matchPatient(ana, [], [{ id: 'p3', identifiers: [{ system: 'http://hospital.example/mrn', value: '999', type: 'MR' }] }])).toEqual({
      kind: 'review',
      reason: 'identifier-conflict',
      candidates: ['p3']
    });
  });

  it('several patients with the name and birth date go to review', () => {
    expect(matchPatient(ana, [], [{ id: 'p5', identifiers: [] }, { id: 'p4', identifiers: [] }])).toEqual({ kind: 'review', reason: 'several-candidates', candidates: ['p4', 'p5'] });
  });
});

describe('comparisons', () => {
  it('names compare without case, accents or punctuation', () => {
    expect(normalName('  Pérez-Núñez ')).toBe('perez nunez');
    expect(sameNameAndBirth(ana, { family: 'PEREZ', given: ['ana'], birthDate: '1980-02-03' })).toBe(true);
    expect(sameNameAndBirth(ana, { family: 'Perez', given: ['Ana'], birthDate: '1980-02-04' })).toBe(false);
    expect(sameNameAndBirth(ana, { family: 'Perez', given: ['Anna'], birthDate: '1980-02-03' })).toBe(false);
  });

  it('identifiers conflict only on one system with different values and none shared; the local MRN series is ignored', () => {
    const a = [{ system: 's', value: '1' }];
    expect(identifiersConflict(a, [{ system: 's', value: '2' }])).toBe(true);
    expect(identifiersConflict(a, [{ system: 's', value: '2' }, { system: 's', value: '1' }])).toBe(false);
    expect(identifiersConflict(a, [{ system: 't', value: '2' }])).toBe(false);
    expect(identifiersConflict([{ system: 'urn:outpost:mrn', value: '1' }], [{ system: 'urn:outpost:mrn', value: '2' }])).toBe(false);
  });

  it('link keys are scoped by the sender and leave out the local MRN series', () => {
    expect(transferKeys('urn:a', 'P1', [{ system: 'urn:outpost:mrn', value: '7', type: 'MR' }, { system: 'http://h/mrn', value: '9', type: 'MR' }])).toEqual([
      'src|urn:a|Patient/P1',
      'id|http://h/mrn|9',
      'mr|http://h/mrn|9'
    ]);
  });
});
