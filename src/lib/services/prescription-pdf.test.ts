import { inflateSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { listMedicationRecords, prescribe } from '../chart/medication-doc';
import { compactForQr, parsePrescriptionQrPayload, prescriptionPdf, prescriptionQrPayload, qrModules } from './prescription-pdf';
import { toFhirMedicationRequest } from './prescription-fhir';

const actor = { id: '9b1f7a52-3c1d-4a8e-9f0e-2d6c5b4a3f21', name: 'Dr. Amara Okafor' };
const patient = { family: 'Rivera', given: ['Ana', 'María'], birthDate: '1950-02-03', mrn: 'MRN-000123' };

function signedRequest() {
  const doc = new Y.Doc();
  prescribe(
    doc,
    {
      medicationCodeableConcept: { text: 'ibuprofen 400 MG Oral Tablet', coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '5640', display: 'ibuprofen' }] },
      dosage: { text: 'Take 1 tablet by mouth three times daily for 5 days', route: { text: 'oral' }, doseQuantity: { value: 1, unit: 'tablet' }, timing: { frequency: 3, period: 1, periodUnit: 'd' }, asNeeded: false },
      dispense: { quantity: { value: 15, unit: 'tablet' }, numberOfRepeatsAllowed: 1, expectedSupplyDuration: 5 },
      detectedIssues: [
        {
          kind: 'drug-drug', severity: 'serious', title: 'Warfarin + NSAID', detail: 'd', action: 'a', ruleId: 'pddi-warfarin-nsaid', source: { citation: 'HL7 PDDI-CDS' },
          override: { reason: 'Short course, INR checked', by: actor.name, byId: actor.id, at: new Date().toISOString() }
        }
      ]
    },
    actor
  );
  return toFhirMedicationRequest(listMedicationRecords(doc)[0], patient);
}

/** Every content stream of the file, inflated, and the text shown by its Tj operators. */
function pageContent(pdf: Uint8Array): { ops: string; text: string[] } {
  const raw = Buffer.from(pdf).toString('latin1');
  let ops = '';
  for (const m of raw.matchAll(/\/Filter \/FlateDecode[^>]*>>\s*stream\r?\n/g)) {
    const start = m.index! + m[0].length;
    const end = raw.indexOf('endstream', start);
    try {
      ops += inflateSync(Buffer.from(raw.slice(start, end), 'latin1')).toString('latin1') + '\n';
    } catch {
      // Font programs and the like are not page content.
    }
  }
  const text = [...ops.matchAll(/<([0-9A-Fa-f]+)> Tj/g)].map((t) => Buffer.from(t[1], 'hex').toString('latin1'));
  return { ops, text };
}

describe('printable prescription', () => {
  it('QR payload round-trips to the same FHIR MedicationRequest, without override reasons', () => {
    const request = signedRequest();
    const payload = prescriptionQrPayload(request);
    expect(parsePrescriptionQrPayload(payload)).toEqual(JSON.parse(JSON.stringify(compactForQr(request))));
    expect(parsePrescriptionQrPayload(payload)).toMatchObject({
      id: request.id,
      contained: [{ name: [{ family: 'Rivera', given: ['Ana', 'María'] }], birthDate: '1950-02-03' }],
      medicationCodeableConcept: { coding: [{ code: '5640' }] },
      dosageInstruction: [{ text: 'Take 1 tablet by mouth three times daily for 5 days' }],
      dispenseRequest: { quantity: { value: 15 }, numberOfRepeatsAllowed: 1 },
      requester: { reference: `Practitioner/${actor.id}` }
    });
    expect(payload).not.toMatch(/\s{2}|INR checked/);
    expect(request.detectedIssue).toEqual([{ display: 'serious pddi-warfarin-nsaid overridden by prescriber' }]);
    expect(payload.length).toBeLessThan(1000);
    expect(() => parsePrescriptionQrPayload('{"resourceType":"Patient"}')).toThrow(/not hold a valid prescription/);
    expect(() => parsePrescriptionQrPayload('not json')).toThrow(/does not hold a prescription/);
  });

  it('the PDF shows the prescription and draws exactly the QR modules of the payload', async () => {
    const request = signedRequest();
    const pdf = await prescriptionPdf(request, { clinicName: 'Outpost Demo Clinic', printedBy: actor.name }, { objectStreams: false });
    expect(Buffer.from(pdf.slice(0, 5)).toString()).toBe('%PDF-');
    const { ops, text } = pageContent(pdf);
    for (const expected of ['Prescription', 'Ana María Rivera', '1950-02-03 · MRN-000123', 'ibuprofen 400 MG Oral Tablet', 'Take 1 tablet by mouth three times daily for 5 days', '15 tablet · 1 refill · 5 days supply', 'RxNorm 5640']) {
      expect(text.join('\n')).toContain(expected);
    }
    expect(text.some((t) => t.startsWith('Dr. Amara Okafor · signed '))).toBe(true);
    // Rebuild the code from the drawn rectangles (one per run of dark modules) and compare module by module.
    const modules = qrModules(prescriptionQrPayload(request));
    const block = ops.slice(ops.lastIndexOf('0 0 0 rg'));
    const rects = [...block.matchAll(/(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re/g)].map((m) => m.slice(1, 5).map(Number));
    const cell = rects.reduce((min, r) => Math.min(min, r[3]), Infinity);
    const left = Math.min(...rects.map((r) => r[0]));
    const top = Math.max(...rects.map((r) => r[1] + r[3]));
    const drawn = modules.map((row) => row.map(() => false));
    for (const [x, y, w] of rects) {
      const r = Math.round((top - y) / cell) - 1;
      for (let c = Math.round((x - left) / cell); c < Math.round((x - left + w) / cell); c++) drawn[r][c] = true;
    }
    expect(drawn).toEqual(modules);
  });

  // poppler-utils is not on every machine: without it this test is reported
  // as skipped (with the reason), never as passed; the checks above still run.
  const poppler = existsSync('/usr/bin/pdftoppm') && existsSync('/usr/bin/pdftotext');
  it('a real PDF reader (poppler) renders it to an image and extracts its text', async (ctx) => {
    ctx.skip(!poppler, 'poppler-utils (pdftoppm, pdftotext) is not installed');
    const dir = mkdtempSync(join(tmpdir(), 'rx-pdf-'));
    writeFileSync(join(dir, 'rx.pdf'), await prescriptionPdf(signedRequest(), { clinicName: 'Outpost Demo Clinic', printedBy: actor.name }));
    execFileSync('/usr/bin/pdftoppm', ['-png', '-r', '100', '-singlefile', join(dir, 'rx.pdf'), join(dir, 'rx')]);
    expect(readdirSync(dir).sort()).toEqual(['rx.pdf', 'rx.png']);
    const png = readFileSync(join(dir, 'rx.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    // IHDR: the 420 × 595 pt (A5) page at 100 dpi.
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([584, 827]);
    const text = execFileSync('/usr/bin/pdftotext', ['-enc', 'UTF-8', join(dir, 'rx.pdf'), '-'], { encoding: 'utf8' });
    for (const expected of ['Prescription', 'Ana María Rivera', '1950-02-03 · MRN-000123', 'ibuprofen 400 MG Oral Tablet', 'RxNorm 5640']) {
      expect(text).toContain(expected);
    }
  });
});
