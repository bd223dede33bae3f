/**
 * Whittle's reports: plain typed objects, validated by one schema, shared by the
 * library (which makes them), the kernel (which displays them) and the
 * JupyterLab renderer (which plots them). This module must not import tfjs:
 * the renderer bundle imports it through `@whittle/core/report`.
 *
 * Every report has `kind` and `version`; MIME type REPORT_MIME carries it as JSON.
 */
import { z } from 'zod';

export const REPORT_MIME = 'application/vnd.whittle.report+json';
export const REPORT_VERSION = 1;

const version = z.literal(REPORT_VERSION);
const num = z.number();
const count = z.number().int().nonnegative();
const fraction = z.number().min(0).max(1);
const shape = z.array(z.number().int().nullable());

/** A histogram: counts[i] samples fell in [binEdges[i], binEdges[i+1]). */
export const Histogram = z.object({ binEdges: z.array(num), counts: z.array(count) });

export const SummaryLayer = z.object({
  name: z.string(),
  type: z.string(),
  outputShape: shape,
  params: count,
  nonzeros: count,
  sparsity: fraction,
  /** Multiply-accumulates per sample. */
  macs: count,
  /** Bytes of the weights at their stored precision (fp32 unless quantized). */
  bytes: count,
  /** Bits per weight, when quantized. */
  bits: z.number().nullable().optional(),
});

export const SummaryReport = z.object({
  kind: z.literal('summary'),
  version,
  model: z.string(),
  layers: z.array(SummaryLayer),
  totals: z.object({ params: count, nonzeros: count, sparsity: fraction, macs: count, bytes: count }),
});

export const EvaluateReport = z.object({
  kind: z.literal('evaluate'),
  version,
  model: z.string(),
  accuracy: fraction,
  loss: num,
  samples: count,
});

/** What pruning did, per weight tensor. */
export const SparsityLayer = z.object({
  name: z.string(),
  shapeBefore: shape,
  shapeAfter: shape,
  paramsBefore: count,
  paramsAfter: count,
  /** Sparsity of this layer's weight before the operation. */
  sparsityBefore: fraction,
  nonzeros: count,
  sparsity: fraction,
  /** Magnitude threshold used, when the criterion has one. */
  threshold: z.number().nullable().optional(),
  criterion: z.string(),
});

/** A downsampled picture of one layer's mask: values are kept-fractions in [0, 1], row-major. */
export const MaskImage = z.object({
  layer: z.string(),
  rows: count,
  cols: count,
  /** Shape of the real weight this image summarizes. */
  shape: shape,
  values: z.array(fraction),
});

export const SparsityReport = z.object({
  kind: z.literal('sparsity'),
  version,
  title: z.string(),
  method: z.string(),
  granularity: z.string(),
  scope: z.string(),
  /** True when whole units were removed and the model really has fewer parameters. */
  physicallySmaller: z.boolean(),
  layers: z.array(SparsityLayer),
  /** Whole model: every parameter, biases and unpruned layers included. `prunedSparsity` is over the pruned kernels only. */
  totals: z.object({
    paramsBefore: count,
    paramsAfter: count,
    nonzerosBefore: count,
    nonzeros: count,
    sparsity: fraction,
    prunedSparsity: fraction.optional(),
  }),
  masks: z.array(MaskImage).optional(),
  /** Weight histograms before and after (all pruned layers together). */
  histograms: z.object({ before: Histogram, after: Histogram }).optional(),
  /** Accuracy per step of iterative / gradual pruning. */
  steps: z
    .array(z.object({ step: count, sparsity: fraction, accuracy: fraction.nullable(), accuracyOneShot: fraction.nullable().optional() }))
    .optional(),
  accuracy: z.object({ before: fraction.nullable(), after: fraction.nullable() }).optional(),
  /** What could not be done or measured, one sentence each (e.g. accuracy without data). */
  notes: z.array(z.string()).optional(),
});

export const HistogramReport = z.object({
  kind: z.literal('histogram'),
  version,
  title: z.string(),
  /** Each series is drawn as its own histogram (e.g. 'before' and 'after'). */
  series: z.array(Histogram.extend({ label: z.string() })),
  logY: z.boolean().optional(),
});

export const QuantizationLayer = z.object({
  name: z.string(),
  bits: z.number(),
  scheme: z.string(),
  granularity: z.enum(['per-tensor', 'per-channel']),
  scaleMin: num,
  scaleMax: num,
  mse: z.number().nonnegative(),
  /** Signal-to-quantization-noise ratio, 10·log10(Σw² / Σ(w − ŵ)²). */
  sqnrDb: z.number().nullable(),
  maxError: z.number().nonnegative(),
  errorHistogram: Histogram.optional(),
  weightHistogram: z.object({ before: Histogram, after: Histogram }).optional(),
});

