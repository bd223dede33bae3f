/**
 * Whittle reports → plotly figures (data + layout), one function per report
 * kind. Pure data in, pure data out: the renderer hands these to plotly, and
 * tests check them without a browser.
 *
 * Text safety: plotly reads its text fields (titles, legend names, tick labels,
 * hover text) as a small HTML subset, so every string that comes from a report
 * passes through `plotlyText` (applied once, to every finished figure, by
 * `figures`), which escapes `&`, `<` and `>` — plotly then
 * draws the characters literally. A layer named `<img src=x onerror=…>` is a
 * label, never markup.
 */
import type { Histogram, Report } from '@whittle/core/report';

export interface Trace {
  type: 'bar' | 'scatter' | 'heatmap' | 'histogram';
  name?: string;
  x?: (number | string)[];
  y?: (number | string)[];
  z?: number[][];
  text?: string[];
  mode?: 'lines' | 'markers' | 'lines+markers';
  marker?: Record<string, unknown>;
  line?: Record<string, unknown>;
  hovertemplate?: string;
  showscale?: boolean;
  yaxis?: string;
  xaxis?: string;
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
}

/** Escapes a report string for plotly's HTML-subset text fields (see the note at the top). */
export function plotlyText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A fraction on a 0–100 axis, rounded to hundredths of a percent. */
export const pct = (v: number) => Math.round(v * 10000) / 100;
/** Centres of histogram bins, for bar traces (bins are already counted by core). */
const centres = (h: Histogram) => h.counts.map((_, i) => (h.binEdges[i]! + h.binEdges[i + 1]!) / 2);
const bars = (h: Histogram, name: string, opacity = 0.6): Trace => ({ type: 'bar', name, x: centres(h), y: h.counts, opacity });

