/**
 * Draws one Whittle report into a DOM element: a title, one plot per figure
 * (with a layer picker or log-y toggle where the figure asks for one) and the
 * report's table. Framework-free, so the mime renderer, the side panel and the
 * server-free browser test all use this same function.
 *
 * Text safety: report strings reach the DOM only through `textContent`
 * (see `el`) and reach plotly only escaped (see @whittle/report's figure.ts) — there is no
 * innerHTML anywhere in this package.
 */
import { figures, kindOf, reportTable, reportTitle, validateReport, type Figure, type Report, type Table } from '@whittle/report';
import { loadPlotly, plotLayout, themeLayout, type Plotly } from './plotly.js';

export interface RenderedReport {
  /** The validated report, or null when the payload was rejected. */
  report: Report | null;
  resize(): void;
  dispose(): void;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function tableElement(table: Table): HTMLElement {
  const box = el('div', 'jp-WhittleReport-table');
  const t = el('table');
  const head = el('tr');
  for (const c of table.columns) head.append(el('th', undefined, c));
  t.append(el('thead'), el('tbody'));
  t.tHead!.append(head);
  for (const row of table.rows) {
    const tr = el('tr');
    for (const cell of row) tr.append(el('td', typeof cell === 'number' ? 'jp-WhittleReport-num' : undefined, String(cell)));
    t.tBodies[0]!.append(tr);
  }
  box.append(t);
  for (const note of table.notes) box.append(el('p', 'jp-WhittleReport-note', note));
  return box;
}

interface Plot {
  node: HTMLElement;
  figure: Pick<Figure, 'title' | 'layout' | 'logAxis'>;
  /** The log-y toggle's state, when the figure has one (kept across re-theming and layer picks). */
  logY?: boolean;
}

/** The figure's layout over the theme, with the plot's own log-y choice. */
function layoutOf(plot: Plot, host: HTMLElement): Record<string, unknown> {
  const layout = plotLayout(plot.figure, themeLayout(host));
  if (plot.logY !== undefined) {
    // a log axis takes the figure's round ticks; a linear one plotly's own
    const { tickvals: _v, ticktext: _t, ...y } = layout.yaxis as Record<string, unknown>;
    layout.yaxis = plot.logY ? { ...y, ...plot.figure.logAxis, type: 'log' } : { ...y, type: 'linear' };
  }
  return layout;
}

/** Draws figures into `host` (appending), returning handles to resize and re-theme them. */
export async function drawFigures(host: HTMLElement, figs: Figure[]): Promise<{ resize(): void; dispose(): void }> {
  if (figs.length === 0) return { resize() {}, dispose() {} };
  const plots: Plot[] = [];
  const boxes = figs.map((f) => {
    const box = el('div', 'jp-WhittleReport-figure');
    const plot: Plot = { node: el('div', 'jp-WhittleReport-plot'), figure: f };
    if (typeof f.layout.height === 'number') Object.assign(plot.node.style, { height: `${f.layout.height}px`, minHeight: '0' });
    if (f.variants && f.variants.length > 1) {
      const picker = el('select', 'jp-WhittleReport-picker');
      picker.setAttribute('aria-label', 'layer');
      f.variants.forEach((v, i) => picker.append(Object.assign(el('option', undefined, v.label), { value: String(i) })));
      picker.addEventListener('change', () => {
        const v = f.variants![Number(picker.value)]!;
        plot.figure = { title: v.title, layout: f.layout, logAxis: f.logAxis };
        void plotly.then((p) => p.react(plot.node, v.data, layoutOf(plot, host), CONFIG));
      });
      box.append(controls(el('span', undefined, 'layer '), picker));
    }
    if (f.logToggle) {
      const toggle = el('input');
      toggle.type = 'checkbox';
      toggle.checked = (f.layout.yaxis as { type?: string } | undefined)?.type === 'log';
      plot.logY = toggle.checked;
      toggle.addEventListener('change', () => {
        plot.logY = toggle.checked;
        void plotly.then((p) => p.relayout(plot.node, { yaxis: layoutOf(plot, host).yaxis }));
      });
      const label = el('label', undefined, ' log y');
      label.prepend(toggle);
      box.append(controls(label));
    }
    box.append(plot.node);
    plots.push(plot);
    host.append(box);
    return box;
  });
  const plotly: Promise<Plotly> = loadPlotly();
  try {
    const p = await plotly;
    await Promise.all(figs.map((f, i) => p.react(plots[i]!.node, f.data, layoutOf(plots[i]!, host), CONFIG)));
  } catch (e) {
    for (const box of boxes) box.replaceChildren(el('div', 'jp-WhittleReport-error', `Whittle could not load its plots: ${String(e)}`));
    return { resize() {}, dispose() {} };
  }
  const p = await plotly;
  // Follow JupyterLab's theme switches (it flips data-jp-theme-* on <body>).
  const themeWatch = new MutationObserver(() => {
    for (const plot of plots) void p.relayout(plot.node, layoutOf(plot, host));
  });
  themeWatch.observe(document.body, { attributes: true, attributeFilter: ['data-jp-theme-name', 'data-jp-theme-light'] });
  let pending = 0;
  const resize = () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => plots.forEach((plot) => plot.node.isConnected && void p.Plots.resize(plot.node)));
  };
  const sizeWatch = new ResizeObserver(resize);
  sizeWatch.observe(host);
  return {
    resize,
    dispose() {
      themeWatch.disconnect();
      sizeWatch.disconnect();
      plots.forEach((plot) => p.purge(plot.node));
    },
  };
}

