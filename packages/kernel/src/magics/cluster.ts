/** %cluster: k-means weight sharing, optionally with centroid fine-tuning; flags from core's declarations, as the CLI's. */
import { cluster, clusterOptions } from '@whittle/core';
import { compressionMagic, finish, fineTuned } from './common.js';

export const clusterMagic = compressionMagic({
  name: 'cluster',
  example: '%cluster model --clusters 16 --as shared',
  summary: 'Share weights by k-means (a codebook per layer or channel) and show the codebooks; never changes the input model.',
  what: 'clustered model',
  data: (cmd) => cmd.option('--fine-tune <data>', 'Dataset variable to fine-tune the centroids on (default: the train split)'),
  run: async (ctx, model, opts) => {
    const result = cluster(model, clusterOptions(opts));
    const keep = { clusters: result.assignments, learningRate: 1e-4 };
    const tuned = await fineTuned(ctx, opts, model, result.model, keep, 'centroid fine-tuning');
    // saved in the deep format: codebooks, sparse indices, Huffman
    return finish(ctx, opts, model, { model: tuned.model, report: result.report }, { quantization: 'deep', clusters: tuned.clusters });
  },
});
