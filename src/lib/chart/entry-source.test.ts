import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { entrySource, sourceLine } from './entry-source';

function docWith(fields: Record<string, unknown>): Y.Doc {
  const doc = new Y.Doc();
  const e = new Y.Map<unknown>();
  doc.getMap('allergies').set('a1', e);
  for (const [k, v] of Object.entries(fields)) e.set(k, v);
  return doc;
}

describe('where an entry came from', () => {
  it('a transferred entry names the clinic, the date it was sent and its author', () => {
    const doc = docWith({ sourceId: 'x', sourceSystem: 'urn:outpost:clinic:abc', sourceName: 'Hill Clinic', sourceDate: '2026-11-30T10:00:00Z', sourceAuthor: 'Dr Far', createdAt: '2026-12-01T08:00:00Z' });
    expect(sourceLine(entrySource(doc, 'allergies', 'a1')!)).toBe('From Hill Clinic, 2026-11-30 (recorded by Dr Far)');
  });

  it('an imported entry names the sending system’s host and the day it arrived', () => {
    const doc = docWith({ sourceId: 'x', sourceSystem: 'https://hospital.smarthealthit.org', createdAt: '2026-12-01T08:00:00Z' });
    expect(sourceLine(entrySource(doc, 'allergies', 'a1')!)).toBe('From hospital.smarthealthit.org, 2026-12-01');
  });

  it('an entry recorded here has no source line', () => {
    const doc = docWith({ createdAt: '2026-12-01T08:00:00Z', createdBy: 'Dr Here' });
    expect(entrySource(doc, 'allergies', 'a1')).toBeNull();
    expect(entrySource(doc, 'allergies', 'missing')).toBeNull();
  });
});
