import { expect, test } from 'vitest';
import * as Y from 'yjs';
import { addCondition, initChartDoc, listConditions, markEnteredInError } from './chart-doc';
import { setConditionIcd10 } from './icd10-coding';
import { bundledIcd10, ICD10CM_SYSTEM, SNOMED_SYSTEM } from '../domain/icd10';

const dr = { id: 'u1', name: 'Dr. Test' };

function chart(): Y.Doc {
  const doc = new Y.Doc();
  initChartDoc(doc, '4384bf23-1dc3-48ca-8c84-89fbaff201ae');
  return doc;
}

test('an imported SNOMED-coded problem gains the ICD-10-CM code and keeps its SNOMED code', () => {
  const doc = chart();
  const id = addCondition(doc, { text: 'Hypertension', coding: [{ system: SNOMED_SYSTEM, code: '59621000', display: 'Essential hypertension' }] }, dr);
  setConditionIcd10(doc, id, bundledIcd10().byCode('I10')!, { id: 'u2', name: 'Dr. Coder' });
  const [p] = listConditions(doc);
  expect(p.code.text).toBe('Hypertension');
  expect(p.code.coding).toEqual([
    { system: SNOMED_SYSTEM, code: '59621000', display: 'Essential hypertension' },
    { system: ICD10CM_SYSTEM, code: 'I10', display: 'Essential (primary) hypertension' }
  ]);
  expect(p.updatedBy).toBe('Dr. Coder');
});

test('coding twice with the same code writes nothing; a problem in error is refused', () => {
  const doc = chart();
  const id = addCondition(doc, { text: 'Diabetes' }, dr);
  setConditionIcd10(doc, id, bundledIcd10().byCode('E11.9')!, dr);
  const before = Y.encodeStateVector(doc);
  setConditionIcd10(doc, id, bundledIcd10().byCode('E11.9')!, dr);
  expect(Y.encodeStateVector(doc)).toEqual(before);
  markEnteredInError(doc, 'conditions', id, 'Wrong patient', dr);
  expect(() => setConditionIcd10(doc, id, bundledIcd10().byCode('I10')!, dr)).toThrow(expect.objectContaining({ code: 'conflict' }));
  expect(() => setConditionIcd10(doc, 'missing', bundledIcd10().byCode('I10')!, dr)).toThrow(expect.objectContaining({ code: 'not-found' }));
});
