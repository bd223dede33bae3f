/**
 * The registry: every report kind Whittle knows, in one list. The union schema,
 * `validateReport`, `reportTable`, `figures`, the renderer's title and table
 * placement, and the side panel's points, curves and headlines all derive from
 * `KINDS` — nothing else switches on `kind`.
 *
 * ## Adding a report kind
 *
 * 1. Write `kinds/<kind>.ts` (copy `evaluate.ts`, the smallest). It exports:
 *    - the zod schema `<Kind>Report = z.object({ kind: z.literal('<kind>'), version, … })`,
 *      built from `../base.js`'s primitives (`count`, `fraction`, `shape`, `Histogram`, …),
 *      and its type `type <Kind>Report = z.infer<typeof <Kind>Report>`;
 *    - the module `export const <kind>Kind = defineKind({ schema, table, figures, title?, tableFirst?, panel? })`:
 *      - `table(r)`: the text/plain and text/html table (title, columns, rows, notes),
 *        formatted with `formatPercent`/`formatInt`/`formatSig`/`formatShape` from `../base.js`;
 *      - `figures(r)`: plotly figures as plain data (`Figure`/`Trace` from `../figure.js`; no
 *        plotly import). Put report strings in raw — the registry escapes each figure once;
 *        set `logToggle` for a log-y checkbox and `variants` for a picker (e.g. one per layer);
 *        only the trace types bar, scatter, heatmap and histogram are bundled in the renderer;
 *      - `title(r)`: only if the report has no `title` field;
 *      - `tableFirst: true` when the table is the main content (otherwise it folds under the plots);
 *      - `panel`: what the side panel collects: `points` (bytes, accuracy) for the size-vs-accuracy
 *        plot, `curves` (`PanelCurve`: a trace with its technique and axis titles; the panel draws one
 *        plot per technique and pair of axes), `headline` for its table row and the line under the
 *        report's title (accuracy before → after, the result).
 * 2. In this file: `export * from './<kind>.js';`, `import { <kind>Kind } from './<kind>.js';`, and
 *    add `<kind>Kind` to `KINDS`.
 * 3. Tests: `kinds/<kind>.test.ts` checks the table and figures against a hand-written report
 *    (include a hostile name like `<img src=x onerror=alert(1)>`: it must reach plotly escaped once).
 *    Both browser tests (test/lab/page.test.ts, lab.test.ts) expect every kind in KINDS among
 *    `test/lab/reports.ipynb`'s outputs: add a cell there that produces one.
 *
 * Nothing else changes: the kernel displays any report through `toMimeBundle`, the renderer and
 * side panel read this registry. Kind modules import only zod and `../` files (report.test.ts
 * checks it: the renderer bundles this package, so no tfjs). Producers in core import the
 * `<Kind>Report` type from `@whittle/report` (`@whittle/core` re-exports everything).
 */
import { z } from 'zod';
import { REPORT_VERSION, type KindModule, type KindSchema } from '../base.js';
import { escapeFigure, type Figure } from '../figure.js';
import type { Table } from '../table.js';

export * from './summary.js';
export * from './evaluate.js';
export * from './sparsity.js';
export * from './histogram.js';
export * from './quantization.js';
export * from './sensitivity.js';
export * from './pareto.js';
export * from './compare.js';
export * from './plan.js';
export * from './clustering.js';
export * from './lowrank.js';
export * from './features.js';
export * from './distillation.js';

import { summaryKind } from './summary.js';
import { evaluateKind } from './evaluate.js';
import { sparsityKind } from './sparsity.js';
import { histogramKind } from './histogram.js';
import { quantizationKind } from './quantization.js';
import { sensitivityKind } from './sensitivity.js';
import { paretoKind } from './pareto.js';
import { compareKind } from './compare.js';
import { planKind } from './plan.js';
import { clusteringKind } from './clustering.js';
import { lowrankKind } from './lowrank.js';
import { featuresKind } from './features.js';
import { distillationKind } from './distillation.js';

/** Every report kind, in the order the side panel and docs list them. */
export const KINDS = [
  summaryKind,
  evaluateKind,
  sparsityKind,
  histogramKind,
  quantizationKind,
  sensitivityKind,
  paretoKind,
  compareKind,
  planKind,
  clusteringKind,
  lowrankKind,
  featuresKind,
  distillationKind,
] as const;

type SchemasOf<T extends readonly unknown[]> = { -readonly [I in keyof T]: T[I] extends KindModule<infer S> ? S : never };
/** Any Whittle report: the union of every kind's schema, discriminated by `kind`. */
export const Report = z.discriminatedUnion('kind', KINDS.map((k) => k.schema) as unknown as SchemasOf<typeof KINDS>);
export type Report = z.infer<typeof Report>;
export type ReportKind = Report['kind'];
export const REPORT_KINDS: readonly ReportKind[] = KINDS.map((k) => k.kind);

const BY_KIND = new Map<string, KindModule>(KINDS.map((k) => [k.kind, k as unknown as KindModule]));

/** The module of a report's kind (its `table`, `figures`, `panel`, …), typed loosely. */
export function kindOf(r: Report): KindModule<KindSchema> {
  return BY_KIND.get(r.kind)!;
}

export type Validation = { ok: true; report: Report } | { ok: false; error: string };

/** Checks an untrusted payload (e.g. a notebook output) against the schema. Never throws. */
export function validateReport(payload: unknown): Validation {
  if (payload === null || typeof payload !== 'object')
    return { ok: false, error: `a Whittle report must be an object, got ${payload === null ? 'null' : typeof payload}` };
  const { kind, version: v } = payload as { kind?: unknown; version?: unknown };
  if (typeof kind !== 'string' || !BY_KIND.has(kind)) {
    return { ok: false, error: `unknown report kind ${JSON.stringify(kind)}; this version knows ${REPORT_KINDS.join(', ')}` };
  }
  if (v !== REPORT_VERSION)
    return {
      ok: false,
      error: `report version ${JSON.stringify(v)} is not supported (expected ${REPORT_VERSION}); update @whittle/jupyterlab`,
    };
  const parsed = Report.safeParse(payload);
  if (parsed.success) return { ok: true, report: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { ok: false, error: `invalid ${kind} report: ${issue.path.join('.') || '(root)'}: ${issue.message}` };
}

/** The report's table: the text/plain and text/html fallbacks, and the table the renderer shows. */
export function reportTable(r: Report): Table {
  return kindOf(r).table(r);
}

/** The report's plotly figures, every report string escaped exactly once (see figure.ts). */
export function figures(r: Report): Figure[] {
  return kindOf(r).figures(r).map(escapeFigure);
}

/** The heading shown above a report and in the side panel. */
export function reportTitle(r: Report): string {
  const m = kindOf(r);
  return m.title ? m.title(r) : ((r as { title?: string }).title ?? r.kind);
}
