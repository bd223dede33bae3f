export { cluster, sharedValues, type ClusterResult, type Clusters, type LayerClusters } from './cluster.js';
export type { ClusterOptions } from './options.js';
export { CLUSTER_INITS, type ClusterInit } from './kmeans.js';
export { clusteringReport } from './report.js';
export { encodeClustered } from './encode.js';
export { decodeDeepTensor, crc32, DEEP_FORMAT, DEEP_VERSION, type DeepTensorSpec, type DeepMetadata } from './format.js';
export { deepCompress, pruneSchedule, DEEP_DEFAULTS, type DeepCompressOptions, type DeepProgress } from './deep.js';
