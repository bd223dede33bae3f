/**
 * Reports from many cells → one picture, for the side panel: every run that
 * has a size and an accuracy becomes a point on one bytes-vs-accuracy plot,
 * and every curve (sensitivity, …) lands on one axis. What each report
 * contributes comes from its kind's `panel` parts in @whittle/report's registry.
 */
import { escapeFigure, kindOf, pct, reportTitle, type Figure, type Report, type RunPoint, type Table, type Trace } from '@whittle/report';

/** A report and the notebook cell (0-based) whose output it came from. */
export interface CollectedReport {
  cell: number;
  report: Report;
}

/** The side panel is narrow: legends go under the plot. */
const PANEL_LEGEND = { orientation: 'h', y: -0.25 };

/** The (bytes, accuracy) points a report knows about; empty when it has no size or no accuracy. */
export function runPoints(r: Report): RunPoint[] {
  return kindOf(r).panel?.points?.(r) ?? [];
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
    (kindOf(report).panel?.curves?.(report) ?? []).map((t) => ({ ...t, name: `[${cell + 1}] ${t.name ?? ''}` })),
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
  return {
    title: 'Reports in this notebook',
    columns: ['cell', 'kind', 'title', 'accuracy', 'result'],
    rows: items.map(({ cell, report }) => [
      cell + 1,
      report.kind,
      reportTitle(report),
      ...(kindOf(report).panel?.headline?.(report) ?? ['', '']),
    ]),
    notes: [],
  };
}
