import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import type * as Y from 'yjs';
import { listEncounters, signedNote } from '../chart/chart-doc';
import { chartSummary } from '../chart/chart-summary';
import { listObservations } from '../chart/clinical-doc';
import { readPatient } from '../chart/patient-doc';
import { AppError } from '../domain/errors';
import { VITAL_KINDS, VITAL_LABEL, formatReading, vitalSeries } from '../domain/vitals';

/**
 * The printable visit summary a patient takes home (an after-visit
 * summary): who was seen, when and by whom, why, what the clinician found
 * and planned (from the signed note and its addenda), the medicines and
 * allergies on record, and the measurements taken that day. Built in the
 * browser from the documents on the device, so it prints with no network.
 * Only a signed note is summarised: a draft may still change.
 */
export interface VisitSummary {
  clinicName: string;
  patientName: string;
  birthDate: string;
  visitDate: string;
  visitType: string;
  reason: string;
  clinician: string;
  signedAt: string;
  assessment: string;
  plan: string;
  addenda: { at: string; by: string; text: string }[];
  medications: { name: string; instructions: string }[];
  allergies: { substance: string; reaction: string; severity: string }[];
  /** "No known allergies" stated, or no allergy information recorded: said in words, never left blank. */
  allergyNote: string;
  vitals: { label: string; value: string }[];
}

/** Reads what the summary shows from the patient's two documents. Throws AppError when the visit is missing or unsigned. */
export function visitSummaryOf(patientDoc: Y.Doc, chartDoc: Y.Doc, encounterId: string, clinicName: string): VisitSummary {
  const patient = readPatient(patientDoc);
  const visit = listEncounters(chartDoc).find((e) => e.id === encounterId);
  if (!patient || !visit) throw new AppError('not-found', 'This visit is not in the chart on this device');
  if (visit.status === 'entered-in-error') throw new AppError('conflict', 'This visit was entered in error; there is no summary to print');
  const note = signedNote(chartDoc, encounterId);
  if (!note) throw new AppError('conflict', 'Sign the note before printing a visit summary: a draft may still change');
  const summary = chartSummary(chartDoc);
  const day = visit.start.slice(0, 10);
  const series = vitalSeries(listObservations(chartDoc).filter((o) => o.encounterId === encounterId || o.effectiveDateTime.slice(0, 10) === day));
  return {
    clinicName: clinicName || 'Outpost clinic',
    patientName: [patient.given.join(' '), patient.family].filter(Boolean).join(' '),
    birthDate: patient.birthDate,
    visitDate: visit.start,
    visitType: visit.type || 'Visit',
    reason: visit.reason,
    clinician: note.signature.by,
    signedAt: note.signature.at,
    assessment: note.record.assessment.trim(),
    plan: note.record.plan.trim(),
    addenda: note.addenda.map((a) => ({ at: a.at, by: a.by, text: a.text.trim() })),
    medications: summary.medications.map((m) => ({ name: m.medicationCodeableConcept.text, instructions: m.dosageText })),
    allergies: summary.allergies.map((a) => ({ substance: a.code.text, reaction: a.reaction, severity: a.severity })),
    allergyNote:
      summary.allergyStatus.kind === 'no-known-allergies'
        ? 'No known allergies.'
        : summary.allergies.length === 0
          ? 'No allergy information recorded. Tell your clinician about any allergies.'
          : '',
    vitals: VITAL_KINDS.flatMap((k) => {
      const last = series[k].at(-1);
      return last ? [{ label: VITAL_LABEL[k], value: formatReading(last) }] : [];
    })
  };
}

// ── Layout ───────────────────────────────────────────────────────────────

const PAGE = { width: 612, height: 792 }; // US Letter, in points
export const MARGIN = 54;
const INK = rgb(0.106, 0.141, 0.129);
export const MUTED = rgb(0.435, 0.486, 0.467);
export const TEAL = rgb(0.059, 0.361, 0.302);

/** Replacements for characters the standard PDF fonts (WinAnsi) cannot draw. */
const PLAIN: Record<string, string> = { '₂': '2', '≥': '>=', '≤': '<=', '→': '->', '\t': '  ', '\u00a0': ' ', '\u202f': ' ' };

export interface PdfOptions {
  /** When the summary was printed (default now). */
  printedAt?: Date;
}

/** Renders the summary as a PDF (US Letter, standard fonts, selectable text). */
export async function visitSummaryPdf(s: VisitSummary, opts: PdfOptions = {}): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const printedAt = opts.printedAt ?? new Date();
  pdf.setTitle(`Visit summary — ${s.clinicName}`);
  pdf.setSubject('After-visit summary for the patient');
  pdf.setAuthor(s.clinicName);
  pdf.setCreator('Outpost');
  pdf.setProducer('Outpost (pdf-lib)');
  pdf.setCreationDate(printedAt);
  pdf.setModificationDate(printedAt);

  const w = new Writer(pdf, regular, bold);
  w.text(s.clinicName, { font: bold, size: 11, color: TEAL });
  w.text('Visit summary', { font: bold, size: 20, gapAfter: 8 });
  w.facts([
    ['Patient', s.patientName],
    ['Date of birth', longDate(s.birthDate)],
    ['Visit', `${s.visitType}, ${longDate(s.visitDate)}`],
    ['Clinician', s.clinician],
    ...(s.reason ? ([['Reason for visit', s.reason]] as [string, string][]) : [])
  ]);
  w.section('What we found', s.assessment || 'Nothing recorded.');
  w.section('Plan', s.plan || 'Nothing recorded.');
  if (s.addenda.length > 0) {
    w.heading('Added after the visit');
    for (const a of s.addenda) {
      w.text(`${longDate(a.at)}, ${a.by}`, { font: bold, size: 9.5, color: MUTED });
      w.paragraph(a.text);
    }
  }
  w.heading('Your medicines');
  if (s.medications.length === 0) w.paragraph('No medicines on record.');
  for (const m of s.medications) w.bullet(m.name, m.instructions);
  w.heading('Allergies');
  if (s.allergyNote) w.paragraph(s.allergyNote);
  for (const a of s.allergies) w.bullet(a.substance, [a.reaction, a.severity && `${a.severity} reaction`].filter(Boolean).join(', '));
  w.heading('Measurements at this visit');
  if (s.vitals.length === 0) w.paragraph('None recorded at this visit.');
  else w.facts(s.vitals.map((v) => [v.label, v.value]));
  w.space(10);
  w.paragraph('If your symptoms get worse or you are worried, contact the clinic. In an emergency, call your local emergency number.', {
    size: 9.5,
    color: MUTED
  });

  stampPages(pdf, regular, `Signed by ${s.clinician} on ${longDate(s.signedAt)} · Printed ${longDate(printedAt.toISOString())}`);
  // No object streams: PDF 1.4 structure every viewer and printer driver reads.
  return pdf.save({ useObjectStreams: false });
}

