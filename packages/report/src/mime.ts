import { REPORT_MIME } from './base.js';
import { reportTable, type Report } from './kinds/index.js';
import { tableHtml, tableText } from './table.js';

export type MimeBundle = Record<string, unknown>;

/**
 * A report as a Jupyter MIME bundle: the JSON object for the Whittle renderer,
 * plus text/plain and text/html tables for every other frontend.
 */
export function toMimeBundle(report: Report): MimeBundle {
  const table = reportTable(report);
  return { [REPORT_MIME]: report, 'text/plain': tableText(table), 'text/html': tableHtml(table) };
}

/** The text/plain table of a report. */
export function reportText(report: Report): string {
  return tableText(reportTable(report));
}
