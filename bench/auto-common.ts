/** What the auto benchmarks share: the prune × quantize grid and the gzip size of a plan as saved. */
import { saveModel, saveOptionsFor, type Choice } from '@whittle/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SPARSITIES = [0, 0.25, 0.5, 0.7, 0.8, 0.9, 0.95];
export const BITS = [32, 8, 6, 4, 3, 2];
export interface Grid {
  sparsities: number[];
  bits: number[];
}
export const FULL: Grid = { sparsities: SPARSITIES, bits: BITS };
export const choicesOf = (g: Grid): Choice[] => g.sparsities.flatMap((sparsity) => g.bits.map((bits) => ({ sparsity, bits })));

export async function gzipOf(model: Parameters<typeof saveModel>[0], plan: Record<string, Choice>): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-bench-auto-'));
  try {
    return (await saveModel(model, join(dir, 'm'), saveOptionsFor(plan))).gzipBytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
