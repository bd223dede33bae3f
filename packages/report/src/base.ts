/**
 * The pieces every report kind is built from: the MIME type, the version, the
 * zod primitives (fractions, counts, shapes, histograms), the formatters tables
 * use, and `defineKind`, the shape of one kind's module (see kinds/index.ts).
 */
import { z } from 'zod';
import type { Figure, Trace } from './figure.js';
import type { Table } from './table.js';

export const REPORT_MIME = 'application/vnd.whittle.report+json';
export const REPORT_VERSION = 1;

export const version = z.literal(REPORT_VERSION);
export const num = z.number();
export const count = z.number().int().nonnegative();
export const fraction = z.number().min(0).max(1);
export const shape = z.array(z.number().int().nullable());

/** A histogram: counts[i] samples fell in [binEdges[i], binEdges[i+1]). */
export const Histogram = z.object({ binEdges: z.array(num), counts: z.array(count) });
export type Histogram = z.infer<typeof Histogram>;

/** A fraction as a percentage with two decimals ('–' when missing): how every Whittle table prints one. */
export const formatPercent = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(2)}%`);
/** An integer with thousands separators. */
export const formatInt = (v: number) => v.toLocaleString('en-US');
/** `digits` significant digits ('–' when missing). */
export const formatSig = (v: number | null | undefined, digits = 4) =>
  v === null || v === undefined ? '–' : Number(v.toPrecision(digits)).toString();
/** A tensor shape as `[28×28×?]`. */
export const formatShape = (s: (number | null)[]) => `[${s.map((d) => (d === null ? '?' : d)).join('×')}]`;

/** A point on the side panel's size-vs-accuracy plot. */
export interface RunPoint {
  label: string;
  bytes: number;
  accuracy: number;
}

/**
 * One curve for the side panel. Curves share a plot only when their technique and both axis
 * titles agree, so sparsity curves never meet bit-width curves, nor accuracy a loss.
 */
export interface PanelCurve {
  /** 'pruning', 'quantization', …: the panel draws one plot per technique and pair of axes. */
  technique: string;
  /** The x-axis title, e.g. 'sparsity %' or 'bits'. */
  x: string;
  /** The y-axis title, e.g. 'accuracy %'. */
  y: string;
  trace: Trace;
}

/** What the side panel takes from a report, beyond its title. Every part is optional. */
export interface PanelParts<R> {
  /** (bytes, accuracy) points for the panel's "every run" plot. */
  points?(r: R): RunPoint[];
  /** Curves for the panel's "level vs metric" plots (names get the cell number prefixed). */
  curves?(r: R): PanelCurve[];
  /** The report's row in the panel's table: [accuracy, result] cells. */
  headline?(r: R): [accuracy: string, result: string];
}

/** The zod schema of one kind: an object with a literal `kind` and the report `version`. */
export type KindSchema = z.ZodObject<{ kind: z.ZodLiteral<string>; version: typeof version }>;

/** One report kind: everything Whittle does with it, in one module. */
export interface KindModule<S extends KindSchema = KindSchema> {
  kind: z.infer<S>['kind'];
  schema: S;
  /** The heading above the report and in the side panel (default: the report's `title` field). */
  title?(r: z.infer<S>): string;
  /** The text/plain and text/html table (and the table under the plots). */
  table(r: z.infer<S>): Table;
  /** Plotly figures as plain data. Strings stay raw: the registry escapes every figure once. */
  figures(r: z.infer<S>): Figure[];
  /** Draw the table above the plots (it is the main content); otherwise it folds away under them. */
  tableFirst?: boolean;
  /** What the side panel collects from this kind. */
  panel?: PanelParts<z.infer<S>>;
}

/** Declares a kind's module; `kind` is read from the schema, so the two cannot disagree. */
export function defineKind<S extends KindSchema>(m: Omit<KindModule<S>, 'kind'>): KindModule<S> {
  return { ...m, kind: m.schema.shape.kind.value as z.infer<S>['kind'] };
}
