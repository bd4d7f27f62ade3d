import { PDFDocument, StandardFonts } from 'pdf-lib';
import { printedTransfer } from '../fhir/export/transfer-print';
import { longDate, MUTED, stampPages, TEAL, Writer } from './visit-summary-pdf';

/**
 * The International Patient Summary as a readable PDF for the patient: the
 * very document the JSON download holds (GET /api/portal/records/<id>/summary,
 * already without the results the clinic's release policy holds), read back
 * section by section (fhir/export/transfer-print.ts, the printed transfer's
 * reader) and laid out as the visit summary prints (visit-summary-pdf.ts).
 * Nothing is looked up elsewhere: the paper says what the FHIR file says.
 * The one addition is the line saying how many results are still waiting
 * for a clinician's review, which the caller passes in its own words.
 */
export interface SummaryPdfOptions {
  /** "2 results are waiting for your clinician's review", or absent when none are. */
  waitingLine?: string;
  printedAt?: Date;
}

/** An ISO date or date-time cell as a long date; any other cell as it is. */
function cell(value: string): string {
  return /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(value) ? longDate(value) : value;
}

export async function patientSummaryPdf(bundle: Record<string, unknown>, opts: SummaryPdfOptions = {}): Promise<Uint8Array> {
  const doc = printedTransfer(bundle);
  const pdf = await PDFDocument.create();
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const printedAt = opts.printedAt ?? new Date();
  pdf.setTitle(`Patient summary — ${doc.from}`);
  pdf.setSubject('International Patient Summary');
  pdf.setAuthor(doc.from);
  pdf.setCreator('Outpost');
  pdf.setProducer('Outpost (pdf-lib)');
  pdf.setCreationDate(printedAt);
  pdf.setModificationDate(printedAt);

  const w = new Writer(pdf, regular, bold);
  w.text(doc.from, { font: bold, size: 11, color: TEAL });
  w.text('Patient summary', { font: bold, size: 20, gapAfter: 8 });
  w.facts([
    ['Patient', doc.patient.name],
    ['Date of birth', longDate(doc.patient.birthDate)],
    ...(doc.patient.identifiers.length ? ([['Record number', doc.patient.identifiers.join(', ')]] as [string, string][]) : []),
    ['Summary made', longDate(doc.date)]
  ]);
  for (const s of doc.sections) {
    const waiting = s.title === 'Results' ? opts.waitingLine : undefined;
    w.heading(s.title);
    // "No results recorded" above "2 results are waiting" would contradict itself.
    if (s.empty && !waiting) w.paragraph(`No ${s.title.toLowerCase()} recorded.`);
    for (const row of s.rows) {
      const detail = row
        .slice(1)
        .map((v, i) => (v ? `${s.headers[i + 1]}: ${cell(v)}` : ''))
        .filter(Boolean)
        .join(' · ');
      w.bullet(row[0] || '—', detail);
    }
    if (waiting) w.paragraph(waiting, { color: MUTED });
  }
  w.space(10);
  w.paragraph('This summary lists what your clinic recorded. If something is wrong or missing, tell the clinic.', { size: 9.5, color: MUTED });

  stampPages(pdf, regular, `International Patient Summary from ${doc.from} · Printed ${longDate(printedAt.toISOString())}`);
  // No object streams: PDF 1.4 structure every viewer and printer driver reads.
  return pdf.save({ useObjectStreams: false });
}
