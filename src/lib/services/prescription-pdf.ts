import { fill, popGraphicsState, PDFDocument, pushGraphicsState, rectangle, rgb, setFillingRgbColor, StandardFonts, type PDFFont, type PDFPage } from 'pdf-lib';
import QRCode from 'qrcode';
import { fhirMedicationRequestSchema, type FhirMedicationRequest } from './prescription-fhir';

/**
 * The printable prescription: one A5-ish page with what a pharmacist needs
 * to read (patient, drug, directions, quantity, refills, prescriber, date)
 * and a QR code carrying the same prescription as compact FHIR R4
 * MedicationRequest JSON, so a pharmacy system can scan it instead of
 * retyping. The QR is drawn as vector squares (no canvas, so it builds the
 * same in the browser, in Node and offline).
 */

/**
 * QR payload: the MedicationRequest trimmed to what a pharmacy needs to
 * dispense (structured timing, dose and code displays dropped; the
 * instruction text, drug code, quantity and refills kept), as JSON without
 * whitespace. It is still a valid MedicationRequest; a smaller code prints
 * with larger modules, which phone cameras read more reliably.
 */
export function compactForQr(request: FhirMedicationRequest): FhirMedicationRequest {
  return {
    ...request,
    medicationCodeableConcept: {
      text: request.medicationCodeableConcept.text,
      ...(request.medicationCodeableConcept.coding ? { coding: request.medicationCodeableConcept.coding.map((c) => ({ system: c.system, code: c.code })) } : {})
    },
    dosageInstruction: request.dosageInstruction.map((d) => ({ text: d.text })),
    detectedIssue: undefined
  };
}

export function prescriptionQrPayload(request: FhirMedicationRequest): string {
  return JSON.stringify(compactForQr(request));
}

