import { csvCell } from '../../src/lib/domain/csv';
import type { ReportRow } from './audit-report';

export { csvCell };

/**
 * CSV of a report (RFC 4180: fields with a comma, quote or line break are
 * quoted, quotes doubled, CRLF line ends). A cell that a spreadsheet would
 * read as a formula (starting with =, +, -, @, tab or carriage return) gets
 * a leading apostrophe, per OWASP's "CSV Injection" guidance: a username or
 * an audited target is text a client chose, and opening the export must
 * never run it.
 */

export const CSV_COLUMNS = ['seq', 'time', 'user', 'username', 'action', 'outcome', 'target', 'recorded_offline_at', 'ip', 'detail'] as const;

export function reportCsv(rows: readonly ReportRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) {
    lines.push(
      [r.seq, r.ts, r.userName, r.username, r.action, r.outcome, r.target, r.recordedOfflineAt, r.ip, JSON.stringify(r.detail)].map(csvCell).join(',')
    );
  }
  return lines.join('\r\n') + '\r\n';
}
