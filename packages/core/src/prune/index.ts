export { prune, computeMasks, type PruneResult } from './prune.js';
export type { PruneOptions, Granularity, PruneMethod } from './options.js';
export { globalMasks, layerMask, nmMask, type Mask, type Masks } from './masks.js';
export { weightScores, unitNorms, type UnstructuredMethod, type StructuredMethod } from './criteria.js';
export { fineTune, strip, maskBinding, type FineTuneOptions } from './finetune.js';
export {
  constantSparsity,
  polynomialDecay,
  gradualPrune,
  dynamicPrune,
  iterativePrune,
  type PruningSchedule,
  type GradualOptions,
  type IterativeOptions,
  type DynamicPruneOptions,
  type ConstantSparsityOptions,
  type PolynomialDecayOptions,
} from './schedules.js';
export { kthSmallest, lowestMask } from './select.js';
export { ChannelGraph } from './graph.js';
export { pruneGraph, graphPruneOptions, type GraphPruneOptions } from './graph-model.js';
