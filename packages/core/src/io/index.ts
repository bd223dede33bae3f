export { saveModel, writeModelFolder, type SavedModel, type SaveOptions } from './save.js';
export { loadModel } from './load.js';
export { modelBytes, type ModelBytes } from './bytes.js';
export { captureArtifacts, readModelJson, readShards, resolveModelJson, entryBytes, type ModelJson } from './artifacts.js';
export { exportAgreement, type ExportAgreement } from './agreement.js';
