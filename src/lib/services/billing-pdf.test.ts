import { inflateSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import type { CashReport, LedgerEntry } from '../domain/billing';
import type { Language } from '../domain/languages';
import { cashReportPdf, receiptPdf } from './billing-pdf';

/**
 * The desk's receipt and daily cash report print in the language of the
 * person printing: every label, the dates and the amounts, in each of the
 * five languages, written out by hand (one string per text drawn on the
 * page, in order).
 */

/** Text drawn on the pages: content streams inflated, WinAnsi hex strings of Tj operators decoded. */
function pageText(bytes: Uint8Array): string[] {
  const raw = Buffer.from(bytes).toString('latin1');
  const out: string[] = [];
  const re = /stream\r?\n/g;
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    const start = m.index + m[0].length;
    const end = raw.indexOf('endstream', start);
    const head = raw.slice(Math.max(0, m.index - 200), m.index);
    let body = Buffer.from(raw.slice(start, end), 'latin1');
    if (head.includes('/FlateDecode')) body = inflateSync(body);
    for (const t of body.toString('latin1').matchAll(/<([0-9A-Fa-f]*)> Tj/g)) out.push(Buffer.from(t[1], 'hex').toString('latin1'));
  }
  return out;
}

// Local times, so the printed 09:05 does not depend on the machine's time zone.
const PAID_AT = new Date(2026, 2, 12, 9, 5).toISOString();
const PRINTED_AT = new Date(2026, 2, 12, 10, 0);

const PAYMENT: LedgerEntry = {
  id: '7d4c1b2a-1111-4e8f-9a1b-2c3d4e5f6a70',
  kind: 'payment',
  amount: 120050,
  currency: 'USD',
  method: 'mobile-money',
  reference: 'MP-88',
  clinicId: 'c1',
  createdAt: PAID_AT,
  createdBy: 'Priya Shah',
  createdById: 'u1'
};

async function receipt(locale: Language, balanceDue: number): Promise<string[]> {
  return pageText(await receiptPdf({ locale, clinicName: 'Ridgeway Clinic', patientName: 'Ada Okafor', mrn: 'OP-1234', payment: PAYMENT, balanceDue, printedAt: PRINTED_AT }));
}

const REPORT: CashReport = {
  byMethod: [
    { key: 'cash', taken: 5000, reversed: 1000, net: 4000, count: 3 },
    { key: 'card', taken: 120050, reversed: 0, net: 120050, count: 1 }
  ],
  byUser: [{ key: 'Priya Shah', taken: 125050, reversed: 1000, net: 124050, count: 4 }],
  total: { key: '', taken: 125050, reversed: 1000, net: 124050, count: 4 }
};

async function cashReport(locale: Language, report: CashReport = REPORT): Promise<string[]> {
  return pageText(await cashReportPdf({ locale, clinicName: 'Ridgeway Clinic', day: '2026-03-12', currency: 'USD', report, printedBy: 'Priya Shah', printedAt: PRINTED_AT }));
}

