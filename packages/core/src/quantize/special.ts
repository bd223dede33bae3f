/** Quantizers that are not affine grids: binary, ternary and IEEE half precision. */
import { normalizeAxis } from './affine.js';

function perChannel(
  values: Float32Array,
  shape: number[],
  axis: number | undefined,
  f: (channel: Float32Array) => Float32Array,
): Float32Array {
  const ax = normalizeAxis('quantize', axis, shape.length);
  if (ax === null) return f(values);
  const inner = shape.slice(ax + 1).reduce((a, b) => a * b, 1);
  const n = shape[ax]!;
  const out = new Float32Array(values.length);
  for (let c = 0; c < n; c++) {
    const idx: number[] = [];
    for (let i = 0; i < values.length; i++) if (Math.floor(i / inner) % n === c) idx.push(i);
    const q = f(Float32Array.from(idx, (i) => values[i]!));
    idx.forEach((i, k) => (out[i] = q[k]!));
  }
  return out;
}

const meanAbs = (v: Float32Array) => v.reduce((s, x) => s + Math.abs(x), 0) / Math.max(1, v.length);

/** Binary weights (XNOR-Net/BWN): sign(w) · mean|w|, per channel when `axis` is given. 0 maps to +α. */
export function binarize(values: Float32Array, shape: number[], axis?: number): Float32Array {
  return perChannel(values, shape, axis, (v) => {
    const alpha = meanAbs(v);
    return v.map((x) => (x < 0 ? -alpha : alpha));
  });
}

/**
 * Ternary weights (TWN, Li & Liu 2016): threshold Δ = 0.7 · mean|w|; weights
 * with |w| ≤ Δ become 0, the rest ±α with α the mean |w| of those kept.
 */
export function ternarize(values: Float32Array, shape: number[], axis?: number): Float32Array {
  return perChannel(values, shape, axis, (v) => {
    const delta = 0.7 * meanAbs(v);
    const kept = v.filter((x) => Math.abs(x) > delta);
    const alpha = meanAbs(kept);
    return v.map((x) => (Math.abs(x) > delta ? Math.sign(x) * alpha : 0));
  });
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits of a float32, rounding to nearest even; overflow → ±Inf, NaN stays NaN. */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // too large: Inf
  if (e <= 0) {
    // subnormal half (or zero): shift the implicit 1 in, round to nearest even
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let m = mant >>> shift;
    if (rest > half || (rest === half && m & 1)) m++;
    return sign | m;
  }
  const rest = mant & 0x1fff;
  mant >>>= 13;
  if (rest > 0x1000 || (rest === 0x1000 && mant & 1)) {
    mant++;
    if (mant === 0x400) {
      mant = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | mant;
}

/** The float32 value of IEEE binary16 bits. */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Rounds every value to the nearest float16 (what a float16 export stores). */
export function toFloat16(values: Float32Array): Float32Array {
  return values.map((v) => fromFloat16Bits(toFloat16Bits(v)));
}
