/**
 * @whittle/core — compression for TensorFlow.js models.
 *
 * Every operation returns a new model plus a report and leaves its input
 * untouched. Reports are plain data (see `./report`), shown as tables anywhere
 * and as plots in JupyterLab.
 */
export { initBackend, backendInfo, registerWasmTrainingKernels, type BackendInfo, type BackendName } from './backend/index.js';
export * from './data/index.js';
export * from './models/index.js';
export * from './analysis/index.js';
export * from './io/index.js';
export * from './report/index.js';
export * from './prune/index.js';
export * from './quantize/index.js';
export * from './auto/index.js';
export * from './cluster/index.js';
export * from './lowrank/index.js';
export * from './features/index.js';
export * from './distill/index.js';
export { fit, crossEntropy, type FitOptions, type FitResult, type TrainProgress } from './train/fit.js';
export { WhittleError } from './errors.js';
export { interruptWork, KeyboardInterrupt } from './train/interrupt.js';
export { parseLevels } from './cli/levels.js';
export {
  FLAGS,
  PRUNE_FLAGS,
  QUANTIZE_FLAGS,
  COMPRESS_FLAGS,
  DEEP_FLAGS,
  COMMANDS,
  addFlags,
  addCommandFlags,
  clusterOptions,
  compressOptions,
  factorizeOptions,
  pruneInputsOptions,
  quantizeSaveOptions,
  sensitivityOptions,
  pruneOptions,
  quantizeOptions,
  type CommandName,
  type FlagDeclaration,
  type FlagName,
  type Flags,
} from './cli/flags.js';
export { compressPipeline, deepOptions } from './cli/pipeline.js';
export { useFastWasmKernels } from './backend/index.js';
