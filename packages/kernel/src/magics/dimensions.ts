/** %factorize and %prune_inputs: models with fewer dimensions. */
import { evaluate, factorize, fineTune, pruneInputs, type Dataset, type FeatureMethod } from '@whittle/core';
import type * as tf from '@tensorflow/tfjs';
import { dataOperand, modelOperand, numberOpt } from './operands.js';
import { UsageError, type Magic, type MagicContext } from './registry.js';

const MODEL_TYPE = 'import("@tensorflow/tfjs").LayersModel';

/** The MNIST test split shaped for `model`, or undefined when the model does not take MNIST. */
function mnistTest(ctx: MagicContext, model: tf.LayersModel): Dataset | undefined {
  try {
    return dataOperand(ctx, undefined, model, 'test');
  } catch (err) {
    if (err instanceof UsageError) return undefined;
    throw err;
  }
}

export const factorizeMagic: Magic = {
  name: 'factorize',
  kind: 'line',
  example: '%factorize model --energy 0.9 --as thin',
  group: 'compression',
  summary: 'Split Dense/Conv2D layers into two thinner ones (truncated SVD, or PCA of their outputs); never changes the input model.',
  define: (cmd) =>
    cmd
      .argument('<model>', 'notebook variable holding a tfjs LayersModel')
      .option('--energy <e>', 'per layer, the smallest rank keeping this fraction of Σσ², in (0, 1]')
      .option('--rank <r>', 'the same rank for every chosen layer')
      .option('--ratio <q>', "per layer, the largest rank whose factors hold ≤ this fraction of the layer's params")
      .option('--layers <names>', 'comma-separated layer names or globs (default: every hidden Dense and Conv2D)')
      .option('--method <m>', 'svd | pca', 'svd')
      .option('--calibrate <data>', 'Dataset variable whose samples pca preserves (default: the MNIST train split)')
      .option('--fine-tune <data>', 'Dataset variable to fine-tune on afterwards')
      .option('--epochs <n>', 'fine-tuning epochs', '1')
      .option('--as <name>', 'bind the factorized model to this variable'),
  run: async (ctx, [name], opts) => {
    const model = modelOperand(ctx, name);
    const result = factorize(model, {
      energy: numberOpt(opts, 'energy', '--energy'),
      rank: numberOpt(opts, 'rank', '--rank'),
      ratio: numberOpt(opts, 'ratio', '--ratio'),
      layers: opts.layers ? String(opts.layers).split(',') : undefined,
      method: opts.method as 'svd' | 'pca',
      calibration: opts.method === 'pca' ? dataOperand(ctx, opts.calibrate as string | undefined, model, 'train') : undefined,
      onProgress: (p) => ctx.progress(`factorizing ${p.layer} (${p.index + 1}/${p.layers})`),
    });
    let out = result.model;
    if (opts.fineTune) {
      const train = dataOperand(ctx, String(opts.fineTune), model, 'train');
      const epochs = numberOpt(opts, 'epochs', '--epochs') ?? 1;
      out = (
        await fineTune(result.model, train, {
          epochs,
          onProgress: (p) => {
            ctx.checkInterrupt();
            ctx.progress(`fine-tuning: epoch ${p.epoch}/${p.epochs}, batch ${p.batch}/${p.batches}, loss ${p.loss.toFixed(4)}`);
          },
        })
      ).model;
      result.model.dispose();
    }
    const test = mnistTest(ctx, model);
    if (test) result.report.accuracy = { before: evaluate(model, test).accuracy, after: evaluate(out, test).accuracy };
    return { report: result.report, value: out, valueType: MODEL_TYPE };
  },
};

export const pruneInputsMagic: Magic = {
  name: 'prune_inputs',
  kind: 'line',
  example: '%prune_inputs model --keep 0.5 --method saliency --as small',
  group: 'compression',
  summary:
    'Keep only the most important input features (pixels, words, first-conv channels), optionally by RFE; never changes the input model.',
  define: (cmd) =>
    cmd
      .argument('<model>', 'notebook variable holding a tfjs LayersModel')
      .requiredOption('--keep <k>', 'features to keep: a fraction in (0, 1] or a count')
      .option('--data <data>', 'Dataset variable to rank and retrain on (default: the MNIST train split)')
      .option('--validation <data>', 'Dataset variable for accuracy per round (default: the MNIST test split, else --data)')
      .option('--method <m>', 'weight | saliency | permutation', 'weight')
      .option('--steps <n>', 'rounds of recursive feature elimination (1 = one shot)', '1')
      .option('--epochs <n>', 'retraining epochs after each round (default 1 with --steps > 1, else 0)')
      .option('--as <name>', 'bind the smaller model to this variable (it takes only the kept features)'),
  run: async (ctx, [name], opts) => {
    const model = modelOperand(ctx, name);
    const data = dataOperand(ctx, opts.data as string | undefined, model, 'train');
    const validation = opts.validation ? dataOperand(ctx, String(opts.validation), model) : mnistTest(ctx, model);
    const result = await pruneInputs(model, data, {
      keep: numberOpt(opts, 'keep', '--keep')!,
      method: opts.method as FeatureMethod,
      steps: numberOpt(opts, 'steps', '--steps'),
      epochs: numberOpt(opts, 'epochs', '--epochs'),
      validation,
      onProgress: (p) => {
        ctx.checkInterrupt();
        const training = p.train ? `, epoch ${p.train.epoch}/${p.train.epochs}, batch ${p.train.batch}/${p.train.batches}` : '';
        ctx.progress(`round ${p.round}/${p.rounds}: ${p.phase === 'rank' ? 'ranking features' : 'retraining'}${training}`);
      },
    });
    return { report: result.report, value: result.model, valueType: MODEL_TYPE };
  },
};
