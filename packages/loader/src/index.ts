/**
 * @whittle/loader: loads models saved by Whittle — stock tfjs files and
 * Whittle's own packed and deep (Deep Compression) formats — into stock
 * TensorFlow.js, in browsers and Node. Depends on tfjs-core's types only.
 *
 *   const model = await tf.loadLayersModel(whittleHandler('/models/lenet/model.json'));
 */
export { whittleHandler, type FileLike, type WhittleHandlerOptions } from './handler.js';
export { decodeModel, checkModelJSON, entryBytes, shardPaths, type ModelJSON } from './decode.js';
export { WhittleLoadError } from './errors.js';
export { crc32 } from './crc32.js';
export { FORMATS, type FormatMetadata, type ShardChecksums, type WeightDecoder } from './formats/index.js';
export { PACKED_FORMAT, PACKED_VERSION, unpackBits, decodePacked, type PackedEntry } from './formats/packed.js';
export { DEEP_FORMAT, DEEP_VERSION, decodeDeep, type DeepTensorSpec, type DeepMetadata } from './formats/deep.js';
