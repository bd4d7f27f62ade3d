import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addMessage, initMessagesDoc, isMessagesDoc, listThreads, markClinicRead, markPatientRead, startThread } from '../chart/messages-doc';
import { readByClinic, sniffPhotoType, unreadFor } from './messages';

const patient = { id: 'u-patient', name: 'Patient' };
const nurse = { id: 'u-nurse', name: 'Nurse Joy' };

function conversation() {
  const doc = new Y.Doc();
  initMessagesDoc(doc, 'p1');
  const t1 = startThread(doc, { topic: '  Rash on my arm ', startedByKind: 'patient' }, patient, 't1', '2026-12-01T09:00:00.000Z');
  addMessage(doc, { threadId: t1, text: 'It is spreading.', authorKind: 'patient' }, patient, 'm1', '2026-12-01T09:00:00.000Z');
  const t2 = startThread(doc, { topic: 'Repeat prescription', startedByKind: 'patient' }, patient, 't2', '2026-12-02T09:00:00.000Z');
  addMessage(doc, { threadId: t2, text: 'Inhaler please.', authorKind: 'patient' }, patient, 'm2', '2026-12-02T09:00:00.000Z');
  addMessage(doc, { threadId: t1, text: 'Come on Friday.', authorKind: 'staff' }, nurse, 'm3', '2026-12-03T09:00:00.000Z');
  return doc;
}

describe('sniffPhotoType', () => {
  it('names JPEG and PNG from their first bytes, and nothing else', () => {
    expect(sniffPhotoType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0]))).toBe('image/jpeg');
    expect(sniffPhotoType(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('image/png');
    expect(sniffPhotoType(new TextEncoder().encode('GIF89a'))).toBeNull();
    expect(sniffPhotoType(new TextEncoder().encode('<svg onload=alert(1)>'))).toBeNull();
    expect(sniffPhotoType(new Uint8Array([0xff, 0xd8]))).toBeNull();
    expect(sniffPhotoType(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toBeNull();
  });
});

describe('messages document', () => {
  it('lists threads newest activity first, messages oldest first, topic trimmed', () => {
    const doc = conversation();
    expect(isMessagesDoc(doc)).toBe(true);
    const threads = listThreads(doc);
    expect(threads.map((t) => [t.id, t.topic, t.messages.map((m) => m.id)])).toEqual([
      ['t1', 'Rash on my arm', ['m1', 'm3']],
      ['t2', 'Repeat prescription', ['m2']]
    ]);
    expect(threads[0].messages[1]).toMatchObject({ authorKind: 'staff', sentBy: 'Nurse Joy', sentById: 'u-nurse', clinicReadAt: '', patientReadAt: '' });
  });

  it('counts what each side has not opened, and marks it read once', () => {
    const doc = conversation();
    let [t1, t2] = listThreads(doc);
    expect([unreadFor(t1, 'patient'), unreadFor(t1, 'staff'), unreadFor(t2, 'staff')]).toEqual([1, 1, 1]);
    expect(readByClinic(t1)).toBe(false);
    expect(markClinicRead(doc, 't1', nurse, '2026-12-03T10:00:00.000Z')).toBe(1);
    expect(markClinicRead(doc, 't1', { id: 'u-other', name: 'Other' }, '2026-12-04T10:00:00.000Z')).toBe(0);
    expect(markPatientRead(doc, 't1', '2026-12-03T11:00:00.000Z')).toBe(1);
    expect(markPatientRead(doc, 't1', '2026-12-05T11:00:00.000Z')).toBe(0);
    [t1, t2] = listThreads(doc);
    expect([unreadFor(t1, 'patient'), unreadFor(t1, 'staff'), unreadFor(t2, 'staff')]).toEqual([0, 0, 1]);
    expect(readByClinic(t1)).toBe(true);
    expect(t1.messages[0]).toMatchObject({ clinicReadAt: '2026-12-03T10:00:00.000Z', clinicReadBy: 'Nurse Joy' });
    expect(t1.messages[1].patientReadAt).toBe('2026-12-03T11:00:00.000Z');
  });

  it('refuses an empty or too-long text, an empty topic, a thread it does not hold and a reused id', () => {
    const doc = conversation();
    expect(() => addMessage(doc, { threadId: 't1', text: '   ', authorKind: 'staff' }, nurse)).toThrow('Write your message');
    expect(() => addMessage(doc, { threadId: 't1', text: 'a'.repeat(4001), authorKind: 'staff' }, nurse)).toThrow('A message is at most 4000 characters');
    expect(() => startThread(doc, { topic: ' ', startedByKind: 'patient' }, patient)).toThrow('Say what the message is about');
    expect(() => addMessage(doc, { threadId: 'nope', text: 'Hi', authorKind: 'staff' }, nurse)).toThrow('This conversation is not on this device');
    expect(() => addMessage(doc, { threadId: 't1', text: 'Hi', authorKind: 'staff' }, nurse, 'm1')).toThrow('A message with this id is already recorded');
    // Positive control: a proper reply is kept.
    addMessage(doc, { threadId: 't1', text: 'Hi', authorKind: 'staff' }, nurse, 'm9', '2026-12-06T09:00:00.000Z');
    expect(listThreads(doc)[0].messages.map((m) => m.id)).toEqual(['m1', 'm3', 'm9']);
  });
});
