/**
 * @whittle/jupyterlab — plots for Whittle reports. This version ships the
 * report → plotly figure mapping (`figures`); the JupyterLab 4 mime renderer
 * that draws them is the next step (see the package README).
 */
export { figures, type Figure, type Trace } from './traces.js';