/** Reads a scanned payload back; throws with the failing fields when it is not a valid prescription. */
export function parsePrescriptionQrPayload(text: string): FhirMedicationRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('The code does not hold a prescription');
  }
  const parsed = fhirMedicationRequestSchema.safeParse(value);
  if (!parsed.success) throw new Error(`The code does not hold a valid prescription: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return parsed.data;
}

/** The QR code's dark modules, row by row (true = dark). */
export function qrModules(payload: string): boolean[][] {
  const qr = QRCode.create(payload, { errorCorrectionLevel: 'M' });
  const { size, data } = qr.modules;
  return Array.from({ length: size }, (_, r) => Array.from({ length: size }, (_, c) => data[r * size + c] === 1));
}

/** Helvetica speaks WinAnsi only: anything else is replaced, never allowed to throw mid-print. */
function winAnsi(text: string): string {
  return text.replace(/[‐-―]/g, '-').replace(/[^\x20-\x7E\xA0-\xFF\u2018\u2019\u201C\u201D\u2022]/g, '?');
}

export interface PrintContext {
  clinicName: string;
  /** Printed in the footer: "Printed <date> by <name>". */
  printedBy: string;
  printedAt?: Date;
}

const PAGE = { width: 420, height: 595 };
const MARGIN = 32;

class Writer {
  y = PAGE.height - MARGIN;
  constructor(
    private readonly page: PDFPage,
    private readonly font: PDFFont,
    private readonly bold: PDFFont
  ) {}

  line(text: string, opts: { size?: number; bold?: boolean; gap?: number; color?: [number, number, number] } = {}): void {
    const size = opts.size ?? 10;
    const font = opts.bold ? this.bold : this.font;
    for (const part of wrap(winAnsi(text), font, size, PAGE.width - 2 * MARGIN)) {
      this.y -= size + 3;
      this.page.drawText(part, { x: MARGIN, y: this.y, size, font, color: rgb(...(opts.color ?? [0.1, 0.12, 0.12])) });
    }
    this.y -= opts.gap ?? 2;
  }

  label(name: string, value: string): void {
    this.line(name.toUpperCase(), { size: 7, color: [0.35, 0.4, 0.4], gap: 0 });
    this.line(value, { size: 11, gap: 6 });
  }

  rule(): void {
    this.y -= 4;
    this.page.drawLine({ start: { x: MARGIN, y: this.y }, end: { x: PAGE.width - MARGIN, y: this.y }, thickness: 0.6, color: rgb(0.7, 0.75, 0.75) });
    this.y -= 6;
  }
}

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    const next = line ? `${line} ${word}` : word;
    if (font.widthOfTextAtSize(next, size) > width && line) {
      out.push(line);
      line = word;
    } else line = next;
  }
  out.push(line);
  return out;
}

/**
 * Draws the dark modules as one filled path, each row's runs of adjacent
 * dark modules as one rectangle, on a white quiet zone of four modules.
 */
function drawQr(page: PDFPage, modules: boolean[][], x: number, y: number, side: number): void {
  const cell = side / modules.length;
  page.drawRectangle({ x: x - 4 * cell, y: y - 4 * cell, width: side + 8 * cell, height: side + 8 * cell, color: rgb(1, 1, 1) });
  const ops = [pushGraphicsState(), setFillingRgbColor(0, 0, 0)];
  modules.forEach((row, r) => {
    for (let c = 0; c < row.length; c++) {
      if (!row[c]) continue;
      const start = c;
      while (c + 1 < row.length && row[c + 1]) c++;
      ops.push(rectangle(round(x + start * cell), round(y + side - (r + 1) * cell), round((c - start + 1) * cell), round(cell)));
    }
  });
  ops.push(fill(), popGraphicsState());
  page.pushOperators(...ops);
}

const round = (n: number) => Math.round(n * 1000) / 1000;

const dateOf = (iso: string | undefined) => (iso ? iso.slice(0, 10) : '');

/**
 * Builds the prescription PDF. `objectStreams: false` keeps the object
 * table plain (tests read it); pdf-lib always deflates page content.
 */
export async function prescriptionPdf(request: FhirMedicationRequest, ctx: PrintContext, opts: { objectStreams?: boolean } = {}): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle('Prescription');
  pdf.setCreator('Outpost');
  pdf.setProducer('Outpost');
  const page = pdf.addPage([PAGE.width, PAGE.height]);
  const w = new Writer(page, await pdf.embedFont(StandardFonts.Helvetica), await pdf.embedFont(StandardFonts.HelveticaBold));
  const patient = request.contained[0];
  const name = patient.name[0];
  const dosage = request.dosageInstruction[0];
  const dispense = request.dispenseRequest;

  w.line(ctx.clinicName, { size: 9, color: [0.05, 0.36, 0.3] });
  w.line('Prescription', { size: 18, bold: true, gap: 4 });
  w.rule();
  w.label('Patient', [name.given?.join(' '), name.family].filter(Boolean).join(' ') || name.text || '');
  w.label('Date of birth · MRN', `${patient.birthDate ?? 'not recorded'} · ${patient.identifier?.[0]?.value ?? 'none'}`);
  w.rule();
  w.line(request.medicationCodeableConcept.text, { size: 13, bold: true, gap: 2 });
  const rxcui = request.medicationCodeableConcept.coding?.find((c) => c.code)?.code;
  if (rxcui) w.line(`RxNorm ${rxcui}`, { size: 8, color: [0.35, 0.4, 0.4], gap: 4 });
  w.label('Directions', dosage.text);
  w.label(
    'Dispense',
    `${dispense.quantity.value} ${dispense.quantity.unit ?? ''} · ${dispense.numberOfRepeatsAllowed} refill${dispense.numberOfRepeatsAllowed === 1 ? '' : 's'}${dispense.expectedSupplyDuration ? ` · ${dispense.expectedSupplyDuration.value} days supply` : ''}`
  );
  w.label('Prescriber', `${request.requester.display ?? request.requester.reference} · signed ${dateOf(request.authoredOn)}`);
  if (request.detectedIssue?.length) w.line(`Alerts reviewed and overridden by the prescriber: ${request.detectedIssue.length}`, { size: 8, gap: 2 });

  const side = 170;
  const qrY = MARGIN + 40;
  drawQr(page, qrModules(prescriptionQrPayload(request)), (PAGE.width - side) / 2, qrY, side);
  const caption = winAnsi(`Scan: FHIR R4 MedicationRequest ${request.id}`);
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  page.drawText(caption, { x: (PAGE.width - font.widthOfTextAtSize(caption, 7)) / 2, y: qrY - 14, size: 7, font, color: rgb(0.35, 0.4, 0.4) });
  const footer = winAnsi(`Printed ${dateOf((ctx.printedAt ?? new Date()).toISOString())} by ${ctx.printedBy}`);
  page.drawText(footer, { x: MARGIN, y: MARGIN - 10, size: 7, font, color: rgb(0.35, 0.4, 0.4) });
  return pdf.save({ useObjectStreams: opts.objectStreams ?? true, objectsPerTick: Infinity });
}
