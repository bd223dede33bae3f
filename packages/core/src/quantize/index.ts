export {
  quantizeTensor,
  dequantizeTensor,
  fakeQuantize,
  roundHalfEven,
  integerRange,
  chooseParams,
  mseParams,
  CLIPS,
  CLIP_STEPS,
  type Clip,
  type Quantized,
  type QuantizeOptions,
  type Scheme,
} from './affine.js';
export { binarize, ternarize, toFloat16, toFloat16Bits, fromFloat16Bits } from './special.js';
export { makeObserver, OBSERVERS, type Observer, type ObserverName } from './observers.js';
export { FakeQuant, fakeQuantSTE, type FakeQuantConfig } from './fake-quant-layer.js';
export { quantize, type QuantizeModelOptions, type QuantizeResult, type ActivationQuantization } from './ptq.js';
export { quantizeKernel, type WeightQuantization } from './kernel.js';
export { errorStats } from './metrics.js';
export { encodeWeight, encodeArtifacts, simulateExport, EXPORT_QUANTIZATIONS, type ExportQuantization } from './export.js';
export { quantizeAwareTrain, fakeQuantWeights, type QatOptions } from './qat.js';
export { foldBatchNorm, equalize } from './equalize.js';
export { packBits, unpackBits, encodePackedArtifacts, encodePackedWeight, type PackedEntry, type PackedMetadata } from './packed.js';
export { quantizeGraph } from './graph.js';
