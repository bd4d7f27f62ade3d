import { describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import type { Author } from './policy-types';
import { desk, doctor, entryMap, entryOf, importer, liveDoc, nurse, PATIENT, seed, write, ymap } from './test-factories';

/**
 * Document identity (meta), demographics, what an import may write, orders'
 * state machine, and the field types each record keeps: through the write
 * policy alone, each verdict exact and each correction read back.
 */

const EARLIER = '2026-12-04T09:00:00.000Z';
const messages = (o: ReturnType<typeof write>) => o.verdict!.violations.map((v) => v.message);
const setMeta = (fields: Record<string, unknown>) => (doc: Y.Doc) => {
  for (const [k, v] of Object.entries(fields)) doc.getMap('meta').set(k, v);
};

describe('meta', () => {
  it('a chart names itself: kind, patient and a whole layout version', () => {
    const live = liveDoc();
    expect(write(live, nurse, setMeta({ kind: 'chart', patientId: PATIENT, schemaVersion: 0 })).violations).toEqual([]);
    const o = write(live, nurse, setMeta({ kind: 'patient', patientId: 'p-other', schemaVersion: -1 }));
    expect(o.violations).toEqual(['refuse:meta.identity@meta/kind', 'refuse:meta.identity@meta/patientId', 'refuse:meta.identity@meta/schemaVersion']);
    expect(messages(o)).toEqual(['The document kind is the one its name says', 'The document names its own patient or clinic', 'The layout version is a whole number']);
  });

  it.each([[1.5], ['2'], [null]])('a layout version %s is refused', (v) => {
    expect(write(liveDoc(), nurse, setMeta({ schemaVersion: v })).violations).toEqual(['refuse:meta.identity@meta/schemaVersion']);
  });

  it('a schedule names its clinic (its patient id is not looked at)', () => {
    const live = liveDoc('schedule');
    expect(write(live, desk, setMeta({ kind: 'schedule', clinicId: 'clinic-a', patientId: 'anything' })).violations).toEqual([]);
    expect(write(live, desk, setMeta({ clinicId: 'clinic-b' })).violations).toEqual(['refuse:meta.identity@meta/clinicId']);
    expect(write(live, desk, setMeta({ kind: 'chart' })).violations).toEqual(['refuse:meta.identity@meta/kind']);
  });

  it('a demographics document names its patient', () => {
    const live = liveDoc('patient');
    expect(write(live, desk, setMeta({ kind: 'patient', patientId: PATIENT })).violations).toEqual([]);
    expect(write(live, desk, setMeta({ patientId: 'p-other' })).violations).toEqual(['refuse:meta.identity@meta/patientId']);
  });

  it('the layout version only moves forward: a lower one is put back', () => {
    const live = liveDoc();
    seed(live, setMeta({ schemaVersion: 3 }));
    const o = write(live, nurse, setMeta({ schemaVersion: 2 }));
    expect(o.violations).toEqual(['correct:meta.schema-version@meta/schemaVersion']);
    expect(messages(o)).toEqual(['The layout version only moves forward']);
    expect(o.verdict!.corrections).toEqual([{ root: 'meta', key: null, path: ['schemaVersion'], value: 3 }]);
    expect(live.doc.getMap('meta').get('schemaVersion')).toBe(3);
    expect(write(live, nurse, setMeta({ schemaVersion: 4 })).violations).toEqual([]);
    expect(live.doc.getMap('meta').get('schemaVersion')).toBe(4);
    // An identity violation in the same write: refused, not corrected.
    expect(write(live, nurse, setMeta({ schemaVersion: 1, kind: 'patient' })).violations).toEqual(['refuse:meta.identity@meta/kind']);
  });

  it('a version where there was none, or over a version that was not a number, stands', () => {
    const live = liveDoc();
    seed(live, setMeta({ schemaVersion: 'old' }));
    expect(write(live, nurse, setMeta({ schemaVersion: 1 })).violations).toEqual([]);
  });
});

describe('demographics', () => {
  function patient(fields: Record<string, unknown> = {}) {
    const live = liveDoc('patient');
    seed(live, (doc) => {
      for (const [k, v] of Object.entries({ id: PATIENT, resourceType: 'Patient', given: ['Amina'], family: 'Otieno', ...fields })) doc.getMap('patient').set(k, v);
    });
    return live;
  }
  const setPatient = (fields: Record<string, unknown>) => (doc: Y.Doc) => {
    for (const [k, v] of Object.entries(fields)) doc.getMap('patient').set(k, v);
  };

  it('names its own patient as a FHIR Patient', () => {
    const o = write(liveDoc('patient'), desk, setPatient({ id: 'p-other', resourceType: 'Person' }));
    expect(o.violations).toEqual(['refuse:patient.identity@patient/id', 'refuse:patient.identity@patient/resourceType']);
    expect(messages(o)).toEqual(['The record names its own patient', 'The record is a Patient']);
    expect(write(liveDoc('patient'), desk, setPatient({ id: PATIENT, resourceType: 'Patient' })).violations).toEqual([]);
  });

  it.each([
    ['ten given names of 200 characters', Array.from({ length: 10 }, () => 'g'.repeat(200)), true],
    ['no given names', [], true],
    ['eleven given names', Array.from({ length: 11 }, () => 'g'), false],
    ['a given name of 201 characters', ['g'.repeat(201)], false],
    ['a given name that is a number', ['Amina', 3], false],
    ['given names as text', 'Amina', false]
  ])('%s', (_what, given, ok) => {
    const o = write(liveDoc('patient'), desk, setPatient({ given }));
    expect(o.violations).toEqual(ok ? [] : ['refuse:patient.shape@patient/given']);
    if (!ok) expect(messages(o)).toEqual(['Given names are a list of text']);
  });

  it.each(['family', 'birthDate', 'gender', 'mrn', 'phone', 'email', 'addressLine', 'city', 'postalCode', 'deceasedDate'])('%s is text of at most 1000 characters', (field) => {
    expect(write(liveDoc('patient'), desk, setPatient({ [field]: 'x'.repeat(1000) })).violations).toEqual([]);
    const o = write(liveDoc('patient'), desk, setPatient({ [field]: 'x'.repeat(1001) }));
    expect(o.violations).toEqual([`refuse:patient.shape@patient/${field}`]);
    expect(messages(o)).toEqual([`The ${field} is text`]);
    expect(write(liveDoc('patient'), desk, setPatient({ [field]: 5 })).violations).toEqual([`refuse:patient.shape@patient/${field}`]);
  });

  it('an import fills empty demographics but does not rewrite them', () => {
    const live = patient({ phone: '', city: undefined, given: [] });
    live.doc.transact(() => live.doc.getMap('patient').delete('city'));
    expect(write(live, importer, setPatient({ phone: '0700', city: 'Kisumu', given: ['Amina'], family: 'Otieno' })).violations).toEqual([]);
    const o = write(live, importer, setPatient({ family: 'Other', given: ['Zawadi'], phone: '0711' }));
    expect(o.violations).toEqual(['refuse:import.demographics@patient/given', 'refuse:import.demographics@patient/family', 'refuse:import.demographics@patient/phone']);
    expect(messages(o)[0]).toBe('An import does not rewrite demographics; the change goes to review');
    // Writing back the same names is no rewrite.
    expect(write(live, importer, setPatient({ given: ['Amina'], family: 'Otieno' })).violations).toEqual([]);
    // The same change by a user is an edit.
    expect(write(live, desk, setPatient({ family: 'Other' })).violations).toEqual([]);
  });

  it('an import creating the demographics is not judged as a rewrite', () => {
    expect(write(liveDoc('patient'), importer, setPatient({ id: PATIENT, resourceType: 'Patient', family: 'Otieno' })).violations).toEqual([]);
  });
});

describe('what an import may write in a chart', () => {
  function chart(fields: Record<string, unknown>) {
    const live = liveDoc();
    seed(live, (doc) => doc.getMap('allergies').set('a1', ymap({ id: 'a1', resourceType: 'AllergyIntolerance', reaction: 'Rash', ...fields })));
    return live;
  }
  const setAllergy = (fields: Record<string, unknown>) => (doc: Y.Doc) => {
    for (const [k, v] of Object.entries(fields)) entryMap(doc, 'allergies', 'a1').set(k, v);
  };

  it('an entry charted here never becomes an imported one', () => {
    const o = write(chart({}), doctor, setAllergy({ sourceId: '' }));
    expect(o.violations).toEqual(['refuse:record.source-fixed@allergies/a1/sourceId']);
    expect(messages(o)).toEqual(['An entry made here is never marked as imported']);
    expect(write(chart({}), importer, setAllergy({ sourceId: 'ext-1' })).violations).toEqual(['refuse:record.source-fixed@allergies/a1/sourceId']);
  });

  it('an import rewrites what it imported, not what was charted here', () => {
    const o = write(chart({}), importer, setAllergy({ reaction: 'Hives' }));
    expect(o.violations).toEqual(['refuse:import.outpost-entry@allergies/a1']);
    expect(messages(o)).toEqual(['An import does not rewrite what was charted here']);
    const imported = chart({ sourceId: 'ext-1' });
    expect(write(imported, importer, setAllergy({ reaction: 'Hives' })).violations).toEqual([]);
    expect((entryOf(imported, 'allergies', 'a1') as Record<string, unknown>).reaction).toBe('Hives');
    // Writing the same value again changes nothing, and is admitted.
    expect(write(chart({}), importer, setAllergy({ reaction: 'Rash' })).violations).toEqual([]);
    // A clinician edits an entry charted here.
    expect(write(chart({}), doctor, setAllergy({ reaction: 'Hives' })).violations).toEqual([]);
    // An import adds new entries.
    expect(write(liveDoc(), importer, (doc) => doc.getMap('allergies').set('a2', ymap({ id: 'a2', sourceId: 'ext-2' }))).violations).toEqual([]);
  });

  it('an imported entry keeps its source', () => {
    expect(write(chart({ sourceId: 'ext-1' }), importer, setAllergy({ sourceId: 'ext-2' })).violations).toEqual(['refuse:record.immutable@allergies/a1/sourceId']);
  });
});

describe('orders', () => {
  const newOrder = (fields: Record<string, unknown>) => (doc: Y.Doc) => doc.getMap('orders').set('o1', ymap({ id: 'o1', code: { text: 'CBC' }, ...fields }));
  const at = 'orders/o1/status';
  function placed(status: string) {
    const live = liveDoc();
    seed(live, newOrder({ status }));
    return live;
  }
  const status = (live: ReturnType<typeof liveDoc>) => (entryOf(live, 'orders', 'o1') as Record<string, unknown>).status;

  it('a nurse’s new active order becomes a draft, its requester removed', () => {
    const live = liveDoc();
    const o = write(live, nurse, newOrder({ status: 'active', requester: { reference: 'Practitioner/u-nurse', display: 'Nurse Njeri' } }));
    expect(o.violations).toEqual([`correct:order.sign-role@${at}`]);
    expect(messages(o)).toEqual(['Only a clinician signs an order']);
    expect(entryOf(live, 'orders', 'o1')).toEqual({ id: 'o1', code: { text: 'CBC' }, status: 'draft' });
    const bare = write(liveDoc(), nurse, newOrder({ status: 'active' }));
    expect(bare.verdict!.corrections).toEqual([{ root: 'orders', key: 'o1', path: ['status'], value: 'draft' }]);
  });

  it.each([
    [doctor, 'active', []],
    [doctor, 'draft', []],
    [nurse, 'draft', []],
    [nurse, undefined, []],
    [doctor, 'completed', ['active']],
    [nurse, 'revoked', ['draft']],
    [doctor, 'entered-in-error', ['active']]
  ] as [Author, string | undefined, string[]][])('a new order by %#: status %s', (by, to, fixed) => {
    const live = liveDoc();
    const o = write(live, by, newOrder(to === undefined ? {} : { status: to }));
    expect(o.violations).toEqual(fixed.length ? [`correct:order.transition@${at}`] : []);
    if (fixed.length) {
      expect(messages(o)).toEqual(['A new order is a draft or, signed by a clinician, active']);
      expect(status(live)).toBe(fixed[0]);
    }
  });

  it.each([
    [nurse, 'draft', 'revoked', true],
    [nurse, 'active', 'completed', true],
    [nurse, 'active', 'entered-in-error', true],
    [nurse, 'active', 'revoked', false],
    [nurse, 'draft', 'active', false],
    [desk, 'active', 'completed', false],
    [doctor, 'draft', 'active', true],
    [doctor, 'active', 'revoked', true],
    [doctor, 'completed', 'active', false],
    [doctor, 'revoked', 'entered-in-error', true],
    [doctor, 'entered-in-error', 'draft', false],
    [doctor, 'active', 'active', true],
    [nurse, 'legacy', 'active', true]
  ] as [Author, string, string, boolean][])('%#: %s → %s', (by, from, to, ok) => {
    const live = placed(from);
    const o = write(live, by, (doc) => entryMap(doc, 'orders', 'o1').set('status', to));
    const rules = o.violations.filter((v) => v.includes('order.'));
    expect(rules).toEqual(ok ? [] : [`correct:order.transition@${at}`]);
    expect(status(live)).toBe(ok ? to : from);
    if (!ok) expect(o.verdict!.violations.find((v) => v.rule === 'order.transition')!.message).toBe('That order status change is not allowed for this role');
  });

  it('a status that is not an order status is put back (and refused as the wrong type)', () => {
    const o = write(placed('active'), doctor, (doc) => entryMap(doc, 'orders', 'o1').set('status', 'bogus'));
    expect(o.violations).toEqual([`refuse:structure.field-type@${at}`, `correct:order.transition@${at}`]);
  });

  it('an import’s order is not held to the order rules', () => {
    expect(write(liveDoc(), importer, newOrder({ status: 'completed' })).violations).toEqual([]);
  });
});

describe('field types', () => {
  const kinds: Record<string, [unknown, unknown]> = {
    str: ['text', 5],
    concept: [{ text: 'x', coding: [{ system: 's', code: 'c', display: 'd' }] }, { coding: [] }],
    list: [[1, 'a'], 'x'],
    strings: [['a'], [1]],
    obj: [{ a: 1 }, 'x'],
    bool: [true, 'yes'],
    reference: [{ reference: 'Practitioner/u-doc', display: 'Dr Amani' }, { reference: 'Practitioner/u-doc' }]
  };
  const TABLE: [root: string, field: string, kind: string | [unknown, unknown]][] = [
    ['allergies', 'code', 'concept'],
    ['allergies', 'category', ['food', 'drink']],
    ['allergies', 'criticality', ['unable-to-assess', 'none']],
    ['allergies', 'severity', ['', 'fatal']],
    ['allergies', 'reaction', 'str'],
    ['allergies', 'recordedDate', 'str'],
    ['conditions', 'code', 'concept'],
    ['conditions', 'onsetDate', 'str'],
    ['conditions', 'abatementDate', 'str'],
    ['conditions', 'note', 'str'],
    ['encounters', 'class', 'str'],
    ['encounters', 'type', 'str'],
    ['encounters', 'reason', 'str'],
    ['encounters', 'start', 'str'],
    ['encounters', 'end', 'str'],
    ['observations', 'category', 'str'],
    ['observations', 'issued', 'str'],
    ['observations', 'effectiveDateTime', 'str'],
    ['observations', 'valueQuantity', [{ value: 1.5, unit: 'mg' }, { value: '1' }]],
    ['observations', 'valueCodeableConcept', 'concept'],
    ['observations', 'valueString', 'str'],
    ['observations', 'valueBoolean', 'bool'],
    ['observations', 'valueInteger', [3, 3.5]],
    ['observations', 'component', 'list'],
    ['observations', 'referenceRange', 'list'],
    ['observations', 'interpretation', 'list'],
    ['observations', 'basedOn', 'strings'],
    ['medications', 'medicationCodeableConcept', 'concept'],
    ['medications', 'intent', 'str'],
    ['medications', 'dosageText', 'str'],
    ['medications', 'dosage', 'obj'],
    ['medications', 'dispense', 'obj'],
    ['medications', 'requester', 'reference'],
    ['medications', 'detectedIssues', 'list'],
    ['medications', 'priorPrescription', 'str'],
    ['medications', 'asNeeded', 'bool'],
    ['medications', 'reasonCode', 'list'],
    ['medications', 'statusReason', 'str'],
    ['immunizations', 'vaccineCode', 'concept'],
    ['immunizations', 'lotNumber', 'str'],
    ['immunizations', 'site', 'concept'],
    ['immunizations', 'route', 'concept'],
    ['immunizations', 'primarySource', 'bool'],
    ['orders', 'intent', 'str'],
    ['orders', 'category', ['imaging', 'radiology']],
    ['orders', 'priority', ['stat', 'whenever']],
    ['orders', 'code', 'concept'],
    ['orders', 'reasonText', 'str'],
    ['orders', 'note', 'str'],
    ['orders', 'statusReason', 'str'],
    ['orders', 'completedByResult', 'str'],
    ['pharmacySends', 'medicationId', 'str'],
    ['pharmacySends', 'pharmacyId', 'str'],
    ['pharmacySends', 'state', ['queued', 'lost']],
    ['pharmacySends', 'attempts', [0, -1]],
    ['pharmacySends', 'permanent', 'bool'],
    ['pharmacySends', 'heldAlerts', 'list'],
    ['pharmacySends', 'sendOverrides', 'list'],
    ['pharmacySends', 'lastError', 'str'],
    ['attachments', 'title', 'str'],
    ['attachments', 'contentType', 'str'],
    ['attachments', 'size', [0, 1.5]],
    ['attachments', 'size', [12, -1]],
    ['careTeam', 'id', 'str'],
    ['careTeam', 'createdAt', 'str'],
    ['careTeam', 'createdBy', 'str'],
    ['careTeam', 'updatedAt', 'str'],
    ['careTeam', 'updatedBy', 'str'],
    ['careTeam', 'enteredInErrorAt', 'str'],
    ['careTeam', 'enteredInErrorBy', 'str'],
    ['reminderDismissals', 'withdrawnBy', 'str'],
    ['allergyStatements', 'endedAt', 'str'],
    ['attachments', 'sha256', 'str'],
    ['attachments', 'uploaded', 'bool'],
    ['allergyStatements', 'endedReason', 'str'],
    ['careTeam', 'name', 'str'],
    ['careTeam', 'role', 'str'],
    ['careTeam', 'userId', 'str'],
    ['reminderDismissals', 'reminderId', 'str'],
    ['reminderDismissals', 'reason', 'str'],
    ['reminderDismissals', 'until', 'str'],
    ['careTeam', 'status', 'str'],
    ['careTeam', 'verificationStatus', 'str'],
    ['careTeam', 'clinicalStatus', 'str'],
    ['careTeam', 'encounterId', 'str'],
    ['careTeam', 'resourceType', 'str'],
    ['allergies', 'sourceId', 'str'],
    ['careTeam', 'enteredInErrorReason', 'str']
  ];

  it.each(TABLE)('%s.%s: its kind of value is kept, another refused', (root, field, kind) => {
    const [good, bad] = typeof kind === 'string' ? kinds[kind] : kind;
    const entry = (v: unknown) => (doc: Y.Doc) => doc.getMap(root).set('x1', ymap({ id: 'x1', [field]: v }));
    const ok = write(liveDoc(), importer, entry(good));
    expect(ok.violations.filter((v) => v.includes('field-type'))).toEqual([]);
    const o = write(liveDoc(), importer, entry(bad));
    expect(o.verdict!.violations.filter((v) => v.rule === 'structure.field-type')).toEqual([
      { rule: 'structure.field-type', action: 'refuse', at: `${root}/x1/${field}`, message: `The field ${field} does not hold the kind of value the record keeps` }
    ]);
  });

  it('the schedule’s appointments are typed; its settings are whole values', () => {
    const live = liveDoc('schedule');
    expect(write(live, desk, (doc) => doc.getMap('appointments').set('ap1', ymap({ id: 'ap1', providerId: 'p1', start: EARLIER, mode: 'in-person' }))).violations).toEqual([]);
    expect(write(liveDoc('schedule'), desk, (doc) => doc.getMap('appointments').set('ap1', ymap({ id: 'ap1', providerId: 1 }))).violations).toEqual(['refuse:structure.field-type@appointments/ap1/providerId']);
    const type = (minutes: number) => (doc: Y.Doc) => doc.getMap('appointmentTypes').set('t1', { id: 't1', name: 'Visit', mode: 'in-person', minutes });
    expect(write(liveDoc('schedule'), desk, type(5)).violations).toEqual([]);
    const o = write(liveDoc('schedule'), desk, type(4));
    expect(o.violations).toEqual(['refuse:structure.field-type@appointmentTypes/t1']);
    expect(messages(o)).toEqual(['Not a valid schedule setting']);
    expect(write(liveDoc('schedule'), desk, (doc) => doc.getMap('availability').set('p1', { providerId: 'p1', timeZone: 'Africa/Nairobi', weekly: [] })).violations).toEqual([]);
    expect(write(liveDoc('schedule'), desk, (doc) => doc.getMap('availability').set('p1', { providerId: 'p1', timeZone: 'Mars/Base', weekly: [] })).violations).toEqual(['refuse:structure.field-type@availability/p1']);
    // A setting removed is judged by no-delete only.
    const kept = liveDoc('schedule');
    seed(kept, type(30));
    expect(write(kept, desk, (doc) => doc.getMap('appointmentTypes').delete('t1')).violations).toEqual(['refuse:record.no-delete@appointmentTypes/t1']);
  });

  it('field edit records are checked whole', () => {
    const edit = { id: 'e1', field: 'reaction', value: 'Hives', by: 'Dr Amani', at: EARLIER };
    const live = liveDoc();
    seed(live, (doc) => doc.getMap('allergies').set('a1', ymap({ id: 'a1', reaction: 'Rash' })));
    expect(write(live, doctor, (doc) => entryMap(doc, 'allergies', 'a1').set('edit:e1', edit)).violations).toEqual([]);
    const o = write(live, doctor, (doc) => entryMap(doc, 'allergies', 'a1').set('edit:e2', { ...edit, id: 'e2', value: 3 }));
    expect(o.violations).toEqual(['refuse:structure.field-type@allergies/a1/edit:e2']);
    expect(messages(o)).toEqual(['A field edit record is malformed']);
  });

  it('an existing entry’s changed field is typed; fields nobody names, nested changes and a demographics review are not', () => {
    const live = liveDoc();
    seed(live, (doc) => doc.getMap('allergies').set('a1', ymap({ id: 'a1', reaction: 'Rash', extra: ymap({ reaction: 'x' }) })));
    expect(write(live, doctor, (doc) => entryMap(doc, 'allergies', 'a1').set('reaction', 4)).violations).toEqual(['refuse:structure.field-type@allergies/a1/reaction']);
    expect(write(live, doctor, (doc) => entryMap(doc, 'allergies', 'a1').set('futureField', 4)).violations).toEqual([]);
    expect(write(live, doctor, (doc) => (entryMap(doc, 'allergies', 'a1').get('extra') as Y.Map<unknown>).set('reaction', 4)).violations).toEqual([]);
    expect(write(liveDoc('patient'), desk, (doc) => doc.getMap('demographicsReview').set('r1', ymap({ id: 'r1', status: 4 }))).violations).toEqual([]);
  });
});
