// The operations the toolkit benchmark times, through the library's public API.
import { globalMasks, type UnstructuredMethod } from '@whittle/core';
import { weightScores } from '@whittle/core';
export { quantizeTensor } from '@whittle/core';

/** Scores (|w|) plus the global mask at `sparsity`, as `prune` computes them. */
export function globalMaskForBench(w: Float32Array, sparsity: number) {
  return globalMasks([weightScores(w, 'magnitude' as UnstructuredMethod, 0)], sparsity);
}
