export * from './reference.js';
export { buildLenet300100, buildLenet5, buildMobilenetMini, buildResnetMini } from './architectures.js';
export { buildSpamMlp, spamMlp, SPAM_MLP } from './spam-mlp.js';
export { cloneModel } from './clone.js';
export { checkModel } from './check.js';
export { TorchInit } from './init.js';
export {
  layerWeights,
  kernelOf,
  weightAxes,
  batchNormParams,
  graphWeightRoles,
  type WeightInfo,
  type WeightRole,
  type GraphNode,
} from './weights.js';
