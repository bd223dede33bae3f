/**
 * Whittle reports → plotly figures (data + layout), one function per report
 * kind. Pure data in, pure data out: the renderer hands these to plotly, and
 * tests check them without a browser. Strings from reports go into plotly's
 * text fields, which plotly renders as text — never as HTML here.
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
}

export interface Figure {
  title: string;
  data: Trace[];
  layout: Record<string, unknown>;
}

const pct = (v: number) => Math.round(v * 10000) / 100;
/** Centres of histogram bins, for bar traces (bins are already counted by core). */
const centres = (h: Histogram) => h.counts.map((_, i) => (h.binEdges[i]! + h.binEdges[i + 1]!) / 2);
const bars = (h: Histogram, name: string, opacity = 0.6): Trace => ({ type: 'bar', name, x: centres(h), y: h.counts, opacity });

export function figures(report: Report): Figure[] {
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
      return [];
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
      for (const m of report.masks ?? []) {
        const z = Array.from({ length: m.rows }, (_, r) => m.values.slice(r * m.cols, (r + 1) * m.cols));
        out.push({
          title: `Kept weights of ${m.layer} (${m.shape.join('×')}, fraction kept per cell)`,
          data: [{ type: 'heatmap', z, showscale: true }],
          layout: { yaxis: { autorange: 'reversed' } },
        });
      }
      if (report.histograms) {
        out.push({
          title: 'Weights before and after',
          data: [bars(report.histograms.before, 'before'), bars(report.histograms.after, 'after')],
          layout: { barmode: 'overlay', yaxis: { type: 'log', title: 'count' } },
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
  }
}
