import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { AppError } from '../domain/errors';
import {
  acceptDemographicsReview,
  DEMOGRAPHICS_REVIEW_MAP,
  demographicsDiff,
  listDemographicsReviews,
  proposeDemographics,
  rejectDemographicsReview
} from './demographics-review-doc';
import { initPatientDoc, readPatient } from './patient-doc';

const importer = { id: 'u-import', name: 'Dr. Importer' };
const desk = { id: 'u-desk', name: 'Desk Person' };

function patientDoc(): Y.Doc {
  const doc = new Y.Doc();
  initPatientDoc(doc, 'p1', { family: 'Okafor', given: ['Ada'], birthDate: '1961-07-14', gender: 'female', city: 'Enugu', phone: '555-0100' }, importer, 'MRN-1');
  return doc;
}

function propose(doc: Y.Doc, id = 'r1') {
  const proposed = demographicsDiff(readPatient(doc)!, { family: 'Okafor', given: ['Ada'], birthDate: '1990-01-01', gender: 'female', city: 'Lagos', phone: '' });
  return proposeDemographics(doc, { id, proposed, source: 'http://ehr.example' }, importer);
}

const codeOf = (f: () => void): string => {
  try {
    f();
  } catch (e) {
    return e instanceof AppError ? e.code : 'not an AppError';
  }
  return 'no error';
};

describe('demographics review', () => {
  it('proposes only the fields that differ (an empty one never clears the record), and leaves the record as it is', () => {
    const doc = patientDoc();
    expect(propose(doc)).toBe(true);
    const [review] = listDemographicsReviews(doc);
    expect(review).toMatchObject({ id: 'r1', status: 'pending', proposed: { birthDate: '1990-01-01', city: 'Lagos' }, source: 'http://ehr.example', proposedBy: 'Dr. Importer', proposedById: 'u-import' });
    expect(Object.keys(review.proposed).sort()).toEqual(['birthDate', 'city']);
    expect(readPatient(doc)).toMatchObject({ birthDate: '1961-07-14', city: 'Enugu', phone: '555-0100' });
  });

  it('adds nothing for a proposal it already has, nor for one without differences', () => {
    const doc = patientDoc();
    propose(doc);
    expect(propose(doc)).toBe(false);
    expect(proposeDemographics(doc, { id: 'r2', proposed: {}, source: 'x' }, importer)).toBe(false);
    expect(doc.getMap(DEMOGRAPHICS_REVIEW_MAP).size).toBe(1);
  });

  it('accepting applies the proposed fields and records who decided and when', () => {
    const doc = patientDoc();
    propose(doc);
    acceptDemographicsReview(doc, 'r1', desk);
    expect(readPatient(doc)).toMatchObject({ birthDate: '1990-01-01', city: 'Lagos', family: 'Okafor', updatedBy: 'Desk Person' });
    const [review] = listDemographicsReviews(doc);
    expect(review).toMatchObject({ status: 'accepted', decidedBy: 'Desk Person', decidedById: 'u-desk' });
    expect(review.decidedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('rejecting leaves the demographics and records who decided and when', () => {
    const doc = patientDoc();
    propose(doc);
    rejectDemographicsReview(doc, 'r1', desk);
    expect(readPatient(doc)).toMatchObject({ birthDate: '1961-07-14', city: 'Enugu', updatedBy: 'Dr. Importer' });
    expect(listDemographicsReviews(doc)[0]).toMatchObject({ status: 'rejected', decidedBy: 'Desk Person', decidedById: 'u-desk' });
  });

  it('decides a proposal once: a second decision is a conflict, an unknown one not found', () => {
    const doc = patientDoc();
    propose(doc);
    rejectDemographicsReview(doc, 'r1', desk);
    expect(codeOf(() => acceptDemographicsReview(doc, 'r1', desk))).toBe('conflict');
    expect(codeOf(() => rejectDemographicsReview(doc, 'nope', desk))).toBe('not-found');
    expect(readPatient(doc)?.birthDate).toBe('1961-07-14');
  });

  it('a decision made on one device reaches another through the document', () => {
    const a = patientDoc();
    propose(a);
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    acceptDemographicsReview(b, 'r1', desk);
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
    expect(listDemographicsReviews(a)[0].status).toBe('accepted');
    expect(readPatient(a)?.birthDate).toBe('1990-01-01');
  });
});
