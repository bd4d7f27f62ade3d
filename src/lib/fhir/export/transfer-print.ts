import { HEADERS, IPS_SECTIONS, rowOf, type SectionKey } from './patient-summary';

/**
 * The printed transfer: the transfer document (a FHIR `document` Bundle
 * whose Composition lists the IPS sections, the past illnesses, the reason
 * for referral and the chosen notes; server/transfer/transfer-bundle.ts)
 * read back into what a person reads on paper. Sections keep the
 * Composition's order; each lists the resources its entries reference, in
 * the same columns as the summary's narrative (patient-summary.ts). Only
 * data from the document itself: nothing is looked up elsewhere, so the
 * paper says exactly what the QR code's link carries. Pure: no DOM.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface PrintedTransfer {
  patient: { name: string; birthDate: string; gender: string; identifiers: string[] };
  from: string;
  /** When the document was put together (ISO). */
  date: string;
  reason: string;
  sections: { title: string; headers: string[]; rows: string[][]; empty: boolean }[];
  notes: { title: string; date: string; text: string }[];
}

const LOINC_KEY: Record<string, SectionKey> = Object.fromEntries(IPS_SECTIONS.map((s) => [s.code, s.key]));
/** History of past illness lists Conditions, in the problem list's columns. */
LOINC_KEY['11348-0'] = 'problems';
const REASON = '42349-1';
const NOTES = '34109-9';

const codeOf = (c: unknown): string | undefined => (c as Json | undefined)?.coding?.[0]?.code;

function decodeBase64Utf8(data: string): string {
  const bin = atob(data);
  const bytes = Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

function humanName(p: Json): string {
  const n = (p.name as Json[] | undefined)?.[0];
  if (!n) return '';
  return n.text ?? [...((n.given as string[] | undefined) ?? []), n.family].filter(Boolean).join(' ');
}

export function printedTransfer(bundle: Json): PrintedTransfer {
  const entries = (bundle.entry as { resource: Json }[] | undefined) ?? [];
  const byRef = new Map(entries.map((e) => [`${e.resource.resourceType}/${e.resource.id}`, e.resource]));
  const composition = entries.find((e) => e.resource.resourceType === 'Composition')?.resource;
  if (!composition) throw new Error('The transfer document has no Composition');
  const patient = entries.find((e) => e.resource.resourceType === 'Patient')?.resource ?? {};
  const author = byRef.get(String(composition.author?.[0]?.reference ?? ''));
  const resolve = (section: Json): Json[] => ((section.entry as { reference: string }[] | undefined) ?? []).map((r) => byRef.get(r.reference)).filter((r): r is Json => !!r);

  const sections: PrintedTransfer['sections'] = [];
  const notes: PrintedTransfer['notes'] = [];
  let reason = '';
  for (const section of (composition.section as Json[] | undefined) ?? []) {
    const code = codeOf(section.code) ?? '';
    if (code === REASON) {
      reason = resolve(section).map((r) => (r.reasonCode as Json[] | undefined)?.map((c) => c.text).join('; ') ?? '').join('; ');
      continue;
    }
    if (code === NOTES) {
      for (const d of resolve(section)) {
        const a = d.content?.[0]?.attachment as Json | undefined;
        notes.push({ title: String(d.description ?? a?.title ?? 'Note'), date: String(d.date ?? ''), text: a?.data ? decodeBase64Utf8(String(a.data)) : '' });
      }
      continue;
    }
    const key = LOINC_KEY[code];
    if (!key) continue;
    const rows = resolve(section).map((r) => rowOf(key, r));
    sections.push({ title: String(section.title ?? ''), headers: HEADERS[key], rows, empty: rows.length === 0 });
  }
  return {
    patient: {
      name: humanName(patient),
      birthDate: String(patient.birthDate ?? ''),
      gender: String(patient.gender ?? ''),
      identifiers: [...new Set(((patient.identifier as Json[] | undefined) ?? []).map((i) => String(i.value ?? '')).filter(Boolean))]
    },
    from: String(author?.name ?? composition.author?.[0]?.display ?? ''),
    date: String(composition.date ?? bundle.timestamp ?? ''),
    reason,
    sections,
    notes
  };
}
