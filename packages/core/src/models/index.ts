export * from './reference.js';
export { buildLenet300100, buildLenet5, buildMobilenetMini, buildResnetMini } from './architectures.js';
export { cloneModel } from './clone.js';
export { checkModel } from './check.js';
export { TorchInit } from './init.js';
export { layerWeights, kernelOf, weightAxes, type WeightInfo, type WeightRole } from './weights.js';
