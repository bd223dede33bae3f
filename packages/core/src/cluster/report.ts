/** The `clustering` report: per layer, codebooks, histogram with centroids, bits before/after entropy coding. */
import { histogram, type ClusteringLayer, type ClusteringReport } from '@whittle/report';
import { codebookOf, type LayerClusters } from './cluster.js';
import { encodeClustered } from './encode.js';

export type { ClusteringReport };

/** Centroids drawn per layer (a channel-scope layer has many codebooks; the first ones are shown). */
const MAX_CENTROIDS = 1024;

export function clusteringLayer(c: LayerClusters, before: Float32Array): ClusteringLayer {
  let nonzeros = 0;
  let se = 0;
  const group = codebookOf(c);
  for (let i = 0; i < c.indices.length; i++) {
    const j = c.indices[i]!;
    const v = j >= 0 ? c.codebooks[group[i]! * c.k + j]! : 0;
    if (v !== 0) nonzeros++;
    se += (v - before[i]!) ** 2;
  }
  const params = c.indices.length;
  const encoded = encodeClustered(c);
  return {
    name: c.layer,
    shape: c.shape,
    params,
    nonzeros,
    clusters: c.k,
    codebooks: c.groups,
    centroids: Array.from(c.codebooks.subarray(0, MAX_CENTROIDS), (v) => Number(v.toPrecision(6))),
    histogram: histogram(before, 80),
    mse: se / params,
    // fixed-width: an index of ⌈log2 k⌉ bits for every weight, plus the float32 codebooks
    bitsFixed: (params * Math.ceil(Math.log2(c.k)) + c.codebooks.length * 32) / params,
    bitsEntropy: (encoded.bytes.byteLength * 8) / params,
  };
}

export function clusteringReport(o: {
  title: string;
  model: string;
  init: string;
  scope: 'layer' | 'channel';
  layers: { clusters: LayerClusters; before: Float32Array }[];
}): ClusteringReport {
  return {
    kind: 'clustering',
    version: 1,
    title: o.title,
    model: o.model,
    init: o.init,
    scope: o.scope,
    layers: o.layers.map((l) => clusteringLayer(l.clusters, l.before)),
  };
}
