/**
 * The pair everything else is built from: quantizeTensor (floats → integers +
 * scale + zero point) and dequantizeTensor (back). Per-tensor or per-channel,
 * symmetric or asymmetric, float or power-of-two scales, 2…16 bits.
 *
 * Conventions (say them once, use them everywhere):
 * - symmetric: q ∈ [−(2^(b−1)−1), 2^(b−1)−1] (narrow range, so ±max map to
 *   ±qmax and the grid is symmetric), scale = max|w| / qmax, zero point 0;
 * - asymmetric: q ∈ [0, 2^b − 1], range [min(w, 0), max(w, 0)] so that 0 is
 *   exactly representable, scale = (max − min)/(2^b − 1), zp = round(−min/scale);
 * - pow2: scale rounded up to a power of two (shifts instead of multiplies);
 * - clip 'mse': the range is shrunk toward 0 by the fraction (k/100, k = 1…100) that
 *   minimises the squared error of the round trip, per channel; at 2–3 bits min-max
 *   lets one outlier set a scale that rounds most weights to 0 (see mseParams);
 * - rounding is half to even (like numpy/PyTorch), then clamped to the range.
 */
import { checkIntInRange, fail, show } from '../errors.js';
import { checkOptions, optionKeys } from '../options.js';

export type Scheme = 'symmetric' | 'asymmetric';

export interface QuantizeOptions {
  /** 2…16. */
  bits: number;
  scheme?: Scheme;
  /** Per-channel along this axis (negative counts from the end); omit for per-tensor. */
  axis?: number;
  /** 'float' (default) or 'pow2'. */
  scale?: 'float' | 'pow2';
  /** Range: 'minmax' (default, the full range) or 'mse' (the clipped range with the least squared error). */
  clip?: Clip;
}

export type Clip = 'minmax' | 'mse';
export const CLIPS: readonly Clip[] = ['minmax', 'mse'];
/** clip 'mse' tries the fractions k/CLIP_STEPS of the min-max range, k = 1…CLIP_STEPS. */
export const CLIP_STEPS = 100;

const QUANTIZE_TENSOR_KEYS = optionKeys<QuantizeOptions>({ bits: true, scheme: true, axis: true, scale: true, clip: true });

export interface Quantized {
  q: Int32Array;
  /** One per channel (per-channel) or one value. */
  scale: Float32Array;
  zeroPoint: Int32Array;
  shape: number[];
  /** Channel axis, or null for per-tensor. */
  axis: number | null;
  bits: number;
  scheme: Scheme;
}

/** Round half to even: 0.5 → 0, 1.5 → 2, −2.5 → −2. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // halves go up (toward +∞); step back when that landed on an odd number
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function integerRange(bits: number, scheme: Scheme): [number, number] {
  return scheme === 'symmetric' ? [-(2 ** (bits - 1) - 1), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
}

/** Checks values are finite; names the tensor and the first bad index. */
export function checkFinite(where: string, name: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!))
      fail(where, `weight '${name}' has ${String(values[i])} at index ${i}; quantization needs finite values`);
  }
}

/** Scale and zero point for values spanning [lo, hi]. */
export function chooseParams(
  lo: number,
  hi: number,
  bits: number,
  scheme: Scheme,
  scaleMode: 'float' | 'pow2',
): { scale: number; zeroPoint: number } {
  const [qmin, qmax] = integerRange(bits, scheme);
  let scale: number;
  if (scheme === 'symmetric') scale = Math.max(Math.abs(lo), Math.abs(hi)) / qmax;
  else scale = (Math.max(hi, 0) - Math.min(lo, 0)) / (qmax - qmin);
  if (!(scale > 0)) scale = 1; // an all-zero channel: any scale represents it exactly
  if (scaleMode === 'pow2') scale = 2 ** Math.ceil(Math.log2(scale));
  // Scales are stored as float32: a subnormal one (weights ~1e-38) keeps only a few
  // bits, and the round trip then misses by more than scale/2 (found by fuzzing).
  scale = Math.max(scale, 2 ** -126);
  const zeroPoint = scheme === 'symmetric' ? 0 : Math.min(qmax, Math.max(qmin, roundHalfEven(-Math.min(lo, 0) / scale)));
  return { scale, zeroPoint };
}

/** Squared error of the round trip of `values` on the grid (scale, zeroPoint). */
function squaredError(values: ArrayLike<number>, scale: number, zeroPoint: number, qmin: number, qmax: number): number {
  const inv = 1 / scale; // as quantizeTensor rounds
  let err = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const q = Math.min(qmax, Math.max(qmin, roundHalfEven(v * inv) + zeroPoint));
    const d = v - (q - zeroPoint) * scale;
    err += d * d;
  }
  return err;
}

/**
 * MSE-optimal clipping: the params for the range [α·lo, α·hi], α ∈ {k/CLIP_STEPS},
 * with the least squared round-trip error (ties keep the wider range). A grid
 * search rather than a closed form: the error is piecewise quadratic in the scale
 * with a jump wherever a weight crosses a rounding boundary, so it has many local minima.
 */
