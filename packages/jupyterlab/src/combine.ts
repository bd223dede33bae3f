/**
 * Reports from many cells → one picture, for the side panel: every run that
 * has a size and an accuracy becomes a point on one bytes-vs-accuracy plot,
 * and curves (sensitivity, pruning and quantization runs) land on one plot per
 * technique and pair of axes. What each report
 * contributes comes from its kind's `panel` parts in @whittle/report's registry.
 */
import {
  escapeFigure,
  kindOf,
  logAxis,
  pct,
  reportTitle,
  type Figure,
  type PanelCurve,
  type Report,
  type RunPoint,
  type Table,
  type Trace,
} from '@whittle/report';

/** A report and the notebook cell (0-based) whose output it came from. */
export interface CollectedReport {
  cell: number;
  report: Report;
}

/**
 * The side panel is narrow: legends go under the plot, at the foot of the figure (plotly moves the
 * plot up to make room), and each legend row adds height so the plot itself keeps its size.
 */
const PANEL_LEGEND = { orientation: 'h', x: 0, xanchor: 'left', y: 0, yanchor: 'bottom', yref: 'container' };
/** The panel figure's height for `entries` legend entries (assumed one per row: names are long). */
const panelHeight = (entries: number) => 340 + 20 * entries;

/** The (bytes, accuracy) points a report knows about; empty when it has no size or no accuracy. */
export function runPoints(r: Report): RunPoint[] {
  return kindOf(r).panel?.points?.(r) ?? [];
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The panel's figures: every run with a size and an accuracy on one bytes-vs-accuracy plot, then one
 * plot per technique and pair of axes for the curves (pruning: sparsity %, quantization: bits), so
 * different metrics never share an axis.
 */
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
    const bytes = runs.flatMap((t) => t.x as number[]);
    out.push({
      title: 'Size vs accuracy, every run',
      data: runs,
      layout: {
        height: panelHeight(runs.length),
        xaxis: { title: 'bytes', ...logAxis(bytes) },
        yaxis: { title: 'accuracy %' },
        showlegend: true,
        legend: PANEL_LEGEND,
      },
    });
  }
  const groups = new Map<string, { curve: PanelCurve; traces: Trace[] }>();
  for (const { cell, report } of items)
    for (const curve of kindOf(report).panel?.curves?.(report) ?? []) {
      const key = JSON.stringify([curve.technique, curve.x, curve.y]);
      if (!groups.has(key)) groups.set(key, { curve, traces: [] });
      groups.get(key)!.traces.push({ ...curve.trace, name: `[${cell + 1}] ${curve.trace.name ?? ''}` });
    }
  for (const { curve, traces } of [...groups.values()].sort((a, b) => a.curve.technique.localeCompare(b.curve.technique))) {
    out.push({
      title: `${capital(curve.technique)}: ${curve.y} by ${curve.x}`,
      data: traces,
      layout: {
        height: panelHeight(traces.length),
        barmode: 'group',
        // fewer bits is further along, as in the sensitivity report
        xaxis: { title: curve.x, ...(curve.x === 'bits' && { autorange: 'reversed' }) },
        yaxis: { title: curve.y },
        // a legend even for one curve: it says which cell the run came from
        showlegend: true,
        legend: PANEL_LEGEND,
      },
    });
  }
  return out.map(escapeFigure);
}

/** One row per collected report: where it came from and its headline figures, for the side panel's table. */
export function runsTable(items: CollectedReport[]): Table {
  return {
    title: 'Reports in this notebook',
    // accuracy right after the title: the panel is narrow and the table scrolls sideways
    columns: ['cell', 'title', 'accuracy', 'result', 'kind'],
    rows: items.map(({ cell, report }) => {
      const [accuracy, result] = kindOf(report).panel?.headline?.(report) ?? ['', ''];
      return [cell + 1, reportTitle(report), accuracy, result, report.kind];
    }),
    notes: [],
  };
}
