/**
 * The report MIME type, as a plain constant: importing it from @whittle/report
 * would pull the schema (zod) into the bundle JupyterLab loads at start-up. A test
 * keeps it equal to @whittle/report's REPORT_MIME.
 */
export const WHITTLE_MIME = 'application/vnd.whittle.report+json';
