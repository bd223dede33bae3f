/**
 * Plot data: plotly figures (traces + layout) as plain JSON, built from a
 * report without importing plotly. The JupyterLab renderer hands them to
 * plotly; tests check them without a browser.
 *
 * Text safety: plotly reads its text fields (titles, legend names, tick labels,
 * hover text) as a small HTML subset, so every string that comes from a report
 * passes through `plotlyText` — applied once, to every finished figure, by the
 * registry's `figures` (and by the side panel to its combined figures) — which
 * escapes `&`, `<` and `>`; plotly then draws the characters literally. A layer
 * named `<img src=x onerror=…>` is a label, never markup. Kind modules
 * therefore write raw report strings and never escape them themselves.
 */
import type { Histogram } from './base.js';
import { countAxis } from './scales.js';

export interface Trace {
  type: 'bar' | 'scatter' | 'heatmap' | 'histogram';
  name?: string;
  x?: (number | string)[];
  y?: (number | string)[];
  z?: number[][];
  text?: string[];
  textposition?: string | string[];
  textfont?: Record<string, unknown>;
  cliponaxis?: boolean;
  mode?: 'lines' | 'markers' | 'lines+markers' | 'markers+text';
  marker?: Record<string, unknown>;
  line?: Record<string, unknown>;
  hovertemplate?: string;
  showscale?: boolean;
  yaxis?: string;
  xaxis?: string;
  offsetgroup?: string;
  opacity?: number;
  orientation?: 'h' | 'v';
  colorscale?: string;
  zmin?: number;
  zmax?: number;
}

export interface Figure {
  title: string;
  data: Trace[];
  layout: Record<string, unknown>;
  /**
   * Alternatives the viewer picks between (e.g. one mask heatmap per layer); `data`/`title` show the first.
   * `label` goes into a DOM <option> as text, so it is the one string left unescaped.
   */
  variants?: { label: string; title: string; data: Trace[] }[];
  /** Offer a log-y toggle (weight histograms: the zero spike dwarfs everything else). */
  logToggle?: boolean;
  /** The y-axis settings while the toggle is on log (round ticks fitted to the data, see scales.ts). */
  logAxis?: Record<string, unknown>;
}

/** Escapes a report string for plotly's HTML-subset text fields (see the note at the top). */
export function plotlyText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A fraction on a 0–100 axis, rounded to hundredths of a percent. */
export const pct = (v: number) => Math.round(v * 10000) / 100;
/** Centres of histogram bins, for bar traces (bins are already counted by whoever made the report). */
const centres = (h: Histogram) => h.counts.map((_, i) => (h.binEdges[i]! + h.binEdges[i + 1]!) / 2);
/** A histogram as a bar trace. */
export const bars = (h: Histogram, name: string, opacity = 0.6): Trace => ({ type: 'bar', name, x: centres(h), y: h.counts, opacity });

/**
 * Overlaid histograms as one figure: an x-axis title, counts on y, log-y by default only when
 * one bin dwarfs the rest (`logY` forces a choice), and a toggle whose log axis has round ticks.
 */
export function histogramFigure(title: string, xTitle: string, data: Trace[], logY?: boolean): Figure {
  const scale = countAxis(data.map((t) => (t.type === 'bar' ? (t.y as number[]) : [])));
  const log = logY ?? scale.log;
  return {
    title,
    data,
    layout: { barmode: 'overlay', xaxis: { title: xTitle }, yaxis: { title: 'count', ...(log ? scale.logAxis : { type: 'linear' }) } },
    logToggle: true,
    logAxis: scale.logAxis,
  };
}

/** Histograms behind a layer picker, one variant per layer (the first shows); the count scale fits them all. */
export function histogramVariants(xTitle: string, variants: { label: string; title: string; data: Trace[] }[]): Figure {
  const f = histogramFigure(
    variants[0]!.title,
    xTitle,
    variants.flatMap((v) => v.data),
  );
  return { ...f, data: variants[0]!.data, variants };
}

function escapeTrace(t: Trace): Trace {
  const str = (v: number | string) => (typeof v === 'string' ? plotlyText(v) : v);
  return {
    ...t,
    ...(t.name !== undefined && { name: plotlyText(t.name) }),
    ...(t.text && { text: t.text.map(plotlyText) }),
    ...(t.x && { x: t.x.map(str) }),
    ...(t.y && { y: t.y.map(str) }),
  };
}

/** Escapes `title` strings anywhere in a layout (axis titles can carry a report's metric name). */
function escapeLayout(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(escapeLayout);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, k === 'title' && typeof v === 'string' ? plotlyText(v) : escapeLayout(v)]),
  );
}

/** Escapes every report string in a figure for plotly. Apply exactly once per finished figure. */
export function escapeFigure(f: Figure): Figure {
  return {
    ...f,
    title: plotlyText(f.title),
    data: f.data.map(escapeTrace),
    layout: escapeLayout(f.layout) as Record<string, unknown>,
    ...(f.variants && {
      variants: f.variants.map((v) => ({ label: v.label, title: plotlyText(v.title), data: v.data.map(escapeTrace) })),
    }),
  };
}
