export { saveModel, storageBytes, writeModelFolder, type SavedModel, type SaveOptions } from './save.js';
export { storageFormat, setStorageFormat, describeStorage, type StorageFormat } from './storage.js';
export { loadModel } from './load.js';
export { modelBytes, type ModelBytes } from './bytes.js';
export { captureArtifacts, readModelJson, readShards, resolveModelJson, entryBytes, type ModelJson } from './artifacts.js';
export { exportAgreement, type ExportAgreement } from './agreement.js';
export { loadLayersModel } from './load.js';
export { isGraphModel, modelName, graphWeights, withGraphWeights, type AnyModel, type GraphWeight } from './graph.js';
