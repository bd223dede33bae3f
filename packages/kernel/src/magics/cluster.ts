/** %cluster: k-means weight sharing, optionally with centroid fine-tuning; flags from core's declarations, as the CLI's. */
import { addCommandFlags, cluster, clusterOptions } from '@whittle/core';
import { modelOperand } from './operands.js';
import type { Magic } from './registry.js';
import { finish, fineTuned, outputs } from './common.js';

export const clusterMagic: Magic = {
  name: 'cluster',
  kind: 'line',
  example: '%cluster model --clusters 16 --as shared',
  group: 'compression',
  summary: 'Share weights by k-means (a codebook per layer or channel) and show the codebooks; never changes the input model.',
  define: (cmd) =>
    outputs(
      addCommandFlags(cmd.argument('<model>', 'notebook variable holding a tfjs LayersModel'), 'cluster').option(
        '--fine-tune <data>',
        'Dataset variable to fine-tune the centroids on (default: the train split)',
      ),
      'clustered model',
    ),
  run: async (ctx, [name], opts) => {
    const model = modelOperand(ctx, name);
    const result = cluster(model, clusterOptions(opts));
    const tuned = await fineTuned(
      ctx,
      opts,
      model,
      result.model,
      { clusters: result.assignments, learningRate: 1e-4 },
      'centroid fine-tuning',
    );
    // saved in the deep format: codebooks, sparse indices, Huffman
    return finish(ctx, opts, model, { model: tuned.model, report: result.report }, { quantization: 'deep', clusters: tuned.clusters });
  },
};
