/** %prune, %quantize and %compress (budget or deep): their flags come from core's declarations (COMMANDS), as the CLI's do. */
import type * as tf from '@tensorflow/tfjs';
import {
  autoCompress,
  compressOptions,
  compressPipeline,
  deepCompress,
  deepOptions,
  graphPruneOptions,
  prune,
  pruneGraph,
  pruneOptions,
  quantize,
  quantizeAwareTrain,
  quantizeOptions,
  quantizeSaveOptions,
  saveOptionsFor,
  WhittleError,
} from '@whittle/core';
import { formatPercent } from '@whittle/report';
import { dataOperand } from './operands.js';
import { UsageError, type MagicContext, type MagicResult } from './registry.js';
import { compressionMagic, finish, fineTuned, testSet, trainingEpochs, trainProgress } from './common.js';

/** Library options from flags; a flag combination the library rejects is a UsageError, as a bad flag is. */
function asUsage<T>(make: () => T): T {
  try {
    return make();
  } catch (err) {
    throw err instanceof WhittleError ? new UsageError(err.message.replace(/^whittle: /, '')) : err;
  }
}

export const pruneMagic = compressionMagic({
  name: 'prune',
  example: '%prune model --sparsity 0.8 --scope global --as pruned',
  summary: 'Prune a model (unstructured, N:M or structured) and show what changed; never changes the input model.',
  what: 'pruned model',
  data: (cmd) =>
    cmd
      .option('--calibration <data>', 'Dataset variable with calibration samples for --compensate (default: the train split)')
      .option('--fine-tune <data>', 'Dataset variable to fine-tune on, masks kept (default: the train split)'),
  run: async (ctx, model, opts) => {
    // as in the library: calibration data given → least-squares by default; --compensate alone → the train split
    const compensating = opts.compensate !== undefined && opts.compensate !== 'none';
    const calibration =
      opts.calibration || compensating ? dataOperand(ctx, opts.calibration as string | undefined, model, 'train') : undefined;
    const result = prune(
      model,
      asUsage(() => pruneOptions(opts, calibration)),
    );
    const tuned = await fineTuned(ctx, opts, model, result.model, { masks: result.masks });
    return finish(ctx, opts, model, { model: tuned.model, report: result.report });
  },
  // a GraphModel: its kernels by magnitude, unstructured or N:M (graphPruneOptions names what needs a LayersModel)
  graph: async (ctx, model, opts) => {
    if (trainingEpochs(opts, 'fineTune') > 0)
      throw new UsageError('fine-tuning (--fine-tune/--epochs) needs a LayersModel; this is a GraphModel (tfjs-converter output)');
    const calibration = opts.calibration ? dataOperand(ctx, opts.calibration as string, model, 'train') : undefined;
    const result = await pruneGraph(
      model,
      asUsage(() => graphPruneOptions(pruneOptions(opts, calibration))),
    );
    return finish(ctx, opts, model, result);
  },
});

export const quantizeMagic = compressionMagic({
  name: 'quantize',
  example: '%quantize model --bits 8 --as q8',
  summary: 'Quantize weights (and activations) of a model, or train it quantization-aware; never changes the input model.',
  what: 'quantized model',
  data: (cmd) =>
    cmd
      .option('--calibration <data>', 'Dataset variable with calibration samples for --activations (default: the train split)')
      .option('--qat <data>', 'Dataset variable for quantization-aware training (default with --epochs: the train split)'),
  run: async (ctx, model, opts) => {
    const bits = opts.bits as number | 'ternary' | 'float16';
    const epochs = trainingEpochs(opts, 'qat');
    let result;
    if (epochs > 0) {
      if (typeof bits !== 'number') throw new UsageError('quantization-aware training (--qat/--epochs) needs numeric --bits (2…8)');
      const train = dataOperand(ctx, opts.qat as string | undefined, model, 'train');
      result = await quantizeAwareTrain(model, train, {
        bits,
        epochs,
        perChannel: opts.perChannel as boolean,
        onProgress: trainProgress(ctx, 'QAT'),
      });
    } else {
      const calibration = opts.activations ? dataOperand(ctx, opts.calibration as string | undefined, model, 'train') : undefined;
      result = await quantize(model, quantizeOptions(opts, calibration));
    }
    return finish(ctx, opts, model, result, quantizeSaveOptions(opts));
  },
  // a GraphModel: its weights only (activation quantization and equalization change layers: quantize says so)
  graph: async (ctx, model, opts) => {
    if (trainingEpochs(opts, 'qat') > 0)
      throw new UsageError(
        'quantization-aware training (--qat/--epochs) needs a LayersModel; this is a GraphModel (tfjs-converter output)',
      );
    return finish(ctx, opts, model, await quantize(model, quantizeOptions(opts)), quantizeSaveOptions(opts));
  },
});

export const compressMagic = compressionMagic({
  name: 'compress',
  example:
    '%compress model --ratio 16 --epochs 1 --as small\n%compress model --pipeline deep --sparsity 0.9 --clusters 16 --epochs 1 --as deep',
  summary:
    'Compress to a budget: per-layer pruning and quantization chosen from measured sensitivity, fine-tuned and verified; or --pipeline deep: Deep Compression (prune → fine-tune → k-means → fine-tune centroids → Huffman).',
  what: 'compressed model',
  data: (cmd) =>
    cmd
      .option('--data <train>', 'Dataset variable to measure sensitivity (budget) and fine-tune on (default: the train split)')
      .option('--test <data>', 'Dataset variable to verify on, and to measure each deep stage on (default: the test split)'),
  run: async (ctx, model, opts) => {
    if (asUsage(() => compressPipeline(opts)) === 'deep') return deepPipeline(ctx, model, opts);
    const options = asUsage(() => compressOptions(opts));
    const train = dataOperand(ctx, opts.data as string | undefined, model, 'train');
    const test = testSet(ctx, model, opts.test as string | undefined) ?? dataOperand(ctx, undefined, model, 'test');
    const result = await autoCompress(model, {
      ...options,
      train,
      test,
      onProgress: (p) => {
        ctx.checkInterrupt();
        ctx.progress(`${p.stage}: ${p.message}`);
      },
    });
    return finish(ctx, opts, model, result, saveOptionsFor(result.plan));
  },
});

/** `%compress --pipeline deep`: deepCompress on --data, each stage measured on --test; --save writes the deep format it carries. */
async function deepPipeline(ctx: MagicContext, model: tf.LayersModel, opts: Record<string, unknown>): Promise<MagicResult> {
  const train = dataOperand(ctx, opts.data as string | undefined, model, 'train');
  const test = testSet(ctx, model, opts.test as string | undefined);
  const result = await deepCompress(model, train, {
    ...deepOptions(opts),
    test,
    onProgress: (p) => trainProgress(ctx, p.stage)(p),
    onStage: (s) =>
      ctx.progress(
        `${s.stage}: ${s.bytes.toLocaleString('en-US')} B${s.accuracy === null ? '' : `, accuracy ${formatPercent(s.accuracy)}`}`,
      ),
  });
  return finish(ctx, opts, model, result);
}
