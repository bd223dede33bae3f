/**
 * Reports from many cells → one picture, for the side panel: every run that
 * has a size and an accuracy becomes a point on one bytes-vs-accuracy plot,
 * and every sensitivity curve lands on one axis. Pure data, like traces.ts.
 */
import { formatPercent, type Report, type Table } from '@whittle/core/report';
import { escapeFigure, pct, type Figure, type Trace } from './traces.js';

/** A report and the notebook cell (0-based) whose output it came from. */
export interface CollectedReport {
  cell: number;
  report: Report;
}

export interface RunPoint {
  label: string;
  bytes: number;
  accuracy: number;
}

/** The side panel is narrow: legends go under the plot. */
const PANEL_LEGEND = { orientation: 'h', y: -0.25 };

export function reportTitle(r: Report): string {
  return r.kind === 'summary' || r.kind === 'evaluate' ? `${r.kind} of ${r.model}` : r.title;
}

/** The (bytes, accuracy) points a report knows about; empty when it has no size or no accuracy. */
export function runPoints(r: Report): RunPoint[] {
  switch (r.kind) {
    case 'pareto':
      return r.points.map((p) => ({ label: p.label, bytes: p.bytes, accuracy: p.accuracy }));
    case 'compare':
      return [r.a, r.b].map((s) => ({ label: s.name, bytes: s.bytes, accuracy: s.accuracy }));
    case 'quantization': {
      const { accuracy, bytes } = r;
      if (!accuracy || !bytes) return [];
      const out: RunPoint[] = [];
      if (accuracy.before !== null) out.push({ label: `${r.title} (before)`, bytes: bytes.before, accuracy: accuracy.before });
      if (accuracy.after !== null) out.push({ label: r.title, bytes: bytes.after, accuracy: accuracy.after });
      return out;
    }
    case 'clustering': {
      const first = r.stages?.[0];
      const last = r.stages?.at(-1);
      const out: RunPoint[] = [];
      if (first?.accuracy != null) out.push({ label: `${r.title} (${first.stage})`, bytes: first.bytes, accuracy: first.accuracy });
      if (last && last !== first && last.accuracy != null) out.push({ label: r.title, bytes: last.bytes, accuracy: last.accuracy });
      return out;
    }
    default:
      return [];
  }
}

export function combinedFigures(items: CollectedReport[]): Figure[] {
  const out: Figure[] = [];
  const runs: Trace[] = items
    .map(({ cell, report }) => ({ cell, report, points: runPoints(report) }))
    .filter((r) => r.points.length > 0)
    .map(({ cell, report, points }) => ({
      type: 'scatter',
      mode: 'markers',
      name: `[${cell + 1}] ${reportTitle(report)}`,
      x: points.map((p) => p.bytes),
      y: points.map((p) => pct(p.accuracy)),
      text: points.map((p) => p.label),
      marker: { size: 9 },
      hovertemplate: '%{text}<br>%{x} bytes<br>%{y}%<extra></extra>',
    }));
  if (runs.length) {
    out.push({
      title: 'Every run in this notebook: size vs accuracy',
      data: runs,
      layout: { xaxis: { title: 'bytes', type: 'log' }, yaxis: { title: 'accuracy %' }, legend: PANEL_LEGEND },
    });
  }
  const curves: Trace[] = items.flatMap(({ cell, report }) =>
    report.kind === 'sensitivity'
      ? report.layers.map((l): Trace => ({
          type: 'scatter',
          mode: 'lines+markers',
          name: `[${cell + 1}] ${l.name}`,
          x: report.levels.map((v) => (report.technique === 'prune' ? pct(v) : v)),
          y: l.values.map((v) => (report.metric === 'accuracy' ? pct(v) : v)),
        }))
      : [],
  );
  if (curves.length) {
    out.push({
      title: 'Every sensitivity curve in this notebook',
      data: curves,
      layout: { xaxis: { title: 'level' }, yaxis: { title: 'metric' }, legend: PANEL_LEGEND },
    });
  }
  return out.map(escapeFigure);
}

/** One row per collected report: where it came from and its headline figures, for the side panel's table. */
export function runsTable(items: CollectedReport[]): Table {
  const headline = (r: Report): [string, string] => {
    switch (r.kind) {
      case 'evaluate':
        return [formatPercent(r.accuracy), ''];
      case 'summary':
        return ['', `${r.totals.bytes.toLocaleString('en-US')} bytes, ${formatPercent(r.totals.sparsity)} sparse`];
      case 'sparsity':
        return [
          r.accuracy ? `${formatPercent(r.accuracy.before)} → ${formatPercent(r.accuracy.after)}` : '',
          `${formatPercent(r.totals.sparsity)} sparse`,
        ];
      case 'quantization':
        return [
          r.accuracy ? `${formatPercent(r.accuracy.before)} → ${formatPercent(r.accuracy.after)}` : '',
          r.bytes ? `${r.bytes.before.toLocaleString('en-US')} → ${r.bytes.after.toLocaleString('en-US')} bytes` : `${r.weights.bits}-bit`,
        ];
      case 'compare':
        return [`${formatPercent(r.a.accuracy)} vs ${formatPercent(r.b.accuracy)}`, `agreement ${formatPercent(r.agreement)}`];
      case 'pareto':
        return ['', `${r.points.filter((p) => p.onFront).length} of ${r.points.length} on the front`];
      case 'sensitivity':
        return [
          `baseline ${r.metric === 'accuracy' ? formatPercent(r.baseline) : r.baseline}`,
          `${r.layers.length} layers × ${r.levels.length} levels`,
        ];
      case 'histogram':
        return ['', `${r.series.length} series`];
      case 'clustering':
        return [
          r.accuracy
            ? `${formatPercent(r.accuracy.before)} → ${formatPercent(r.accuracy.after)}`
            : formatPercent(r.stages?.at(-1)?.accuracy),
          r.bytes
            ? `${r.bytes.baselineWeights.toLocaleString('en-US')} → ${r.bytes.weights.toLocaleString('en-US')} bytes`
            : `k = ${r.layers.map((l) => l.clusters).join(', ')}`,
        ];
    }
  };
  return {
    title: 'Reports in this notebook',
    columns: ['cell', 'kind', 'title', 'accuracy', 'result'],
    rows: items.map(({ cell, report }) => [cell + 1, report.kind, reportTitle(report), ...headline(report)]),
    notes: [],
  };
}
