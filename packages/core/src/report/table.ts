/** Reports as tables: the text/plain and text/html fallbacks that read anywhere (GitHub, VS Code, a terminal). */
import type { Report } from './schema.js';

export interface Table {
  title: string;
  columns: string[];
  rows: (string | number)[][];
  /** Lines printed under the table (totals, notes). */
  notes: string[];
}

/** A fraction as a percentage with two decimals ('–' when missing): how every Whittle table prints one. */
export const formatPercent = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(2)}%`);
const pct = formatPercent;
const int = (v: number) => v.toLocaleString('en-US');
const sig = (v: number | null | undefined, digits = 4) => (v === null || v === undefined ? '–' : Number(v.toPrecision(digits)).toString());
const dims = (s: (number | null)[]) => `[${s.map((d) => (d === null ? '?' : d)).join('×')}]`;

/** One table per report kind. */
export function reportTable(r: Report): Table {
  switch (r.kind) {
    case 'summary':
      return {
        title: `Summary of ${r.model}`,
        columns: ['layer', 'type', 'output', 'params', 'nonzeros', 'sparsity', 'MACs', 'bytes'],
        rows: r.layers.map((l) => [
          l.name,
          l.type,
          dims(l.outputShape),
          int(l.params),
          int(l.nonzeros),
          pct(l.sparsity),
          int(l.macs),
          int(l.bytes),
        ]),
        notes: [
          `total: ${int(r.totals.params)} params, ${int(r.totals.nonzeros)} nonzero (${pct(r.totals.sparsity)} sparse), ${int(r.totals.macs)} MACs/sample, ${int(r.totals.bytes)} bytes`,
        ],
      };
    case 'evaluate':
      return {
        title: `Evaluation of ${r.model}`,
        columns: ['accuracy', 'loss', 'samples'],
        rows: [[pct(r.accuracy), sig(r.loss), int(r.samples)]],
        notes: [],
      };
    case 'sparsity':
      return {
        title: r.title,
        columns: ['layer', 'shape before', 'shape after', 'params', 'nonzeros', 'sparsity', 'threshold', 'criterion'],
        rows: r.layers.map((l) => [
          l.name,
          dims(l.shapeBefore),
          dims(l.shapeAfter),
          l.paramsBefore === l.paramsAfter ? int(l.paramsAfter) : `${int(l.paramsBefore)} → ${int(l.paramsAfter)}`,
          int(l.nonzeros),
          pct(l.sparsity),
          sig(l.threshold),
          l.criterion,
        ]),
        notes: [
          `${r.method}, ${r.granularity}, ${r.scope} scope: ${int(r.totals.nonzerosBefore)} → ${int(r.totals.nonzeros)} nonzero parameters (${pct(r.totals.sparsity)} of the model${r.totals.prunedSparsity !== undefined ? `, ${pct(r.totals.prunedSparsity)} of the pruned kernels` : ''}); params ${int(r.totals.paramsBefore)} → ${int(r.totals.paramsAfter)}`,
          r.physicallySmaller
            ? 'physically smaller: whole units were removed, the model has fewer parameters and runs faster'
            : 'masked: shapes are unchanged; the model is smaller only once encoded sparsely or compressed (gzip)',
          ...(r.accuracy ? [`accuracy ${pct(r.accuracy.before)} → ${pct(r.accuracy.after)}`] : []),
          ...(r.steps ?? []).map((s) => `step ${s.step}: sparsity ${pct(s.sparsity)}, accuracy ${pct(s.accuracy)}`),
          ...(r.notes ?? []),
        ],
      };
    case 'histogram':
      return {
        title: r.title,
        columns: ['series', 'samples', 'min', 'max', 'zero bin'],
        rows: r.series.map((s) => {
          const zeroBin = s.binEdges.findIndex((e, i) => e <= 0 && (s.binEdges[i + 1] ?? Infinity) > 0);
          return [
            s.label,
            int(s.counts.reduce((a, b) => a + b, 0)),
            sig(s.binEdges[0]),
            sig(s.binEdges.at(-1)),
            zeroBin >= 0 ? int(s.counts[zeroBin] ?? 0) : '–',
          ];
        }),
        notes: [],
      };
    case 'quantization':
      return {
        title: r.title,
        columns: ['layer', 'bits', 'scheme', 'granularity', 'scale min', 'scale max', 'MSE', 'SQNR dB', 'max |err|'],
        rows: r.layers.map((l) => [
          l.name,
          l.bits,
          l.scheme,
          l.granularity,
          sig(l.scaleMin),
          sig(l.scaleMax),
          sig(l.mse, 3),
          sig(l.sqnrDb, 3),
          sig(l.maxError, 3),
        ]),
        notes: [
          `weights: ${r.weights.bits}-bit ${r.weights.scheme}, ${r.weights.perChannel ? 'per-channel' : 'per-tensor'}, ${r.weights.scale} scales` +
            (r.activations ? `; activations: ${r.activations.bits}-bit, ${r.activations.observer} observer` : ''),
          ...(r.accuracy ? [`accuracy ${pct(r.accuracy.before)} → ${pct(r.accuracy.after)}`] : []),
          ...(r.bytes
            ? [
                `bytes ${int(r.bytes.before)} → ${int(r.bytes.after)} (${(r.bytes.before / Math.max(1, r.bytes.after)).toFixed(2)}× smaller)`,
              ]
            : []),
          ...(r.equalization ?? []).map((e) => `equalization ${e.name}: SQNR ${sig(e.sqnrDbBefore, 3)} → ${sig(e.sqnrDbAfter, 3)} dB`),
          ...(r.exported
            ? [
                `${r.exported.format} export reloaded: top-1 agreement with the float model ${pct(r.exported.top1)} on ${r.exported.samples} samples (max relative output difference ${sig(r.exported.maxRelDiff, 2)})`,
              ]
            : []),
          ...(r.notes ?? []),
        ],
      };
    case 'sensitivity':
      return {
        title: r.title,
        columns: ['layer', ...r.levels.map((l) => (r.technique === 'prune' ? pct(l) : `${l} bit`))],
        rows: r.layers.map((l) => [l.name, ...l.values.map((v) => (r.metric === 'accuracy' ? pct(v) : sig(v)))]),
        notes: [
          `baseline ${r.metric}: ${r.metric === 'accuracy' ? pct(r.baseline) : sig(r.baseline)}` +
            (r.samples ? ` on ${int(r.samples)} samples` : ''),
        ],
      };
    case 'pareto':
      return {
        title: r.title,
        columns: ['configuration', 'bytes', 'accuracy', 'on front'],
        rows: r.points.map((p) => [p.label, int(p.bytes), pct(p.accuracy), p.onFront ? 'yes' : '']),
        notes: [],
      };
    case 'compare':
      return {
        title: r.title,
        columns: ['', r.a.name, r.b.name],
        rows: [
          ['accuracy', pct(r.a.accuracy), pct(r.b.accuracy)],
          ['params', int(r.a.params), int(r.b.params)],
          ['nonzeros', int(r.a.nonzeros), int(r.b.nonzeros)],
          ['bytes', int(r.a.bytes), int(r.b.bytes)],
          ['latency ms', sig(r.a.latencyMs, 3), sig(r.b.latencyMs, 3)],
        ],
        notes: [`top-1 agreement ${pct(r.agreement)}, mean KL ${sig(r.meanKl, 3)} over ${int(r.samples)} samples`],
      };
  }
}

/** Fixed-width text table. */
export function tableText(t: Table): string {
  const cells = [t.columns, ...t.rows.map((r) => r.map(String))];
  const widths = t.columns.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [t.title, line(t.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line), ...t.notes].join('\n');
}

/** Escapes text for HTML: report strings (layer names, titles) are untrusted. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** An HTML table (every string escaped). */
export function tableHtml(t: Table): string {
  const e = (v: string | number) => escapeHtml(String(v));
  const head = t.columns.map((c) => `<th>${e(c)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((v) => `<td>${e(v)}</td>`).join('')}</tr>`).join('');
  const notes = t.notes.map((n) => `<p>${e(n)}</p>`).join('');
  return `<div class="whittle-report"><strong>${e(t.title)}</strong><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${notes}</div>`;
}
