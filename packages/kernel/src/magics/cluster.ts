/** %cluster: k-means weight sharing, optionally with centroid fine-tuning. */
import { cluster, evaluate, fineTune, type ClusterInit } from '@whittle/core';
import { dataOperand, modelOperand, numberOpt } from './operands.js';
import { UsageError, type Magic } from './registry.js';

const MODEL_TYPE = 'import("@tensorflow/tfjs").LayersModel';

/** `16` or `fc1=32,conv*=64`. */
function clustersOpt(raw: unknown): number | Record<string, number> {
  const text = String(raw);
  const k = (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--clusters needs a number or layer=k pairs, got '${text}'`);
    return n;
  };
  if (!text.includes('=')) return k(text);
  return Object.fromEntries(text.split(',').map((pair) => [pair.split('=')[0]!.trim(), k(pair.split('=')[1] ?? '')]));
}

export const clusterMagic: Magic = {
  name: 'cluster',
  kind: 'line',
  example: '%cluster model --clusters 16 --as shared',
  group: 'compression',
  summary: 'Share weights by k-means (a codebook per layer or channel) and show the codebooks; never changes the input model.',
  define: (cmd) =>
    cmd
      .argument('<model>', 'notebook variable holding a tfjs LayersModel')
      .requiredOption('--clusters <k>', 'centroids per codebook in [2, 65536], or layer=k pairs (fc1=32,conv*=64)')
      .option('--init <init>', 'linear | kmeans++ | density | random', 'linear')
      .option('--scope <scope>', 'layer | channel', 'layer')
      .option('--skip <layers>', 'comma-separated layer names or globs')
      .option('--fine-tune <data>', 'Dataset variable to fine-tune the centroids on')
      .option('--epochs <n>', 'centroid fine-tuning epochs', '1')
      .option('--as <name>', 'bind the clustered model to this variable'),
  run: async (ctx, [name], opts) => {
    const model = modelOperand(ctx, name);
    const result = cluster(model, {
      clusters: clustersOpt(opts.clusters),
      init: opts.init as ClusterInit,
      scope: opts.scope as 'layer' | 'channel',
      skip: opts.skip ? String(opts.skip).split(',') : undefined,
    });
    let out = result.model;
    if (opts.fineTune) {
      const train = dataOperand(ctx, String(opts.fineTune), model, 'train');
      out = (
        await fineTune(result.model, train, {
          epochs: numberOpt(opts, 'epochs', '--epochs') ?? 1,
          clusters: result.assignments,
          learningRate: 1e-4,
          onProgress: (p) => {
            ctx.checkInterrupt();
            ctx.progress(`centroid fine-tuning: epoch ${p.epoch}/${p.epochs}, batch ${p.batch}/${p.batches}, loss ${p.loss.toFixed(4)}`);
          },
        })
      ).model;
      result.model.dispose();
      const test = dataOperand(ctx, undefined, model, 'test');
      result.report.accuracy = { before: evaluate(model, test).accuracy, after: evaluate(out, test).accuracy };
    }
    return { report: result.report, value: out, valueType: MODEL_TYPE };
  },
};
