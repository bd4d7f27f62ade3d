import { expect, test } from 'vitest';
import * as Y from 'yjs';
import { initMessagesDoc, listThreads, startStaffConversation } from './messages-doc';

const nurse = { id: 'u-nurse', name: 'Nurse Wanjiru' };

test('a conversation staff start holds the staff thread and its first message', () => {
  const doc = new Y.Doc();
  initMessagesDoc(doc, 'p1');
  const id = startStaffConversation(doc, { topic: '  Your blood test ', text: 'Please come in this week.' }, nurse, { threadId: 't1', messageId: 'm1' }, '2026-12-01T09:00:00.000Z');
  expect(id).toBe('t1');
  const [t] = listThreads(doc);
  expect([t.id, t.topic, t.startedByKind, t.startedAt]).toEqual(['t1', 'Your blood test', 'staff', '2026-12-01T09:00:00.000Z']);
  expect(t.messages.map((m) => [m.id, m.text, m.authorKind, m.sentBy])).toEqual([['m1', 'Please come in this week.', 'staff', 'Nurse Wanjiru']]);
  expect((doc.getMap('threads').get('t1') as Y.Map<unknown>).get('startedById')).toBe('u-nurse');
});

test('written together or not at all: an empty message or topic leaves no thread behind, in one update', () => {
  const doc = new Y.Doc();
  initMessagesDoc(doc, 'p1');
  let updates = 0;
  doc.on('update', () => updates++);
  expect(() => startStaffConversation(doc, { topic: 'Your blood test', text: '   ' }, nurse)).toThrow('Write your message');
  expect(() => startStaffConversation(doc, { topic: '', text: 'Hello' }, nurse)).toThrow('Say what the message is about');
  expect(listThreads(doc)).toEqual([]);
  expect(updates).toBe(0);
  startStaffConversation(doc, { topic: 'Reminder', text: 'Bring your card.' }, nurse);
  expect(updates).toBe(1);
});