export function mseParams(
  values: ArrayLike<number>,
  lo: number,
  hi: number,
  bits: number,
  scheme: Scheme,
  scaleMode: 'float' | 'pow2',
): { scale: number; zeroPoint: number } {
  const [qmin, qmax] = integerRange(bits, scheme);
  let best = chooseParams(lo, hi, bits, scheme, scaleMode);
  let bestErr = squaredError(values, best.scale, best.zeroPoint, qmin, qmax);
  for (let k = CLIP_STEPS - 1; k >= 1; k--) {
    const p = chooseParams((lo * k) / CLIP_STEPS, (hi * k) / CLIP_STEPS, bits, scheme, scaleMode);
    const err = squaredError(values, p.scale, p.zeroPoint, qmin, qmax);
    if (err < bestErr) [best, bestErr] = [p, err];
  }
  return best;
}

/**
 * Visits every flat index with its channel, as nested loops over
 * [outer, channel, inner] (a per-element division would double the cost on
 * 25 M weights).
 */
function forEachChannel(shape: number[], axis: number | null, visit: (i: number, c: number) => void): void {
  const size = shape.reduce((a, b) => a * b, 1);
  if (axis === null) {
    for (let i = 0; i < size; i++) visit(i, 0);
    return;
  }
  const n = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = size / (n * inner);
  let i = 0;
  for (let o = 0; o < outer; o++) for (let c = 0; c < n; c++) for (let k = 0; k < inner; k++) visit(i++, c);
}

export function normalizeAxis(where: string, axis: number | undefined, rank: number): number | null {
  if (axis === undefined) return null;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank)
    fail(where, `axis must be an integer in [${-rank}, ${rank - 1}], got ${axis}`);
  return axis < 0 ? axis + rank : axis;
}

export function quantizeTensor(values: Float32Array, shape: number[], options: QuantizeOptions, name = 'tensor'): Quantized {
  checkOptions('quantizeTensor', options, QUANTIZE_TENSOR_KEYS);
  const bits = checkIntInRange('quantizeTensor', 'bits', options.bits, 2, 16);
  const scheme = options.scheme ?? 'symmetric';
  if (scheme !== 'symmetric' && scheme !== 'asymmetric')
    fail('quantizeTensor', `scheme must be 'symmetric' or 'asymmetric', got '${show(scheme)}'`);
  const axis = normalizeAxis('quantizeTensor', options.axis, shape.length);
  const clip = options.clip ?? 'minmax';
  if (!CLIPS.includes(clip)) fail('quantizeTensor', `clip must be one of ${CLIPS.join(', ')}, got '${show(clip)}'`);
  checkFinite('quantizeTensor', name, values);
  const channels = axis === null ? 1 : shape[axis]!;
  const lo = new Float64Array(channels).fill(Infinity);
  const hi = new Float64Array(channels).fill(-Infinity);
  forEachChannel(shape, axis, (i, c) => {
    const v = values[i]!;
    if (v < lo[c]!) lo[c] = v;
    if (v > hi[c]!) hi[c] = v;
  });
  const scale = new Float32Array(channels);
  const zeroPoint = new Int32Array(channels);
  const byChannel = clip === 'mse' ? channelValues(values, shape, axis, channels) : undefined;
  for (let c = 0; c < channels; c++) {
    const p = byChannel
      ? mseParams(byChannel[c]!, lo[c]!, hi[c]!, bits, scheme, options.scale ?? 'float')
      : chooseParams(lo[c]!, hi[c]!, bits, scheme, options.scale ?? 'float');
    scale[c] = p.scale;
    zeroPoint[c] = p.zeroPoint;
  }
  const [qmin, qmax] = integerRange(bits, scheme);
  const q = new Int32Array(values.length);
  const inv = Float64Array.from(scale, (s) => 1 / s);
  forEachChannel(shape, axis, (i, c) => {
    const v = roundHalfEven(values[i]! * inv[c]!) + zeroPoint[c]!;
    q[i] = v < qmin ? qmin : v > qmax ? qmax : v;
  });
  return { q, scale, zeroPoint, shape, axis, bits, scheme };
}

/** The values of each channel, gathered (the MSE search reads each channel 100 times). */
function channelValues(values: Float32Array, shape: number[], axis: number | null, channels: number): Float32Array[] {
  const out = Array.from({ length: channels }, () => new Float32Array(values.length / channels));
  const fill = new Int32Array(channels);
  forEachChannel(shape, axis, (i, c) => (out[c]![fill[c]!++] = values[i]!));
  return out;
}

export function dequantizeTensor(t: Quantized): Float32Array {
  const out = new Float32Array(t.q.length);
  forEachChannel(t.shape, t.axis, (i, c) => (out[i] = (t.q[i]! - t.zeroPoint[c]!) * t.scale[c]!));
  return out;
}

/** quantize then dequantize: the values the quantized model computes with. */
export function fakeQuantize(values: Float32Array, shape: number[], options: QuantizeOptions, name?: string): Float32Array {
  return dequantizeTensor(quantizeTensor(values, shape, options, name));
}
