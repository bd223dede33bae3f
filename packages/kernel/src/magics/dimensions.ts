/** %factorize and %prune_inputs: models with fewer dimensions; flags from core's declarations, as the CLI's. */
import { factorize, factorizeOptions, pruneInputs, pruneInputsOptions } from '@whittle/core';
import { dataOperand } from './operands.js';
import { compressionMagic, finish, fineTuned, testSet } from './common.js';

export const factorizeMagic = compressionMagic({
  name: 'factorize',
  example: '%factorize model --energy 0.9 --as thin',
  summary: 'Split Dense/Conv2D layers into two thinner ones (truncated SVD, or PCA of their outputs); never changes the input model.',
  what: 'factorized model',
  data: (cmd) =>
    cmd
      .option('--calibration <data>', 'Dataset variable whose samples pca preserves (default: the train split)')
      .option('--fine-tune <data>', 'Dataset variable to fine-tune on afterwards (default: the train split)'),
  run: async (ctx, model, opts) => {
    const calibration = opts.method === 'pca' ? dataOperand(ctx, opts.calibration as string | undefined, model, 'train') : undefined;
    const result = factorize(model, {
      ...factorizeOptions(opts, calibration),
      onProgress: (p) => ctx.progress(`factorizing ${p.layer} (${p.index + 1}/${p.layers})`),
    });
    const tuned = await fineTuned(ctx, opts, model, result.model);
    return finish(ctx, opts, model, { model: tuned.model, report: result.report });
  },
});

export const pruneInputsMagic = compressionMagic({
  name: 'prune_inputs',
  example: '%prune_inputs model --keep 0.5 --method saliency --as small',
  summary:
    'Keep only the most important input features (pixels, words, first-conv channels), optionally by RFE; never changes the input model.',
  what: 'smaller model (it takes only the kept features)',
  data: (cmd) =>
    cmd
      .option('--data <data>', 'Dataset variable to rank and retrain on (default: the train split)')
      .option('--validation <data>', 'Dataset variable for accuracy per round (default: the test split, else --data)'),
  run: async (ctx, model, opts) => {
    const data = dataOperand(ctx, opts.data as string | undefined, model, 'train');
    const result = await pruneInputs(model, data, {
      ...pruneInputsOptions(opts),
      validation: testSet(ctx, model, opts.validation as string | undefined),
      onProgress: (p) => {
        ctx.checkInterrupt();
        const training = p.train ? `, epoch ${p.train.epoch}/${p.train.epochs}, batch ${p.train.batch}/${p.train.batches}` : '';
        ctx.progress(`round ${p.round}/${p.rounds}: ${p.phase === 'rank' ? 'ranking features' : 'retraining'}${training}`);
      },
    });
    return finish(ctx, opts, model, result);
  },
});
