/** Builds the `sparsity` report: per pruned kernel, totals, mask pictures and weight histograms. */
import type * as tf from '@tensorflow/tfjs';
import { histogram, type MaskImage, type SparsityLayer, type SparsityReport } from '@whittle/report';

const MAX_CELLS = 32;
const MAX_MASK_IMAGES = 4;

export interface PrunedKernel {
  layer: string;
  before: { shape: number[]; values: Float32Array; params: number };
  after: { shape: number[]; values: Float32Array; params: number };
  /** Keep-mask in the original layout (for the picture); omitted when nothing was masked. */
  mask?: Uint8Array;
  threshold: number | null;
  criterion: string;
}

const nonzeros = (v: Float32Array) => v.reduce((n, x) => n + (x !== 0 ? 1 : 0), 0);

/** Averages a kernel's keep-mask, viewed as [inputs, outputs], down to at most 32 × 32 cells. */
export function maskImage(layer: string, shape: number[], mask: Uint8Array): MaskImage {
  const cols0 = shape.at(-1)!;
  const rows0 = mask.length / cols0;
  const rows = Math.min(rows0, MAX_CELLS);
  const cols = Math.min(cols0, MAX_CELLS);
  const sum = new Float64Array(rows * cols);
  const cnt = new Float64Array(rows * cols);
  for (let r = 0; r < rows0; r++) {
    const rr = Math.floor((r * rows) / rows0);
    for (let c = 0; c < cols0; c++) {
      const cell = rr * cols + Math.floor((c * cols) / cols0);
      sum[cell] += mask[r * cols0 + c]!;
      cnt[cell]!++;
    }
  }
  return { layer, rows, cols, shape, values: Array.from(sum, (s, i) => Math.round((s / cnt[i]!) * 1000) / 1000) };
}

function modelCounts(model: tf.LayersModel): { params: number; nonzeros: number } {
  let params = 0;
  let nz = 0;
  for (const w of model.getWeights()) {
    const v = w.dataSync() as Float32Array;
    params += v.length;
    nz += nonzeros(v);
  }
  return { params, nonzeros: nz };
}

export function sparsityReport(args: {
  title: string;
  method: string;
  granularity: string;
  scope: string;
  physicallySmaller: boolean;
  before: tf.LayersModel;
  after: tf.LayersModel;
  kernels: PrunedKernel[];
}): SparsityReport {
  const layers: SparsityLayer[] = args.kernels.map((k) => {
    const nzBefore = nonzeros(k.before.values);
    const nz = nonzeros(k.after.values);
    return {
      name: k.layer,
      shapeBefore: k.before.shape,
      shapeAfter: k.after.shape,
      paramsBefore: k.before.params,
      paramsAfter: k.after.params,
      sparsityBefore: 1 - nzBefore / k.before.values.length,
      nonzeros: nz,
      // structured: the share of the original kernel that is gone
      sparsity: 1 - nz / k.before.values.length,
      threshold: k.threshold,
      criterion: k.criterion,
    };
  });
  const b = modelCounts(args.before);
  const a = modelCounts(args.after);
  const prunedTotal = args.kernels.reduce((s, k) => s + k.before.values.length, 0);
  const prunedNonzero = layers.reduce((s, l) => s + l.nonzeros, 0);
  const all = (pick: 'before' | 'after') => {
    const total = args.kernels.reduce((s, k) => s + k[pick].values.length, 0);
    const out = new Float32Array(total);
    let o = 0;
    for (const k of args.kernels) {
      out.set(k[pick].values, o);
      o += k[pick].values.length;
    }
    return out;
  };
  const beforeValues = all('before');
  const lim = beforeValues.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
  return {
    kind: 'sparsity',
    version: 1,
    title: args.title,
    method: args.method,
    granularity: args.granularity,
    scope: args.scope,
    physicallySmaller: args.physicallySmaller,
    layers,
    totals: {
      paramsBefore: b.params,
      paramsAfter: a.params,
      nonzerosBefore: b.nonzeros,
      nonzeros: a.nonzeros,
      sparsity: a.params === 0 ? 0 : 1 - a.nonzeros / b.params,
      prunedSparsity: prunedTotal === 0 ? 0 : 1 - prunedNonzero / prunedTotal,
    },
    masks: args.kernels
      .filter((k) => k.mask)
      .slice(0, MAX_MASK_IMAGES)
      .map((k) => maskImage(k.layer, k.before.shape, k.mask!)),
    histograms: { before: histogram(beforeValues, 81, [-lim, lim]), after: histogram(all('after'), 81, [-lim, lim]) },
  };
}
