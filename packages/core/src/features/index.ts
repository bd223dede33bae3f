export { pruneInputs, type PruneInputsResult } from './prune-inputs.js';
export { selectFeatures, dropInputs } from './inputs.js';
export type { PruneInputsOptions, PruneInputsProgress } from './options.js';
export type { FeatureMethod } from './criteria.js';