export function figures(report: Report): Figure[] {
  return rawFigures(report).map(escapeFigure);
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

function rawFigures(report: Report): Figure[] {
  switch (report.kind) {
    case 'summary':
      return [
        {
          title: `Parameters and nonzeros per layer — ${report.model}`,
          data: [
            { type: 'bar', name: 'params', x: report.layers.map((l) => l.name), y: report.layers.map((l) => l.params) },
            { type: 'bar', name: 'nonzeros', x: report.layers.map((l) => l.name), y: report.layers.map((l) => l.nonzeros) },
          ],
          layout: { barmode: 'group', yaxis: { title: 'count' } },
        },
      ];
    case 'evaluate':
      return [
        {
          title: `Accuracy of ${report.model} on ${report.samples} samples`,
          data: [
            { type: 'bar', name: 'correct', x: [pct(report.accuracy)], y: [report.model], marker: { color: '#2ca02c' }, orientation: 'h' },
            {
              type: 'bar',
              name: 'wrong',
              x: [pct(1 - report.accuracy)],
              y: [report.model],
              marker: { color: '#d62728' },
              orientation: 'h',
            },
          ],
          layout: { barmode: 'stack', height: 160, xaxis: { title: '% of samples', range: [0, 100] } },
        },
      ];
    case 'sparsity': {
      const names = report.layers.map((l) => l.name);
      const out: Figure[] = [
        {
          title: report.title,
          data: [
            { type: 'bar', name: 'before', x: names, y: report.layers.map((l) => pct(l.sparsityBefore)) },
            { type: 'bar', name: 'after', x: names, y: report.layers.map((l) => pct(l.sparsity)) },
          ],
          layout: { barmode: 'group', yaxis: { title: 'sparsity %', range: [0, 100] } },
        },
      ];
      // One heatmap with a layer picker: core already downsampled big masks to rows × cols cells.
      const masks = (report.masks ?? []).map((m) => ({
        label: m.layer,
        title: `Kept weights of ${m.layer} (${m.shape.join('×')}, fraction kept per cell)`,
        data: [
          {
            type: 'heatmap' as const,
            z: Array.from({ length: m.rows }, (_, r) => m.values.slice(r * m.cols, (r + 1) * m.cols)),
            // a fraction kept: one sequential scale over [0, 1], the same for every layer
            colorscale: 'Viridis',
            zmin: 0,
            zmax: 1,
            showscale: true,
          },
        ],
      }));
      if (masks.length) out.push({ ...masks[0]!, layout: { yaxis: { autorange: 'reversed' } }, variants: masks });
      if (report.histograms) {
        out.push({
          title: 'Weights before and after',
          data: [bars(report.histograms.before, 'before'), bars(report.histograms.after, 'after')],
          layout: { barmode: 'overlay', yaxis: { type: 'log', title: 'count' } },
          logToggle: true,
        });
      }
      if (report.steps?.length) {
        const x = report.steps.map((s) => pct(s.sparsity));
        out.push({
          title: 'Accuracy per pruning step',
          data: [
            {
              type: 'scatter',
              mode: 'lines+markers',
              name: 'one-shot',
              x,
              y: report.steps.map((s) => (s.accuracyOneShot == null ? NaN : pct(s.accuracyOneShot))),
            },
            {
              type: 'scatter',
              mode: 'lines+markers',
              name: 'fine-tuned',
              x,
              y: report.steps.map((s) => (s.accuracy == null ? NaN : pct(s.accuracy))),
            },
          ],
          layout: { xaxis: { title: 'sparsity %' }, yaxis: { title: 'accuracy %' } },
        });
      }
      return out;
    }
    case 'histogram':
      return [
        {
          title: report.title,
          data: report.series.map((s) => bars(s, s.label)),
          layout: { barmode: 'overlay', yaxis: { type: report.logY ? 'log' : 'linear' } },
          logToggle: true,
        },
      ];
    case 'quantization': {
      const names = report.layers.map((l) => l.name);
      const out: Figure[] = [
        {
          title: report.title,
          data: [
            { type: 'bar', name: 'SQNR dB', x: names, y: report.layers.map((l) => l.sqnrDb ?? NaN) },
            { type: 'scatter', mode: 'markers', name: 'MSE', x: names, y: report.layers.map((l) => l.mse), yaxis: 'y2' },
          ],
          layout: { yaxis: { title: 'SQNR (dB)' }, yaxis2: { title: 'MSE', overlaying: 'y', side: 'right', type: 'log' } },
        },
        {
          title: 'Bits per layer',
          data: [{ type: 'bar', name: 'bits', x: names, y: report.layers.map((l) => l.bits) }],
          layout: { height: 200, yaxis: { title: 'bits', dtick: 1, rangemode: 'tozero' } },
        },
      ];
      if (report.equalization?.length) {
        out.push({
          title: 'SQNR before and after cross-layer equalization',
          data: [
            {
              type: 'bar',
              name: 'before',
              x: report.equalization.map((e) => e.name),
              y: report.equalization.map((e) => e.sqnrDbBefore ?? NaN),
            },
            {
              type: 'bar',
              name: 'after',
              x: report.equalization.map((e) => e.name),
              y: report.equalization.map((e) => e.sqnrDbAfter ?? NaN),
            },
          ],
          layout: { barmode: 'group', yaxis: { title: 'SQNR (dB)' } },
        });
      }
      const first = report.layers.find((l) => l.weightHistogram);
      if (first?.weightHistogram) {
        out.push({
          title: `Weights of ${first.name}: float and quantized`,
          data: [bars(first.weightHistogram.before, 'float'), bars(first.weightHistogram.after, 'quantized')],
          layout: { barmode: 'overlay', yaxis: { type: 'log' } },
          logToggle: true,
        });
      }
      if (first?.errorHistogram)
        out.push({ title: `Quantization error of ${first.name}`, data: [bars(first.errorHistogram, 'error', 1)], layout: {} });
      return out;
    }
    case 'sensitivity': {
      const x = report.levels.map((l) => (report.technique === 'prune' ? pct(l) : l));
      const scale = (v: number) => (report.metric === 'accuracy' ? pct(v) : v);
      const data: Trace[] = report.layers.map((l) => ({ type: 'scatter', mode: 'lines+markers', name: l.name, x, y: l.values.map(scale) }));
      data.push({
        type: 'scatter',
        mode: 'lines',
        name: 'baseline',
        x: [x[0]!, x.at(-1)!],
        y: [scale(report.baseline), scale(report.baseline)],
        line: { dash: 'dot' },
      });
      if (report.maxDrop !== undefined) {
        const t = scale(report.metric === 'loss' ? report.baseline + report.maxDrop : report.baseline - report.maxDrop);
        data.push({ type: 'scatter', mode: 'lines', name: 'acceptable drop', x: [x[0]!, x.at(-1)!], y: [t, t], line: { dash: 'dash' } });
      }
      return [
        {
          title: report.title,
          data,
          layout: {
            xaxis: {
              title: report.technique === 'prune' ? 'sparsity %' : 'bits',
              autorange: report.technique === 'quantize' ? 'reversed' : true,
            },
            yaxis: { title: report.metric === 'accuracy' ? 'accuracy %' : report.metric },
          },
        },
      ];
    }
    case 'pareto': {
      const front = report.points.filter((p) => p.onFront).sort((a, b) => a.bytes - b.bytes);
      return [
        {
          title: report.title,
          data: [
            {
              type: 'scatter',
              mode: 'markers',
              name: 'configurations',
              x: report.points.map((p) => p.bytes),
              y: report.points.map((p) => pct(p.accuracy)),
              text: report.points.map((p) => p.label),
              hovertemplate: '%{text}<br>%{x} bytes<br>%{y}%<extra></extra>',
            },
            {
              type: 'scatter',
              mode: 'lines+markers',
              name: 'Pareto front',
              x: front.map((p) => p.bytes),
              y: front.map((p) => pct(p.accuracy)),
              text: front.map((p) => p.label),
              hovertemplate: '%{text}<extra></extra>',
            },
          ],
          layout: { xaxis: { title: 'bytes', type: 'log' }, yaxis: { title: 'accuracy %' } },
        },
      ];
    }
    case 'compare':
      return [
        {
          title: report.title,
          data: [
            {
              type: 'bar',
              name: report.a.name,
              x: ['accuracy %', 'nonzeros (k)', 'bytes (kB)'],
              y: [pct(report.a.accuracy), report.a.nonzeros / 1000, report.a.bytes / 1000],
            },
            {
              type: 'bar',
              name: report.b.name,
              x: ['accuracy %', 'nonzeros (k)', 'bytes (kB)'],
              y: [pct(report.b.accuracy), report.b.nonzeros / 1000, report.b.bytes / 1000],
            },
          ],
          layout: { barmode: 'group' },
        },
      ];
    case 'clustering': {
      const names = report.layers.map((l) => l.name);
      const histogramOf = (l: (typeof report.layers)[number]): Trace[] => [
        bars(l.histogram, 'weights'),
        {
          type: 'scatter',
          mode: 'markers',
          name: `centroids (k = ${l.clusters}${l.codebooks > 1 ? `, ${l.codebooks} codebooks` : ''})`,
          x: l.centroids,
          y: l.centroids.map(() => 0),
          marker: { symbol: 'triangle-up', size: 9 },
        },
      ];
      const out: Figure[] = [];
      if (report.stages?.length)
        out.push({
          title: report.title,
          data: [
            { type: 'bar', name: 'ratio ×', x: report.stages.map((s) => s.stage), y: report.stages.map((s) => s.ratio) },
            {
              type: 'scatter',
              mode: 'lines+markers',
              name: 'accuracy %',
              x: report.stages.map((s) => s.stage),
              y: report.stages.map((s) => (s.accuracy == null ? NaN : pct(s.accuracy))),
              yaxis: 'y2',
            },
          ],
          layout: { yaxis: { title: 'fp32 bytes ÷ bytes', type: 'log' }, yaxis2: { title: 'accuracy %', overlaying: 'y', side: 'right' } },
        });
      const first = report.layers[0];
      if (first)
        out.push({
          title: `Weights of ${first.name} and their centroids`,
          data: histogramOf(first),
          layout: { barmode: 'overlay', yaxis: { type: 'log' } },
          logToggle: true,
          variants: report.layers.map((l) => ({ label: l.name, title: `Weights of ${l.name} and their centroids`, data: histogramOf(l) })),
        });
      out.push({
        title: 'Bits per weight: fixed-width indices vs entropy-coded (deep format)',
        data: [
          { type: 'bar', name: 'fixed ⌈log2 k⌉ + codebooks', x: names, y: report.layers.map((l) => l.bitsFixed) },
          { type: 'bar', name: 'entropy-coded', x: names, y: report.layers.map((l) => l.bitsEntropy) },
        ],
        layout: { barmode: 'group', yaxis: { title: 'bits / weight', rangemode: 'tozero' } },
      });
      return out;
    }
  }
}
