/**
 * One CSV cell (RFC 4180: fields with a comma, quote or line break are
 * quoted, quotes doubled). A cell that a spreadsheet would read as a
 * formula (starting with =, +, -, @, tab or carriage return) gets a leading
 * apostrophe, per OWASP's "CSV Injection" guidance: opening an export must
 * never run text someone typed. Shared by the server's exports and the
 * downloads the app builds on the device.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
