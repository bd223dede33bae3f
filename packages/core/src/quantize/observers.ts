/**
 * Observers pick the range [lo, hi] an activation is quantized to, from the
 * values it took on calibration samples.
 * - minmax: the extremes seen (nothing clipped, coarse grid if there are outliers);
 * - moving-average: the mean of per-batch extremes (outliers of one batch count less);
 * - percentile: the 0.01 % and 99.99 % quantiles (a few outliers clipped);
 * - mse: the symmetric clip c minimizing the quantization MSE of a histogram of the values;
 * - kl: the clip minimizing KL(P ‖ Q) between the histogram and its quantized version (TensorRT's entropy calibration).
 */
import { fail, show } from '../errors.js';

export type ObserverName = 'minmax' | 'moving-average' | 'percentile' | 'mse' | 'kl';
export const OBSERVERS: ObserverName[] = ['minmax', 'moving-average', 'percentile', 'mse', 'kl'];

export interface Observer {
  /** Feeds one batch of values. */
  observe(values: Float32Array): void;
  /** The chosen range for `bits`. */
  range(bits: number): [number, number];
}

const HIST_BINS = 2048;

function minmax(): Observer {
  let lo = Infinity;
  let hi = -Infinity;
  return {
    observe: (v) => {
      for (const x of v) {
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
    },
    range: () => [Math.min(lo, 0), Math.max(hi, 0)],
  };
}

function movingAverage(momentum = 0.9): Observer {
  let lo: number | undefined;
  let hi: number | undefined;
  return {
    observe: (v) => {
      let a = Infinity;
      let b = -Infinity;
      for (const x of v) {
        a = Math.min(a, x);
        b = Math.max(b, x);
      }
      lo = lo === undefined ? a : momentum * lo + (1 - momentum) * a;
      hi = hi === undefined ? b : momentum * hi + (1 - momentum) * b;
    },
    range: () => [Math.min(lo ?? 0, 0), Math.max(hi ?? 0, 0)],
  };
}

/** Keeps every value (calibration sets are small) for quantile and histogram observers. */
function collecting(choose: (sorted: Float32Array, bits: number) => [number, number]): Observer {
  const chunks: Float32Array[] = [];
  let sorted: Float32Array | undefined;
  return {
    observe: (v) => {
      chunks.push(Float32Array.from(v));
      sorted = undefined;
    },
    range: (bits) => {
      if (!sorted) {
        const all = new Float32Array(chunks.reduce((s, c) => s + c.length, 0));
        let o = 0;
        for (const c of chunks) all.set(c, (o += c.length) - c.length);
        sorted = all.sort();
      }
      if (sorted.length === 0) return [0, 0];
      return choose(sorted, bits);
    },
  };
}

const quantile = (sorted: Float32Array, q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;

/** Histogram of |x| (ReLU outputs are one-sided; a symmetric clip for signed ones). */
function absHistogram(sorted: Float32Array): { counts: Float64Array; width: number } {
  const max = Math.max(Math.abs(sorted[0]!), Math.abs(sorted.at(-1)!)) || 1;
  const width = max / HIST_BINS;
  const counts = new Float64Array(HIST_BINS);
  for (const x of sorted) counts[Math.min(HIST_BINS - 1, Math.floor(Math.abs(x) / width))]!++;
  return { counts, width };
}

const clipRange = (sorted: Float32Array, c: number): [number, number] => [sorted[0]! < 0 ? -c : 0, c];

/** Expected squared error of clipping at `c` with `levels` uniform levels over [0, c]. */
function mseAt(counts: Float64Array, width: number, c: number, levels: number): number {
  const step = c / levels;
  let err = 0;
  for (let i = 0; i < counts.length; i++) {
    if (!counts[i]) continue;
    const x = (i + 0.5) * width;
    err += counts[i]! * (x > c ? (x - c) ** 2 : step ** 2 / 12);
  }
  return err;
}

function klAt(counts: Float64Array, bins: number, levels: number): number {
  // P: first `bins` bins with the clipped tail folded into the last; Q: the unfolded bins merged into
  // `levels` groups and spread back over their nonzero bins (TensorRT's entropy calibration)
  const p = Array.from(counts.subarray(0, bins));
  for (let i = bins; i < counts.length; i++) p[bins - 1]! += counts[i]!;
  const q = new Array<number>(bins).fill(0);
  for (let g = 0; g < levels; g++) {
    const a = Math.floor((g * bins) / levels);
    const b = Math.floor(((g + 1) * bins) / levels);
    let sum = 0;
    let nonzero = 0;
    for (let i = a; i < b; i++) {
      if (counts[i]) {
        sum += counts[i]!;
        nonzero++;
      }
    }
    for (let i = a; i < b; i++) if (counts[i]) q[i] = sum / nonzero;
  }
  const tp = p.reduce((s, x) => s + x, 0);
  const tq = q.reduce((s, x) => s + x, 0);
  let kl = 0;
  for (let i = 0; i < bins; i++) if (p[i]! > 0) kl += (p[i]! / tp) * Math.log(p[i]! / tp / Math.max(q[i]! / tq, 1e-12));
  return kl;
}

export function makeObserver(name: ObserverName): Observer {
  switch (name) {
    case 'minmax':
      return minmax();
    case 'moving-average':
      return movingAverage();
    case 'percentile':
      return collecting((s) => [Math.min(quantile(s, 0.0001), 0), Math.max(quantile(s, 0.9999), 0)]);
    case 'mse':
      return collecting((s, bits) => {
        const { counts, width } = absHistogram(s);
        const levels = 2 ** (s[0]! < 0 ? bits - 1 : bits) - 1;
        let best = HIST_BINS;
        let bestErr = Infinity;
        for (let b = 16; b <= HIST_BINS; b += 16) {
          const e = mseAt(counts, width, b * width, levels);
          if (e < bestErr) {
            bestErr = e;
            best = b;
          }
        }
        return clipRange(s, best * width);
      });
    case 'kl':
      return collecting((s, bits) => {
        const { counts, width } = absHistogram(s);
        const levels = 2 ** (s[0]! < 0 ? bits - 1 : bits);
        let best = HIST_BINS;
        let bestKl = Infinity;
        for (let b = levels; b <= HIST_BINS; b += 32) {
          const kl = klAt(counts, b, levels);
          if (kl < bestKl) {
            bestKl = kl;
            best = b;
          }
        }
        return clipRange(s, best * width);
      });
    default:
      return fail('quantize', `observer must be one of ${OBSERVERS.join(', ')}, got '${show(name)}'`);
  }
}
