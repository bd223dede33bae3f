/** %prune, %quantize and %compress: their shared flags come from core's declarations (FLAGS), as the CLI's do. */
import {
  addFlags,
  autoCompress,
  compressOptions,
  evaluate,
  fineTune,
  graphPruneOptions,
  prune,
  pruneGraph,
  pruneOptions,
  quantize,
  quantizeAwareTrain,
  quantizeOptions,
  COMPRESS_FLAGS,
  PRUNE_FLAGS,
  QUANTIZE_FLAGS,
  WhittleError,
  type AnyModel,
} from '@whittle/core';
import { anyModelOperand, dataOperand, declaredData, isGraph, modelOperand, numberOpt, optionalData } from './operands.js';
import { UsageError, type Magic } from './registry.js';

const MODEL_TYPE = 'import("@tensorflow/tfjs").LayersModel';
const GRAPH_TYPE = 'import("@tensorflow/tfjs").GraphModel';
const NO_DATA = (model: AnyModel) =>
  `accuracy not measured: no data for input [${((model.inputs[0]!.shape ?? []) as (number | null)[]).slice(1).join('×')}] (declare it with %data --test NAME)`;

export const pruneMagic: Magic = {
  name: 'prune',
  kind: 'line',
  example: '%prune model --sparsity 0.8 --scope global --as pruned',
  group: 'compression',
  summary: 'Prune a model (unstructured, N:M or structured) and show what changed; never changes the input model.',
  define: (cmd) =>
    addFlags(cmd.argument('<model>', 'notebook variable holding a tfjs LayersModel (or GraphModel: unstructured, N:M)'), PRUNE_FLAGS)
      .option('--calibration <data>', 'Dataset variable with calibration samples for --compensate (default: the MNIST train split)')
      .option('--fine-tune <data>', 'Dataset variable to fine-tune on, masks kept')
      .option('--epochs <n>', 'fine-tuning epochs', '1')
      .option('--as <name>', 'bind the pruned model to this variable'),
  run: async (ctx, [name], opts) => {
    const any = anyModelOperand(ctx, name);
    if (isGraph(any)) {
      // weight level only: magnitude, unstructured or N:M (graphPruneOptions names what needs a LayersModel)
      if (opts.fineTune) throw new UsageError('--fine-tune needs a LayersModel; this is a GraphModel (tfjs-converter output)');
      let options;
      try {
        options = graphPruneOptions(
          pruneOptions(opts, opts.calibration ? dataOperand(ctx, String(opts.calibration), any, 'train') : undefined),
        );
      } catch (err) {
        throw err instanceof WhittleError ? new UsageError(err.message) : err;
      }
      const result = await pruneGraph(any, options);
      const test = optionalData(ctx, undefined, any, 'test');
      if (test) result.report.accuracy = { before: evaluate(any, test).accuracy, after: evaluate(result.model, test).accuracy };
      else result.report.notes = [...(result.report.notes ?? []), NO_DATA(any)];
      return { report: result.report, value: result.model, valueType: GRAPH_TYPE };
    }
    const model = modelOperand(ctx, name);
    // as in the library: calibration data given → least-squares by default; --compensate alone → the MNIST train split
    const compensating = opts.compensate !== undefined && opts.compensate !== 'none';
    const calibration = opts.calibration
      ? dataOperand(ctx, String(opts.calibration), model, 'train')
      : compensating
        ? dataOperand(ctx, undefined, model, 'train')
        : undefined;
    let options;
    try {
      options = pruneOptions(opts, calibration);
    } catch (err) {
      throw err instanceof WhittleError ? new UsageError(err.message) : err;
    }
    const result = prune(model, options);
    let out = result.model;
    if (opts.fineTune) {
      const train = dataOperand(ctx, String(opts.fineTune), model, 'train');
      const epochs = numberOpt(opts, 'epochs', '--epochs') ?? 1;
      out = (
        await fineTune(result.model, train, {
          epochs,
          masks: result.masks,
          onProgress: (p) => {
            ctx.checkInterrupt();
            ctx.progress(`fine-tuning: epoch ${p.epoch}/${p.epochs}, batch ${p.batch}/${p.batches}, loss ${p.loss.toFixed(4)}`);
          },
        })
      ).model;
      result.model.dispose();
    }
    // fine-tuned, or the notebook declared its test set (%data): accuracy before and after
    if (opts.fineTune || declaredData.test) {
      const test = optionalData(ctx, undefined, model, 'test');
      if (test) result.report.accuracy = { before: evaluate(model, test).accuracy, after: evaluate(out, test).accuracy };
      else result.report.notes = [...(result.report.notes ?? []), NO_DATA(model)];
    }
    return { report: result.report, value: out, valueType: MODEL_TYPE };
  },
};

