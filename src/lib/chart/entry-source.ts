import * as Y from 'yjs';

/**
 * Where an imported chart entry came from, for the small "From <source>,
 * <date>" line under it: the sending organization when the record named one
 * (a transfer), else the sending system's host (a FHIR import names its
 * system, e.g. http://hospital.smarthealthit.org); the date the sender put
 * the record together when known, else the day it arrived here; who
 * recorded it there when given. Null for an entry recorded in Outpost.
 */
export interface EntrySource {
  from: string;
  date: string;
  author?: string;
}

function hostOf(system: string): string {
  if (system.startsWith('urn:outpost:clinic:')) return 'another Outpost clinic';
  try {
    const u = new URL(system);
    return u.host || system;
  } catch {
    return system;
  }
}

export function entrySource(doc: Y.Doc, collection: string, id: string): EntrySource | null {
  const e = doc.getMap(collection).get(id);
  if (!(e instanceof Y.Map)) return null;
  const s = (k: string) => (typeof e.get(k) === 'string' ? (e.get(k) as string) : '');
  if (!s('sourceId')) return null;
  const system = s('sourceSystem');
  const from = s('sourceName') || (system && !system.startsWith('urn:outpost:import:') ? hostOf(system) : 'an imported record');
  const date = (s('sourceDate') || s('createdAt')).slice(0, 10);
  return { from, date, ...(s('sourceAuthor') ? { author: s('sourceAuthor') } : {}) };
}

/** The line as shown; `formatDate` turns the ISO day into the app's date format. */
export function sourceLine(src: EntrySource, formatDate: (isoDay: string) => string = (d) => d): string {
  return `From ${src.from}${src.date ? `, ${formatDate(src.date)}` : ''}${src.author ? ` (recorded by ${src.author})` : ''}`;
}
