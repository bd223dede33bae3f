/**
 * @whittle/jupyterlab — plots Whittle reports inline in JupyterLab 4. Each report
 * kind's table and plot data come from @whittle/report's registry.
 *
 * - `mime.ts`: the mime renderer for `application/vnd.whittle.report+json`;
 * - `plugin.ts`: the side panel collecting a notebook's reports, and "New Whittle notebook";
 * - `combine.ts`: many reports → the side panel's figures and table (pure data, tested without a browser);
 * - `render.ts`: figures and tables → DOM, text-safe.
 */
export { figures, plotlyText, type Figure, type Trace } from '@whittle/report';
export { combinedFigures, runPoints, runsTable, type CollectedReport } from './combine.js';
export { renderReport, type RenderedReport } from './render.js';
export { rendererFactory, ReportWidget } from './mime.js';
