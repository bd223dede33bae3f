import { reportText, type Report } from '@whittle/report';

/** Prints a report as JSON (machine-readable) or as its text table. */
export function printReport(report: Report, json: boolean | undefined): void {
  console.log(json ? JSON.stringify(report, null, 2) : reportText(report));
}
