import { PDFDocument, StandardFonts } from 'pdf-lib';
import { formatAmount, type CashReport, type LedgerEntry } from '../domain/billing';
import { longDate, MARGIN, MUTED, plain, TEAL, Writer } from './visit-summary-pdf';

/**
 * The desk's printouts, made on the device (they print with no network):
 * a receipt for one payment, and the day's cash report. English, like the
 * other printouts; amounts in the clinic's currency, never rounded through
 * a float.
 */

const METHOD: Record<string, string> = { cash: 'Cash', card: 'Card', 'mobile-money': 'Mobile money' };

/** A receipt's number: the payment's id, short and unambiguous enough to read out. */
export function receiptNumber(entryId: string): string {
  return entryId.replace(/-/g, '').slice(0, 10).toUpperCase();
}

async function start(title: string, printedAt: Date) {
  const pdf = await PDFDocument.create();
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  pdf.setTitle(title);
  pdf.setCreator('Outpost');
  pdf.setProducer('Outpost (pdf-lib)');
  pdf.setCreationDate(printedAt);
  pdf.setModificationDate(printedAt);
  return { pdf, regular, bold, w: new Writer(pdf, regular, bold) };
}

function finish(pdf: PDFDocument, regular: Awaited<ReturnType<typeof start>>['regular'], footer: string): Promise<Uint8Array> {
  for (const page of pdf.getPages()) page.drawText(plain(footer, regular), { x: MARGIN, y: 30, size: 8, font: regular, color: MUTED });
  return pdf.save({ useObjectStreams: false });
}

export interface ReceiptInput {
  clinicName: string;
  patientName: string;
  mrn: string;
  payment: LedgerEntry;
  /** What the patient still owes after this payment (negative: owed back). */
  balanceDue: number;
  printedAt?: Date;
}

export async function receiptPdf(r: ReceiptInput): Promise<Uint8Array> {
  const printedAt = r.printedAt ?? new Date();
  const { pdf, regular, bold, w } = await start(`Receipt — ${r.clinicName}`, printedAt);
  const money = (minor: number) => formatAmount(minor, r.payment.currency, 'en');
  w.text(r.clinicName, { font: bold, size: 11, color: TEAL });
  w.text('Payment receipt', { font: bold, size: 20, gapAfter: 8 });
  w.facts([
    ['Receipt number', receiptNumber(r.payment.id)],
    ['Date', `${longDate(r.payment.createdAt)}, ${new Date(r.payment.createdAt).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })}`],
    ['Patient', r.patientName],
    ['Record number', r.mrn],
    ['Amount paid', money(r.payment.amount)],
    ['Paid by', METHOD[r.payment.method ?? ''] ?? ''],
    ...(r.payment.reference ? ([['Reference', r.payment.reference]] as [string, string][]) : []),
    ['Received by', r.payment.createdBy],
    ['Balance after this payment', r.balanceDue < 0 ? `${money(-r.balanceDue)} in credit` : money(r.balanceDue)]
  ]);
  w.space(10);
  w.paragraph('Thank you. Keep this receipt: the clinic can look the payment up by its number.', { size: 9.5, color: MUTED });
  return finish(pdf, regular, `Printed ${longDate(printedAt.toISOString())}`);
}

export interface CashReportInput {
  clinicName: string;
  /** YYYY-MM-DD */
  day: string;
  currency: string;
  report: CashReport;
  printedBy: string;
  printedAt?: Date;
}

export async function cashReportPdf(c: CashReportInput): Promise<Uint8Array> {
  const printedAt = c.printedAt ?? new Date();
  const { pdf, regular, bold, w } = await start(`Daily cash report — ${c.clinicName}`, printedAt);
  const money = (minor: number) => formatAmount(minor, c.currency, 'en');
  w.text(c.clinicName, { font: bold, size: 11, color: TEAL });
  w.text('Daily cash report', { font: bold, size: 20 });
  w.text(longDate(c.day), { size: 12, gapAfter: 8 });
  const rows = (lines: CashReport['byMethod'], label: (k: string) => string) =>
    lines.map((l) => [label(l.key), `${money(l.net)}  (${l.count} taken ${money(l.taken)}, reversed ${money(l.reversed)})`] as [string, string]);
  w.heading('By method');
  if (c.report.byMethod.length === 0) w.paragraph('No payments this day.');
  else w.facts(rows(c.report.byMethod, (k) => METHOD[k] ?? k));
  w.heading('By person');
  if (c.report.byUser.length === 0) w.paragraph('No payments this day.');
  else w.facts(rows(c.report.byUser, (k) => k));
  w.heading('Total');
  w.facts([
    ['Payments taken', money(c.report.total.taken)],
    ['Reversed', money(c.report.total.reversed)],
    ['Drawer total', money(c.report.total.net)]
  ]);
  return finish(pdf, regular, `Printed by ${c.printedBy} on ${longDate(printedAt.toISOString())}`);
}
