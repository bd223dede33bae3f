/**
 * `sweep(model, data, grid)`: every combination of sparsity × bits, each saved
 * the way it would ship and evaluated → a Pareto report of bytes actually
 * written against accuracy, with the non-dominated front marked.
 */
import type * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { fail } from '../errors.js';
import { checkFiniteWeights, checkModel } from '../models/check.js';
import { saveModel } from '../io/save.js';
import { prune } from '../prune/prune.js';
import { quantize } from '../quantize/ptq.js';
import { simulateExport } from '../quantize/export.js';
import type { ParetoReport } from '@whittle/report';
import { evaluate } from './evaluate.js';
import { paretoReport, type ParetoInput } from './pareto.js';
import { modelBytes } from '../io/bytes.js';
import { checkOptions, optionKeys } from '../options.js';

export interface SweepGrid {
  /** Global magnitude sparsities to try (0 = unpruned). Default [0]. */
  sparsity?: number[];
  /** Weight bits to try; 32 = float32, 16 = float16 export, 8 = uint8 export, < 8 = per-channel fake quantization. Default [32]. */
  bits?: number[];
  /** Size measure on the x axis: bytes on disk, or gzip of them (what pruning's zeros buy). Default 'gzip'. */
  size?: 'bytes' | 'gzip';
  /** Called after each point; throwing stops the sweep. */
  onPoint?: (p: ParetoInput, done: number, total: number) => void;
}
const SWEEP_KEYS = optionKeys<SweepGrid>({ sparsity: true, bits: true, size: true, onPoint: true });

export async function sweep(model: tf.LayersModel, data: Dataset, grid: SweepGrid = {}): Promise<ParetoReport> {
  checkModel('sweep', model);
  checkOptions('sweep', grid, SWEEP_KEYS);
  checkFiniteWeights('sweep', model);
  const sparsities = grid.sparsity ?? [0];
  const bitsList = grid.bits ?? [32];
  // 32 = float32; 2…16 go through quantize / the tfjs export, which stop at 16
  for (const b of bitsList)
    if (!Number.isInteger(b) || b < 2 || (b > 16 && b !== 32)) fail('sweep', `bits must be integers in [2, 16] or 32, got ${b}`);
  const size = grid.size ?? 'gzip';
  const scratch = mkdtempSync(join(tmpdir(), 'whittle-sweep-'));
  const points: ParetoInput[] = [];
  const total = sparsities.length * bitsList.length;
  try {
    for (const sparsity of sparsities) {
      const pruned = sparsity > 0 ? prune(model, { sparsity, scope: 'global' }).model : model;
      for (const bits of bitsList) {
        const dir = join(scratch, String(points.length));
        let evaluated: tf.LayersModel;
        if (bits >= 32) {
          await saveModel(pruned, dir, { quantization: 'float32' });
          evaluated = pruned;
        } else if (bits === 16 || bits === 8) {
          const format = bits === 16 ? 'float16' : 'uint8';
          await saveModel(pruned, dir, { quantization: format });
          evaluated = simulateExport(pruned, format);
        } else {
          // < 8 bits has no stock tfjs encoding: saved as the quantized model carries it (packed)
          evaluated = (await quantize(pruned, { weights: { bits, perChannel: true } })).model;
          await saveModel(evaluated, dir);
        }
        const { bytes, gzipBytes } = modelBytes(dir);
        const point: ParetoInput = {
          label: `${Math.round(sparsity * 100)}% sparse, ${bits >= 32 ? 'fp32' : bits === 16 ? 'float16' : `${bits}-bit`}`,
          bytes: size === 'gzip' ? gzipBytes : bytes,
          accuracy: evaluate(evaluated, data).accuracy,
          config: { sparsity, bits },
        };
        if (evaluated !== pruned) evaluated.dispose();
        points.push(point);
        grid.onPoint?.(point, points.length, total);
      }
      if (pruned !== model) pruned.dispose();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return paretoReport(`Size vs accuracy of ${model.name} (${size === 'gzip' ? 'gzip bytes' : 'bytes on disk'})`, points);
}