export const quantizeMagic: Magic = {
  name: 'quantize',
  kind: 'line',
  example: '%quantize model --bits 8 --as q8',
  group: 'compression',
  summary: 'Quantize weights (and activations) of a model, or train it quantization-aware; never changes the input model.',
  define: (cmd) =>
    addFlags(cmd.argument('<model>', 'notebook variable holding a tfjs LayersModel (or GraphModel: weights only)'), QUANTIZE_FLAGS)
      .option('--calibration <data>', 'Dataset variable with calibration samples for --activations (default: the MNIST train split)')
      .option('--qat <data>', 'Dataset variable for quantization-aware training')
      .option('--epochs <n>', 'QAT epochs', '1')
      .option('--as <name>', 'bind the quantized model to this variable'),
  run: async (ctx, [name], opts) => {
    const any = anyModelOperand(ctx, name);
    const bits = opts.bits as number | 'ternary' | 'float16';
    if (isGraph(any)) {
      if (opts.qat) throw new UsageError('--qat needs a LayersModel; this is a GraphModel (tfjs-converter output): quantize its weights');
      let result;
      try {
        result = await quantize(any, quantizeOptions(opts));
      } catch (err) {
        throw err instanceof WhittleError ? new UsageError(err.message) : err;
      }
      const test = optionalData(ctx, undefined, any, 'test');
      if (test) result.report.accuracy = { before: evaluate(any, test).accuracy, after: evaluate(result.model, test).accuracy };
      else result.report.notes = [...(result.report.notes ?? []), NO_DATA(any)];
      return { report: result.report, value: result.model, valueType: GRAPH_TYPE };
    }
    const model = modelOperand(ctx, name);
    let result;
    if (opts.qat) {
      if (typeof bits !== 'number') throw new UsageError('--qat needs numeric --bits (2…8)');
      const train = dataOperand(ctx, String(opts.qat), model, 'train');
      result = await quantizeAwareTrain(model, train, {
        bits,
        epochs: numberOpt(opts, 'epochs', '--epochs') ?? 1,
        perChannel: opts.perChannel as boolean,
        onProgress: (p) => {
          ctx.checkInterrupt();
          ctx.progress(`QAT: epoch ${p.epoch}/${p.epochs}, batch ${p.batch}/${p.batches}, loss ${p.loss.toFixed(4)}`);
        },
      });
    } else {
      const calibration = opts.activations
        ? dataOperand(ctx, opts.calibration ? String(opts.calibration) : undefined, model, 'train')
        : undefined;
      result = await quantize(model, quantizeOptions(opts, calibration));
    }
    const test = optionalData(ctx, undefined, model, 'test');
    if (test) result.report.accuracy = { before: evaluate(model, test).accuracy, after: evaluate(result.model, test).accuracy };
    else result.report.notes = [...(result.report.notes ?? []), NO_DATA(model)];
    return { report: result.report, value: result.model, valueType: MODEL_TYPE };
  },
};

export const compressMagic: Magic = {
  name: 'compress',
  kind: 'line',
  example: '%compress model --ratio 16 --epochs 1 --as small',
  group: 'compression',
  summary: 'Compress to a budget: per-layer pruning and quantization chosen from measured sensitivity, fine-tuned and verified.',
  define: (cmd) =>
    addFlags(cmd.argument('<model>', 'notebook variable holding a tfjs LayersModel'), COMPRESS_FLAGS)
      .option('--data <train>', 'Dataset variable to measure sensitivity and fine-tune on (default: the MNIST train split)')
      .option('--test <data>', 'Dataset variable to verify on (default: the MNIST test split)')
      .option('--epochs <n>', 'fine-tuning epochs', '2')
      .option('--as <name>', 'bind the compressed model to this variable'),
  run: async (ctx, [name], opts) => {
    const model = modelOperand(ctx, name);
    let options;
    try {
      options = compressOptions(opts);
    } catch (err) {
      throw err instanceof WhittleError ? new UsageError(err.message.replace(/^whittle: /, '')) : err;
    }
    const train = dataOperand(ctx, opts.data ? String(opts.data) : undefined, model, 'train');
    const test = dataOperand(ctx, opts.test ? String(opts.test) : undefined, model, 'test');
    const result = await autoCompress(model, {
      ...options,
      train,
      test,
      epochs: numberOpt(opts, 'epochs', '--epochs') ?? 2,
      onProgress: (p) => {
        ctx.checkInterrupt();
        ctx.progress(`${p.stage}: ${p.message}`);
      },
    });
    return { report: result.report, value: result.model, valueType: MODEL_TYPE };
  },
};
