/**
 * Importance scores: higher means more worth keeping. A criterion maps weights
 * to one score per weight (unstructured) or per output unit (structured).
 */
import { rng } from '../data/random.js';

export type UnstructuredMethod = 'magnitude' | 'random';
export type StructuredMethod = 'l1' | 'l2' | 'random' | 'bn-scale';

/** |w| (magnitude, i.e. L1 of each weight) or seeded uniform noise (random, the control). */
export function weightScores(values: Float32Array, method: UnstructuredMethod, seed: number): Float32Array {
  // plain loops: Float32Array.from(values, fn) is ~50× slower on large kernels
  const out = new Float32Array(values.length);
  if (method === 'random') {
    const next = rng(seed);
    for (let i = 0; i < out.length; i++) out[i] = next();
  } else {
    for (let i = 0; i < out.length; i++) out[i] = Math.abs(values[i]!);
  }
  return out;
}

/**
 * Norm of each output unit's slice of a kernel laid out [..., units]
 * (Dense [in, out], Conv [kh, kw, in, out], depthwise [kh, kw, channels, 1]
 * with `unitAxisFromEnd` = 2).
 */
export function unitNorms(values: Float32Array, shape: number[], norm: 'l1' | 'l2', unitAxisFromEnd = 1): Float32Array {
  const axis = shape.length - unitAxisFromEnd;
  const units = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = new Float32Array(units);
  for (let i = 0; i < values.length; i++) {
    const u = Math.floor(i / inner) % units;
    const v = values[i]!;
    out[u] += norm === 'l1' ? Math.abs(v) : v * v;
  }
  return norm === 'l2' ? out.map(Math.sqrt) : out;
}
