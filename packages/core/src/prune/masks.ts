/**
 * Keep-masks (1 = keep, 0 = pruned) for unstructured and N:M sparsity.
 * Masks are plain data beside the model: one Uint8Array per pruned kernel.
 */
import { lowestMask } from './select.js';

export interface Mask {
  /** Layer whose kernel this masks. */
  layer: string;
  shape: number[];
  values: Uint8Array;
}

export type Masks = Record<string, Mask>;

/** Keeps all but round(sparsity · n) entries, removing the lowest scores. */
export function layerMask(scores: Float32Array, sparsity: number): { mask: Uint8Array; threshold: number | null } {
  return lowestMask(scores, Math.round(sparsity * scores.length));
}

/**
 * One threshold across all layers: removes the round(sparsity · N) lowest scores
 * of the concatenated layers, so layers with many small weights lose more.
 */
export function globalMasks(scores: Float32Array[], sparsity: number): { masks: Uint8Array[]; threshold: number | null } {
  const total = scores.reduce((s, a) => s + a.length, 0);
  const all = new Float32Array(total);
  let offset = 0;
  for (const s of scores) {
    all.set(s, offset);
    offset += s.length;
  }
  const { mask, threshold } = lowestMask(all, Math.round(sparsity * total));
  offset = 0;
  const masks = scores.map((s) => {
    const m = mask.slice(offset, offset + s.length);
    offset += s.length;
    return m;
  });
  return { masks, threshold };
}

/**
 * N:M sparsity: along the input dimension (the second-to-last axis of a
 * Dense [in, out] or Conv [kh, kw, in, out] kernel), every group of m
 * consecutive weights keeps its n highest scores (a short last group keeps at
 * most n). 2:4 is what sparse tensor cores accelerate.
 */
export function nmMask(scores: Float32Array, shape: number[], n: number, m: number): Uint8Array {
  const mask = new Uint8Array(scores.length);
  const out = shape.at(-1)!;
  const inputs = shape.at(-2) ?? 1;
  const outer = scores.length / (inputs * out);
  for (let o = 0; o < outer; o++) {
    for (let u = 0; u < out; u++) {
      for (let g = 0; g < inputs; g += m) {
        const idx: number[] = [];
        for (let r = g; r < Math.min(g + m, inputs); r++) idx.push((o * inputs + r) * out + u);
        idx.sort((a, b) => scores[b]! - scores[a]! || a - b);
        for (const i of idx.slice(0, n)) mask[i] = 1;
      }
    }
  }
  return mask;
}

export function countZeros(mask: Uint8Array): number {
  let z = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === 0) z++;
  return z;
}
