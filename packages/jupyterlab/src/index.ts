/**
 * @whittle/jupyterlab — plots Whittle reports inline in JupyterLab 4.
 *
 * - `mime.ts`: the mime renderer for `application/vnd.whittle.report+json`;
 * - `plugin.ts`: the side panel collecting a notebook's reports, and "New Whittle notebook";
 * - `traces.ts`/`combine.ts`: reports → plotly figures (pure data, tested without a browser);
 * - `render.ts`: figures and tables → DOM, text-safe.
 */
export { figures, plotlyText, type Figure, type Trace } from './traces.js';
export { combinedFigures, runPoints, runsTable, type CollectedReport } from './combine.js';
export { renderReport, type RenderedReport } from './render.js';
export { rendererFactory, ReportWidget } from './mime.js';
