import { describe, expect, it } from 'vitest';
import { dequantizeTensor, quantizeTensor, roundHalfEven } from './affine.js';
import { binarize, fromFloat16Bits, ternarize, toFloat16Bits } from './special.js';
import { rng } from '../data/random.js';

const f = (...v: number[]) => Float32Array.from(v);

describe('quantizeTensor (worked examples)', () => {
  it('rounds half to even', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, -3]);
  });

  it('per-channel symmetric int8: scale = max|w|/127 per output channel', () => {
    // shape [3, 2]: channel 0 = [127, -63.5, 31.75]/128, channel 1 = [0.25, 0.5, -1] → scales 1/128 and 1/127
    const w = f(127 / 128, 0.25, -63.5 / 128, 0.5, 31.75 / 128, -1);
    const t = quantizeTensor(w, [3, 2], { bits: 8, axis: -1 });
    expect(Array.from(t.scale)).toEqual([Math.fround(1 / 128), Math.fround(1 / 127)]);
    expect(Array.from(t.zeroPoint)).toEqual([0, 0]);
    // channel 0: 127, −63.5 → −64 (half to even), 31.75 → 32; channel 1: 31.75 → 32, 63.5 → 64, −127
    expect(Array.from(t.q)).toEqual([127, 32, -64, 64, 32, -127]);
  });

  it('asymmetric uint8 includes zero in the range and maps it exactly', () => {
    const t = quantizeTensor(f(-1, 0, 2, 0.5), [4], { bits: 8, scheme: 'asymmetric' });
    expect(t.scale[0]).toBeCloseTo(3 / 255, 7);
    expect(t.zeroPoint[0]).toBe(85); // round(1 / (3/255))
    expect(Array.from(t.q)).toEqual([0, 85, 255, 85 + 42]); // 0.5/scale = 42.5 → 42
    expect(dequantizeTensor(t)[1]).toBe(0);
    // an all-positive tensor still has 0 in its range
    expect(quantizeTensor(f(1, 2, 3), [3], { bits: 8, scheme: 'asymmetric' }).zeroPoint[0]).toBe(0);
  });

  it('int4 symmetric: q ∈ [−7, 7]; int4 asymmetric: q ∈ [0, 15]', () => {
    const t = quantizeTensor(f(0.875, -0.4375, 0.0625, 0.1875), [4], { bits: 4 }); // scale exactly 1/8
    expect(t.scale[0]).toBe(0.125);
    expect(Array.from(t.q)).toEqual([7, -4, 0, 2]); // −3.5 → −4, 0.5 → 0, 1.5 → 2
    const a = quantizeTensor(f(-0.5, 1), [2], { bits: 4, scheme: 'asymmetric' });
    expect(Array.from(a.q)).toEqual([0, 15]);
    expect(a.zeroPoint[0]).toBe(5); // 0.5 / (1.5/15) = 5
  });

  it('pow2 scales are the next power of two', () => {
    const t = quantizeTensor(f(0.3, -1.1), [2], { bits: 8, scale: 'pow2' });
    expect(t.scale[0]).toBe(2 ** -6); // 1.1/127 = 0.00866 → 2^-6 = 0.015625
    expect(Array.from(t.q)).toEqual([19, -70]); // 0.3·64 = 19.2, 1.1·64 = 70.4
  });

  it('round-trip error ≤ scale/2 and zero stays zero, for every bit width and scheme', () => {
    const next = rng(5);
    const w = Float32Array.from({ length: 600 }, (_, i) => (i % 37 === 0 ? 0 : (next() - 0.3) * 4));
    for (const bits of [2, 3, 4, 6, 8, 12, 16]) {
      for (const scheme of ['symmetric', 'asymmetric'] as const) {
        const t = quantizeTensor(w, [20, 30], { bits, scheme, axis: 1 });
        const back = dequantizeTensor(t);
        w.forEach((v, i) => {
          expect(Math.abs(back[i]! - v)).toBeLessThanOrEqual(t.scale[i % 30]! / 2 + 1e-6);
          if (v === 0) expect(back[i]).toBe(0);
        });
      }
    }
  });

  it('rejects bad bits, bad axis and non-finite weights, naming them', () => {
    expect(() => quantizeTensor(f(1), [1], { bits: 1 })).toThrow('quantizeTensor: bits must be an integer in [2, 16], got 1');
    expect(() => quantizeTensor(f(1), [1], { bits: 17 })).toThrow('quantizeTensor: bits must be an integer in [2, 16], got 17');
    expect(() => quantizeTensor(f(1, 2), [1, 2], { bits: 8, axis: 2 })).toThrow(
      'quantizeTensor: axis must be an integer in [-2, 1], got 2',
    );
    expect(() => quantizeTensor(f(1, NaN), [2], { bits: 8 }, 'fc1/kernel')).toThrow(
      "quantizeTensor: weight 'fc1/kernel' has NaN at index 1; quantization needs finite values",
    );
    expect(() => quantizeTensor(f(Infinity), [1], { bits: 8 }, 'w')).toThrow("weight 'w' has Infinity at index 0");
  });
});

describe('binary, ternary, float16', () => {
  it('binary: sign · mean|w|', () => {
    expect(Array.from(binarize(f(0.5, -0.25, 0, 1), [4]))).toEqual([0.4375, -0.4375, 0.4375, 0.4375]);
  });

  it('ternary: |w| ≤ 0.7·mean|w| → 0, else ±mean of the kept |w|', () => {
    expect(Array.from(ternarize(f(1, -0.1, 0.5, -2), [4]))).toEqual([1.5, 0, 0, -1.5]); // Δ = 0.63
  });

  it('float16 bit patterns (IEEE 754 binary16, round to nearest even)', () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [65520, 0x7c00], // halfway to the next, rounds up to Inf
      [1 / 3, 0x3555],
      [0.1, 0x2e66],
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // tie → even (0)
      [3 * 2 ** -25, 0x0002], // tie → even (2)
      [1 + 2 ** -11, 0x3c00], // tie → even mantissa 0
      [1 + 3 * 2 ** -11, 0x3c02], // tie → even mantissa 2
      [-0, 0x8000],
      [Infinity, 0x7c00],
    ];
    for (const [v, bits] of cases) expect(toFloat16Bits(v), String(v)).toBe(bits);
    expect(toFloat16Bits(NaN) & 0x7c00).toBe(0x7c00);
    expect(fromFloat16Bits(0x3555)).toBeCloseTo(0.333251953125, 12);
    expect(fromFloat16Bits(0x0001)).toBe(2 ** -24);
    expect(fromFloat16Bits(0x7bff)).toBe(65504);
  });
});