export const QuantizationReport = z.object({
  kind: z.literal('quantization'),
  version,
  title: z.string(),
  weights: z.object({ bits: z.number(), scheme: z.string(), perChannel: z.boolean(), scale: z.string() }),
  activations: z.object({ bits: z.number(), observer: z.string() }).nullable(),
  layers: z.array(QuantizationLayer),
  /** Per-layer SQNR before equalization, when cross-layer equalization ran. */
  equalization: z.array(z.object({ name: z.string(), sqnrDbBefore: z.number().nullable(), sqnrDbAfter: z.number().nullable() })).optional(),
  accuracy: z.object({ before: fraction.nullable(), after: fraction.nullable() }).optional(),
  bytes: z.object({ before: count, after: count, gzipBefore: count.optional(), gzipAfter: count.optional() }).optional(),
  /** The saved export reloaded (stock decoding) and compared with the float model on `samples` inputs. */
  exported: z.object({ format: z.string(), samples: count, top1: fraction, maxRelDiff: z.number().nonnegative() }).optional(),
  /** What could not be done or measured, one sentence each (e.g. equalization pairs skipped). */
  notes: z.array(z.string()).optional(),
});

export const SensitivityReport = z.object({
  kind: z.literal('sensitivity'),
  version,
  title: z.string(),
  technique: z.enum(['prune', 'quantize']),
  metric: z.string(),
  /** The metric of the untouched model. */
  baseline: num,
  /** Sparsities (prune) or bit widths (quantize), one per column of `values`. */
  levels: z.array(num),
  layers: z.array(z.object({ name: z.string(), values: z.array(num) })),
  /** Drop from baseline that a user would accept (drawn as a line). */
  maxDrop: z.number().nonnegative().optional(),
  samples: count.optional(),
  seconds: z.number().nonnegative().optional(),
});

export const ParetoReport = z.object({
  kind: z.literal('pareto'),
  version,
  title: z.string(),
  points: z.array(
    z.object({
      label: z.string(),
      /** Bytes actually written by save. */
      bytes: count,
      accuracy: fraction,
      onFront: z.boolean(),
      config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
    }),
  ),
});

const CompareSide = z.object({
  name: z.string(),
  accuracy: fraction,
  params: count,
  nonzeros: count,
  bytes: count,
  latencyMs: z.number().nonnegative().nullable(),
});

export const CompareReport = z.object({
  kind: z.literal('compare'),
  version,
  title: z.string(),
  a: CompareSide,
  b: CompareSide,
  /** Fraction of samples where both models predict the same class. */
  agreement: fraction,
  /** Mean KL(a ‖ b) between output distributions. */
  meanKl: z.number().nonnegative(),
  samples: count,
});

export const Report = z.discriminatedUnion('kind', [
  SummaryReport,
  EvaluateReport,
  SparsityReport,
  HistogramReport,
  QuantizationReport,
  SensitivityReport,
  ParetoReport,
  CompareReport,
]);

export type Histogram = z.infer<typeof Histogram>;
export type SummaryLayer = z.infer<typeof SummaryLayer>;
export type SummaryReport = z.infer<typeof SummaryReport>;
export type EvaluateReport = z.infer<typeof EvaluateReport>;
export type SparsityLayer = z.infer<typeof SparsityLayer>;
export type MaskImage = z.infer<typeof MaskImage>;
export type SparsityReport = z.infer<typeof SparsityReport>;
export type HistogramReport = z.infer<typeof HistogramReport>;
export type QuantizationLayer = z.infer<typeof QuantizationLayer>;
export type QuantizationReport = z.infer<typeof QuantizationReport>;
export type SensitivityReport = z.infer<typeof SensitivityReport>;
export type ParetoReport = z.infer<typeof ParetoReport>;
export type CompareReport = z.infer<typeof CompareReport>;
export type Report = z.infer<typeof Report>;
export type ReportKind = Report['kind'];
export const REPORT_KINDS: readonly ReportKind[] = Report.options.map((o) => o.shape.kind.value);

export type Validation = { ok: true; report: Report } | { ok: false; error: string };

/** Checks an untrusted payload (e.g. a notebook output) against the schema. Never throws. */
export function validateReport(payload: unknown): Validation {
  if (payload === null || typeof payload !== 'object')
    return { ok: false, error: `a Whittle report must be an object, got ${payload === null ? 'null' : typeof payload}` };
  const { kind, version: v } = payload as { kind?: unknown; version?: unknown };
  if (typeof kind !== 'string' || !(REPORT_KINDS as readonly string[]).includes(kind)) {
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
