import { deviceMonths, parseDocName } from '../domain/doc-names';

/**
 * The appointment book's months a device keeps (doc-names.ts DEVICE_MONTHS:
 * the previous month through the next three). A catch-up fetches no month
 * outside them, and months that fall out of the window are removed from
 * the device, never one with an edit the server has not confirmed or one
 * open on screen. Older and further months are fetched when someone goes
 * there, online, and removed again by the next round.
 */

/** The month a document name holds, or null when it is not a month of the book. */
export function monthOfDoc(name: string): string | null {
  const parsed = parseDocName(name);
  return parsed && 'month' in parsed && parsed.month ? parsed.month : null;
}

/** Whether a catch-up fetches this document: anything but a month of the book outside the window. */
export function inMonthWindow(name: string, now: Date): boolean {
  const month = monthOfDoc(name);
  return month === null || deviceMonths(now.getTime()).includes(month);
}

/** Held months of the book outside the window, with no unconfirmed edit and not open. */
export function monthsToEvict(held: Iterable<string>, now: Date, keep: { pending: ReadonlySet<string>; open: ReadonlySet<string> }): string[] {
  const out: string[] = [];
  for (const name of held) {
    if (inMonthWindow(name, now)) continue;
    if (keep.pending.has(name) || keep.open.has(name)) continue;
    out.push(name);
  }
  return out.sort();
}