const CONFIG = { displaylogo: false, responsive: false, modeBarButtonsToRemove: ['select2d', 'lasso2d'] };

function controls(...children: HTMLElement[]): HTMLElement {
  const bar = el('div', 'jp-WhittleReport-controls');
  bar.append(...children);
  return bar;
}

/**
 * Validates `payload` and draws it into `host` (replacing its content). Never throws on bad data.
 * `current` says whether this render still owns `host`: once it returns false (a newer render
 * started while plotly loaded), this one stops touching `host` and disposes what it drew.
 */
export async function renderReport(host: HTMLElement, payload: unknown, current: () => boolean = () => true): Promise<RenderedReport> {
  host.replaceChildren();
  const v = validateReport(payload);
  if (!v.ok) {
    host.dataset.whittleKind = 'invalid';
    host.append(el('div', 'jp-WhittleReport-error', `Whittle cannot draw this output: ${v.error}`));
    return { report: null, resize() {}, dispose() {} };
  }
  const report = v.report;
  host.dataset.whittleKind = report.kind;
  host.append(el('div', 'jp-WhittleReport-title', reportTitle(report)));
  // the headline (accuracy before → after, the result) stays visible while the table is folded
  const [accuracy, result] = kindOf(report).panel?.headline?.(report) ?? ['', ''];
  const headline = [/^\d/.test(accuracy) ? `accuracy ${accuracy}` : accuracy, result].filter((s) => s && s !== '–').join(' · ');
  if (headline) host.append(el('div', 'jp-WhittleReport-headline', headline));
  const table = tableElement(reportTable(report));
  // Kinds whose table is the main content show it first; for the others it folds away under the plots.
  const tableFirst = kindOf(report).tableFirst === true;
  if (tableFirst) host.append(table);
  const figs = figures(report);
  const drawn = await drawFigures(host, figs);
  if (!current()) {
    drawn.dispose();
    return { report, resize() {}, dispose() {} };
  }
  if (!tableFirst) {
    const details = el('details', 'jp-WhittleReport-details');
    details.append(el('summary', undefined, 'Table'), table);
    host.append(details);
  }
  return { report, resize: drawn.resize, dispose: drawn.dispose };
}