/** The footer line and "Page i of n" on every page. */
export function stampPages(pdf: PDFDocument, font: PDFFont, footer: string): void {
  const pages = pdf.getPages();
  pages.forEach((page, i) => {
    page.drawText(plain(footer, font), { x: MARGIN, y: 30, size: 8, font, color: MUTED });
    const n = `Page ${i + 1} of ${pages.length}`;
    page.drawText(n, { x: PAGE.width - MARGIN - font.widthOfTextAtSize(n, 8), y: 30, size: 8, font, color: MUTED });
  });
}

interface TextStyle {
  font?: PDFFont;
  size?: number;
  color?: ReturnType<typeof rgb>;
  indent?: number;
  gapAfter?: number;
}

/** Top-to-bottom text flow with word wrap and new pages as needed. */
export class Writer {
  #page: PDFPage;
  #y: number;
  readonly #pdf: PDFDocument;
  readonly #regular: PDFFont;
  readonly #bold: PDFFont;

  constructor(pdf: PDFDocument, regular: PDFFont, bold: PDFFont) {
    this.#pdf = pdf;
    this.#regular = regular;
    this.#bold = bold;
    this.#page = pdf.addPage([PAGE.width, PAGE.height]);
    this.#y = PAGE.height - MARGIN;
  }

  space(points: number): void {
    this.#y -= points;
  }

  text(value: string, style: TextStyle = {}): void {
    const font = style.font ?? this.#regular;
    const size = style.size ?? 10.5;
    const indent = style.indent ?? 0;
    for (const line of wrap(plain(value, font), font, size, PAGE.width - 2 * MARGIN - indent)) {
      this.#need(size * 1.35);
      this.#page.drawText(line, { x: MARGIN + indent, y: this.#y - size, size, font, color: style.color ?? INK });
      this.#y -= size * 1.35;
    }
    this.#y -= style.gapAfter ?? 0;
  }

  paragraph(value: string, style: TextStyle = {}): void {
    for (const para of value.split(/\n+/)) this.text(para, style);
    this.#y -= 4;
  }

  heading(value: string): void {
    this.#need(40);
    this.#y -= 10;
    this.text(value, { font: this.#bold, size: 12.5, color: TEAL, gapAfter: 3 });
  }

  section(title: string, body: string): void {
    this.heading(title);
    this.paragraph(body);
  }

  bullet(title: string, detail: string): void {
    this.text(`•  ${title}`, { font: this.#bold, size: 10.5 });
    if (detail) this.text(detail, { indent: 12, color: INK });
    this.#y -= 2;
  }

  /** Label–value rows in two columns. */
  facts(rows: readonly (readonly [string, string])[]): void {
    const size = 10.5;
    for (const [label, value] of rows) {
      const lines = wrap(plain(value, this.#regular), this.#regular, size, PAGE.width - 2 * MARGIN - 120);
      this.#need(size * 1.4 * lines.length);
      this.#page.drawText(plain(label, this.#bold), { x: MARGIN, y: this.#y - size, size, font: this.#bold, color: MUTED });
      for (const line of lines) {
        this.#page.drawText(line, { x: MARGIN + 120, y: this.#y - size, size, font: this.#regular, color: INK });
        this.#y -= size * 1.4;
      }
    }
    this.#y -= 4;
  }

  #need(height: number): void {
    if (this.#y - height >= MARGIN + 24) return;
    this.#page = this.#pdf.addPage([PAGE.width, PAGE.height]);
    this.#y = PAGE.height - MARGIN;
  }
}

/** The text with every character the font cannot draw replaced, so a name in any script never breaks printing. */
export function plain(value: string, font: PDFFont): string {
  const supported = new Set(font.getCharacterSet());
  return Array.from(value.normalize('NFC'), (ch) => {
    if (PLAIN[ch] !== undefined) return PLAIN[ch];
    return supported.has(ch.codePointAt(0)!) ? ch : '?';
  }).join('');
}

function wrap(value: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of value.split(/ +/)) {
    const next = line ? `${line} ${word}` : word;
    if (font.widthOfTextAtSize(next, size) <= width || !line) {
      line = next;
      continue;
    }
    lines.push(line);
    line = word;
  }
  if (line) lines.push(line);
  return lines.length ? lines : [''];
}

/** "12 March 2026": unambiguous for a patient anywhere (no 03/12 vs 12/03). */
export function longDate(iso: string): string {
  const d = new Date(iso.length === 10 ? `${iso}T12:00:00` : iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' });
}
