/**
 * `@whittle/report`: Whittle's reports as plain data — one module per kind
 * (schema, table, plot data, side-panel parts; see kinds/index.ts for how to add
 * one), MIME bundles and text/HTML tables. Depends on zod only: the JupyterLab
 * renderer bundles it, and it must never import tfjs.
 *
 * Every report has `kind` and `version`; MIME type REPORT_MIME carries it as JSON.
 */
export {
  REPORT_MIME,
  REPORT_VERSION,
  Histogram,
  defineKind,
  formatPercent,
  formatInt,
  formatSig,
  formatShape,
  type KindModule,
  type KindSchema,
  type PanelCurve,
  type PanelParts,
  type RunPoint,
} from './base.js';
export * from './kinds/index.js';
export * from './table.js';
export * from './figure.js';
export * from './mime.js';
export * from './histogram.js';
export * from './scales.js';
