import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The texts of the money screens (messages/billing/<code>.json): every
 * language has every text, with the same placeholders, and is translated
 * (only names, codes and the placeholder-only line may read as in English).
 */
const DIR = path.resolve(import.meta.dirname, '../../../messages/billing');
const read = (code: string): Record<string, string> => {
  const { $schema: _schema, ...messages } = JSON.parse(fs.readFileSync(path.join(DIR, `${code}.json`), 'utf8')) as Record<string, string>;
  return messages;
};
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((p) => p[1]).sort();
const SAME_AS_ENGLISH = new Set(['billing_entry_by', 'billing_fee_hcpcs_badge', 'billing_fee_code', 'billing_fee_name', 'billing_payment_amount', 'billing_cash_count', 'billing_charge_button', 'billing_fee_edit', 'billing_fee_edit_named', 'billing_method_mobile', 'billing_cash_refresh', 'billing_payment_method', 'billing_fees_nav', 'billing_fees_title', 'billing_cash_by_method', 'billing_fee_retire', 'billing_fee_retire_named', 'billing_currency_label', 'billing_bill_diagnoses', 'billing_pdf_total', 'billing_pdf_date', 'billing_pdf_patient']);

describe('billing messages', () => {
  const en = read('en');
  it('English has the texts the screens use', () => {
    expect(en.billing_payment_take).toBe('Take payment');
    expect(Object.keys(en).length).toBeGreaterThan(90);
  });
  it.each(['es', 'fr', 'pt', 'sw'])('%s has every text, with the same placeholders, translated', (code) => {
    const other = read(code);
    expect(Object.keys(other).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      expect(other[key].trim(), key).not.toBe('');
      expect(placeholders(other[key]), key).toEqual(placeholders(text));
      if (!SAME_AS_ENGLISH.has(key)) expect(other[key], `${code} ${key}`).not.toBe(text);
    }
  });
});