describe('receipt in the language of the person printing', () => {
  test('English', async () => {
    expect(await receipt('en', 2500)).toEqual([
      'Ridgeway Clinic', 'Payment receipt',
      'Receipt number', '7D4C1B2A11', 'Date', '12 March 2026, 09:05', 'Patient', 'Ada Okafor', 'Record number', 'OP-1234',
      'Amount paid', '$1,200.50', 'Paid by', 'Mobile money', 'Reference', 'MP-88', 'Received by', 'Priya Shah',
      'Balance after this payment', '$25.00',
      'Thank you. Keep this receipt: the clinic can look the payment up by its number.',
      'Printed 12 March 2026'
    ]);
  });

  test('Spanish, with the patient in credit', async () => {
    expect(await receipt('es', -500)).toEqual([
      'Ridgeway Clinic', 'Recibo de pago',
      'Número de recibo', '7D4C1B2A11', 'Fecha', '12 de marzo de 2026, 09:05', 'Paciente', 'Ada Okafor', 'Número de historia', 'OP-1234',
      'Importe pagado', '1200,50 US$', 'Forma de pago', 'Dinero móvil', 'Referencia', 'MP-88', 'Recibido por', 'Priya Shah',
      'Saldo después de este pago', '5,00 US$ a favor',
      'Gracias. Guarde este recibo: la clínica puede buscar el pago por su número.',
      'Impreso el 12 de marzo de 2026'
    ]);
  });

  test('French: the narrow no-break space of French amounts prints as a space', async () => {
    expect(await receipt('fr', 2500)).toEqual([
      'Ridgeway Clinic', 'Reçu de paiement',
      'Numéro du reçu', '7D4C1B2A11', 'Date', '12 mars 2026, 09:05', 'Patient', 'Ada Okafor', 'Numéro de dossier', 'OP-1234',
      'Montant payé', '1 200,50 $US', 'Moyen de paiement', 'Mobile money', 'Référence', 'MP-88', 'Reçu par', 'Priya Shah',
      'Solde après ce paiement', '25,00 $US',
      'Merci. Gardez ce reçu : la clinique peut retrouver le paiement grâce à son numéro.',
      'Imprimé le 12 mars 2026'
    ]);
  });

  test('Portuguese', async () => {
    expect(await receipt('pt', 2500)).toEqual([
      'Ridgeway Clinic', 'Recibo de pagamento',
      'Número do recibo', '7D4C1B2A11', 'Data', '12 de março de 2026, 09:05', 'Paciente', 'Ada Okafor', 'Número do processo', 'OP-1234',
      'Valor pago', 'US$ 1.200,50', 'Forma de pagamento', 'Dinheiro móvel', 'Referência', 'MP-88', 'Recebido por', 'Priya Shah',
      'Saldo após este pagamento', 'US$ 25,00',
      'Obrigado. Guarde este recibo: a clínica pode encontrar o pagamento pelo seu número.',
      'Impresso em 12 de março de 2026'
    ]);
  });

  test('Swahili', async () => {
    expect(await receipt('sw', 2500)).toEqual([
      'Ridgeway Clinic', 'Stakabadhi ya malipo',
      'Namba ya stakabadhi', '7D4C1B2A11', 'Tarehe', '12 Machi 2026, 09:05', 'Mgonjwa', 'Ada Okafor', 'Namba ya faili', 'OP-1234',
      'Kiasi kilicholipwa', 'US$ 1,200.50', 'Njia ya malipo', 'Pesa kwa simu', 'Kumbukumbu', 'MP-88', 'Imepokelewa na', 'Priya Shah',
      'Salio baada ya malipo haya', 'US$ 25.00',
      'Asante. Hifadhi stakabadhi hii: kliniki inaweza kupata malipo kwa namba yake.',
      'Imechapishwa 12 Machi 2026'
    ]);
  });
});

describe('daily cash report in the language of the person printing', () => {
  test('English', async () => {
    expect(await cashReport('en')).toEqual([
      'Ridgeway Clinic', 'Daily cash report', '12 March 2026',
      'By method', 'Cash', '$40.00 (3 taken $50.00, reversed $10.00)', 'Card', '$1,200.50 (1 taken $1,200.50, reversed $0.00)',
      'By person', 'Priya Shah', '$1,240.50 (4 taken $1,250.50, reversed $10.00)',
      'Total', 'Payments taken', '$1,250.50', 'Reversed', '$10.00', 'Drawer total', '$1,240.50',
      'Printed by Priya Shah on 12 March 2026'
    ]);
  });

  test('French', async () => {
    expect(await cashReport('fr')).toEqual([
      'Ridgeway Clinic', 'Rapport de caisse du jour', '12 mars 2026',
      'Par moyen de paiement', 'Espèces', '40,00 $US (paiements : 3, encaissé 50,00 $US, annulé 10,00 $US)', 'Carte', '1 200,50 $US (paiements : 1, encaissé 1 200,50 $US, annulé 0,00 $US)',
      'Par personne', 'Priya Shah', '1 240,50 $US (paiements : 4, encaissé 1 250,50 $US, annulé 10,00 $US)',
      'Total', 'Paiements encaissés', '1 250,50 $US', 'Annulé', '10,00 $US', 'Total de la caisse', '1 240,50 $US',
      'Imprimé par Priya Shah le 12 mars 2026'
    ]);
  });

  test('Swahili, a day without payments', async () => {
    const none = { byMethod: [], byUser: [], total: { key: '', taken: 0, reversed: 0, net: 0, count: 0 } };
    expect(await cashReport('sw', none)).toEqual([
      'Ridgeway Clinic', 'Ripoti ya fedha ya siku', '12 Machi 2026',
      'Kwa njia ya malipo', 'Hakuna malipo siku hii.',
      'Kwa mtu', 'Hakuna malipo siku hii.',
      'Jumla', 'Malipo yaliyopokelewa', 'US$ 0.00', 'Imerejeshwa', 'US$ 0.00', 'Jumla ya droo', 'US$ 0.00',
      'Imechapishwa na Priya Shah tarehe 12 Machi 2026'
    ]);
  });
});
