/**
 * plotly.js, loaded on first use and built from `plotly.js/lib/core` plus only
 * the four trace types Whittle draws — about a third of the full bundle, and
 * nothing is fetched until a report is on screen.
 */
import type { Figure } from '@whittle/report';

/** The part of plotly's API the renderer uses (lib/core ships no types). */
export interface Plotly {
  react(el: HTMLElement, data: unknown[], layout: Record<string, unknown>, config?: Record<string, unknown>): Promise<unknown>;
  relayout(el: HTMLElement, update: Record<string, unknown>): Promise<unknown>;
  purge(el: HTMLElement): void;
  Plots: { resize(el: HTMLElement): Promise<unknown> | void };
}

type Module = { default?: unknown };
const unwrap = <T>(m: unknown): T => ((m as Module).default ?? m) as T;

let loading: Promise<Plotly> | undefined;

export function loadPlotly(): Promise<Plotly> {
  loading ??= Promise.all([
    import('plotly.js/lib/core'),
    import('plotly.js/lib/bar'),
    import('plotly.js/lib/heatmap'),
    import('plotly.js/lib/histogram'),
    import('plotly.js/lib/scatter'),
  ]).then(([core, ...traces]) => {
    const plotly = unwrap<Plotly & { register(modules: unknown[]): void }>(core);
    plotly.register(traces.map((t) => unwrap(t)));
    return plotly;
  });
  return loading;
}

/** Colours and fonts from JupyterLab's CSS variables, so plots follow the light or dark theme. */
export function themeLayout(el: HTMLElement): Record<string, unknown> {
  const css = getComputedStyle(el);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const font = v('--jp-ui-font-color1', '#333');
  const grid = v('--jp-border-color2', '#ddd');
  const axis = { gridcolor: grid, zerolinecolor: grid, linecolor: grid, color: font };
  return {
    paper_bgcolor: v('--jp-layout-color0', '#fff'),
    plot_bgcolor: v('--jp-layout-color0', '#fff'),
    font: { family: v('--jp-ui-font-family', 'sans-serif'), color: font, size: 12 },
    xaxis: axis,
    yaxis: axis,
    yaxis2: axis,
    legend: { bgcolor: 'rgba(0,0,0,0)' },
  };
}

/** A figure's layout merged over the theme: the figure's own axis settings win. */
export function plotLayout(figure: Pick<Figure, 'title' | 'layout'>, theme: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...theme, ...figure.layout };
  // every axis the figure names (a grid of panels has xaxis2, yaxis3, …) takes the theme's colours
  const named = Object.keys(figure.layout).filter((k) => /^[xy]axis\d*$/.test(k));
  for (const axis of new Set(['xaxis', 'yaxis', 'yaxis2', ...named])) {
    const own = figure.layout[axis] as Record<string, unknown> | undefined;
    const themed = (theme[axis] ?? theme.xaxis) as Record<string, unknown>;
    // plotly.js 3 takes axis titles only as { text }; figures write them as plain strings.
    const title = typeof own?.title === 'string' ? { title: { text: own.title } } : {};
    if (own || axis !== 'yaxis2') merged[axis] = { ...themed, automargin: true, ...own, ...title };
    else delete merged[axis];
  }
  // a right-hand axis's title would sit under a legend on the right: the legend goes to the figure's foot
  const y2 = figure.layout.yaxis2 as { visible?: boolean } | undefined;
  if (y2 && y2.visible !== false && !figure.layout.legend)
    merged.legend = { ...(theme.legend as object), orientation: 'h', x: 0, y: 0, yanchor: 'bottom', yref: 'container' };
  return { ...merged, title: { text: figure.title, font: { size: 13 } }, autosize: true, margin: { t: 40, r: 20, b: 40, l: 50 } };
}
