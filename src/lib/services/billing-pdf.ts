import { PDFDocument, StandardFonts } from 'pdf-lib';
import { formatAmount, type CashReport, type LedgerEntry } from '../domain/billing';
import type { Language } from '../domain/languages';
import { m } from '../paraglide/messages';
import { MARGIN, MUTED, plain, TEAL, Writer } from './visit-summary-pdf';

/**
 * The desk's printouts, made on the device (they print with no network):
 * a receipt for one payment, and the day's cash report. In the language of
 * the person printing (the caller passes the screens' language): labels
 * from the billing messages, dates and amounts formatted for that locale
 * (English dates as "12 March 2026", as the other printouts write them);
 * amounts in the clinic's currency, never rounded through a float.
 */

type Options = { locale: Language };

const METHOD: Record<string, (o: Options) => string> = {
  cash: (o) => m.billing_method_cash({}, o),
  card: (o) => m.billing_method_card({}, o),
  'mobile-money': (o) => m.billing_method_mobile({}, o)
};

/** The locale dates are written in: British English for English (day before month, no 03/12 vs 12/03). */
const dateLocale = (locale: Language) => (locale === 'en' ? 'en-GB' : locale);

/** "12 March 2026", "12 de marzo de 2026", "12 mars 2026", "12 Machi 2026". */
export function longDateIn(iso: string, locale: Language): string {
  const d = new Date(iso.length === 10 ? `${iso}T12:00:00` : iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(dateLocale(locale), { day: 'numeric', month: 'long', year: 'numeric' });
}

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
  /** The language of the person printing. */
  locale: Language;
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
  const o: Options = { locale: r.locale };
  const { pdf, regular, bold, w } = await start(m.billing_pdf_receipt_doc({ clinic: r.clinicName }, o), printedAt);
  const money = (minor: number) => formatAmount(minor, r.payment.currency, r.locale);
  const time = new Date(r.payment.createdAt).toLocaleTimeString(dateLocale(r.locale), { hour: '2-digit', minute: '2-digit', hour12: false });
  w.text(r.clinicName, { font: bold, size: 11, color: TEAL });
  w.text(m.billing_pdf_receipt_title({}, o), { font: bold, size: 20, gapAfter: 8 });
  w.facts([
    [m.billing_pdf_receipt_number({}, o), receiptNumber(r.payment.id)],
    [m.billing_pdf_date({}, o), `${longDateIn(r.payment.createdAt, r.locale)}, ${time}`],
    [m.billing_pdf_patient({}, o), r.patientName],
    [m.billing_pdf_record_number({}, o), r.mrn],
    [m.billing_pdf_amount_paid({}, o), money(r.payment.amount)],
    [m.billing_pdf_paid_by({}, o), METHOD[r.payment.method ?? '']?.(o) ?? ''],
    ...(r.payment.reference ? ([[m.billing_pdf_reference({}, o), r.payment.reference]] as [string, string][]) : []),
    [m.billing_pdf_received_by({}, o), r.payment.createdBy],
    [m.billing_pdf_balance_after({}, o), r.balanceDue < 0 ? m.billing_pdf_in_credit({ amount: money(-r.balanceDue) }, o) : money(r.balanceDue)]
  ]);
  w.space(10);
  w.paragraph(m.billing_pdf_thanks({}, o), { size: 9.5, color: MUTED });
  return finish(pdf, regular, m.billing_pdf_printed({ date: longDateIn(printedAt.toISOString(), r.locale) }, o));
}

export interface CashReportInput {
  /** The language of the person printing. */
  locale: Language;
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
  const o: Options = { locale: c.locale };
  const { pdf, regular, bold, w } = await start(m.billing_pdf_cash_doc({ clinic: c.clinicName }, o), printedAt);
  const money = (minor: number) => formatAmount(minor, c.currency, c.locale);
  w.text(c.clinicName, { font: bold, size: 11, color: TEAL });
  w.text(m.billing_cash_title({}, o), { font: bold, size: 20 });
  w.text(longDateIn(c.day, c.locale), { size: 12, gapAfter: 8 });
  const rows = (lines: CashReport['byMethod'], label: (k: string) => string) =>
    lines.map((l) => [label(l.key), m.billing_pdf_line({ net: money(l.net), count: l.count, taken: money(l.taken), reversed: money(l.reversed) }, o)] as [string, string]);
  w.heading(m.billing_cash_by_method({}, o));
  if (c.report.byMethod.length === 0) w.paragraph(m.billing_pdf_no_payments({}, o));
  else w.facts(rows(c.report.byMethod, (k) => METHOD[k]?.(o) ?? k));
  w.heading(m.billing_cash_by_user({}, o));
  if (c.report.byUser.length === 0) w.paragraph(m.billing_pdf_no_payments({}, o));
  else w.facts(rows(c.report.byUser, (k) => k));
  w.heading(m.billing_pdf_total({}, o));
  w.facts([
    [m.billing_pdf_payments_taken({}, o), money(c.report.total.taken)],
    [m.billing_cash_reversed({}, o), money(c.report.total.reversed)],
    [m.billing_cash_net({}, o), money(c.report.total.net)]
  ]);
  return finish(pdf, regular, m.billing_pdf_printed_by({ name: c.printedBy, date: longDateIn(printedAt.toISOString(), c.locale) }, o));
}
