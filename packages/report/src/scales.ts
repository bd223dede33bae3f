/**
 * Axis and colour scales chosen from the data, so a plot is readable whatever
 * the report holds: log axes get a few round ticks (plotly's own log ticks
 * crowd into overlapping digits on short plots), count axes go log only when
 * one bin dwarfs the rest, bar charts go log when one bar is far taller than
 * another, and heatmaps get a colour range fitted to their values.
 */

/** 1_234 → '1.23k', 250_000 → '250k', 0.5 → '0.5', 0.00012 → '1.2e-4': three significant digits with an SI suffix. */
export function compact(v: number): string {
  const a = Math.abs(v);
  if (a > 0 && a < 0.01) return Number(v.toPrecision(2)).toExponential();
  const [div, suffix] = a >= 1e9 ? [1e9, 'G'] : a >= 1e6 ? [1e6, 'M'] : a >= 1e3 ? [1e3, 'k'] : [1, ''];
  return `${Number((v / div).toPrecision(3))}${suffix}`;
}

/**
 * Tick values and labels for a log axis spanning [lo, hi] (both > 0): round values
 * (1-2-5, 1-3 or whole decades, whichever gives at most about six ticks), labelled compactly.
 */
export function logTicks(lo: number, hi: number): { tickvals: number[]; ticktext: string[] } {
  if (!(lo > 0) || !(hi >= lo)) return { tickvals: [], ticktext: [] };
  const decades = Math.log10(hi / lo);
  const mantissas = decades <= 1.5 ? [1, 2, 5] : decades <= 3 ? [1, 3] : [1];
  const step = Math.max(1, Math.ceil(decades / 6));
  const vals: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    if (mantissas.length === 1 && e % step !== 0) continue;
    for (const m of mantissas) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v >= lo / 1.0001 && v <= hi * 1.0001) vals.push(v);
    }
  }
  // a range narrower than the round values: label its two ends
  const tickvals = vals.length >= 2 ? vals : [...new Set([Number(lo.toPrecision(2)), Number(hi.toPrecision(2))])];
  return { tickvals, ticktext: tickvals.map(compact) };
}

/** A log axis over `values` (non-positive ones ignored) with round ticks. */
export function logAxis(values: number[]): Record<string, unknown> {
  const pos = values.filter((v) => v > 0 && Number.isFinite(v));
  if (pos.length === 0) return { type: 'log' };
  return { type: 'log', ...logTicks(Math.min(...pos), Math.max(...pos)) };
}

/**
 * Histogram counts: log-y only when the tallest bin holds at least 10× the next tallest
 * (a pruned model's zero spike, a clipped outlier bin), else linear. Ticks start at 1.
 */
export function countAxis(counts: number[][]): { log: boolean; logAxis: Record<string, unknown> } {
  let log = false;
  let top = 1;
  for (const c of counts) {
    const sorted = [...c].sort((a, b) => b - a);
    top = Math.max(top, sorted[0] ?? 0);
    if ((sorted[0] ?? 0) >= 10 * Math.max(1, sorted[1] ?? 0)) log = true;
  }
  return { log, logAxis: { type: 'log', ...logTicks(1, top) } };
}

/** Bar heights: a log axis when the largest positive bar is at least 30× the smallest, else linear from zero. */
export function magnitudeAxis(values: number[]): Record<string, unknown> {
  const pos = values.filter((v) => v > 0 && Number.isFinite(v));
  if (pos.length && Math.max(...pos) >= 30 * Math.min(...pos)) return logAxis(pos);
  return { type: 'linear', rangemode: 'tozero' };
}

/**
 * Value labels drawn on top of bars, so heights read as numbers even on a log axis. With `same`
 * (the neighbouring bars' values), a bar equal to its neighbour stays unlabelled: one number is enough.
 */
export const barLabels = (values: number[], same?: number[]) => ({
  text: values.map((v, i) => (same && same[i] === v ? '' : compact(v))),
  textposition: 'outside' as const,
  cliponaxis: false,
});

/**
 * A heatmap's colours fitted to its values: signed values (weights) get a diverging scale
 * symmetric about zero, so zero is the neutral colour; non-negative ones a sequential scale
 * from their minimum to their maximum.
 */
export function heatmapScale(values: number[]): { colorscale: string; zmin: number; zmax: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values)
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  if (!Number.isFinite(lo)) return { colorscale: 'Viridis', zmin: 0, zmax: 1 };
  if (lo < 0) {
    const m = Math.max(-lo, hi);
    return { colorscale: 'RdBu', zmin: -m, zmax: m };
  }
  return hi > lo ? { colorscale: 'Viridis', zmin: lo, zmax: hi } : { colorscale: 'Viridis', zmin: Math.min(0, lo), zmax: hi > 0 ? hi : 1 };
}
