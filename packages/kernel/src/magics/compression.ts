/** %prune, %quantize and %compress. */
import {
  autoCompress,
  budgetFromFlags,
  evaluate,
  fineTune,
  prune,
  quantize,
  quantizeAwareTrain,
  OBSERVERS,
  type AutoTechnique,
  type Granularity,
  type ObserverName,
} from '@whittle/core';
import { dataOperand, modelOperand, numberOpt } from './operands.js';
import { UsageError, type Magic } from './registry.js';

const MODEL_TYPE = 'import("@tensorflow/tfjs").LayersModel';

export const pruneMagic: Magic = {
  name: 'prune',
  kind: 'line',
  group: 'compression',
  summary: 'Prune a model (unstructured, N:M or structured) and show what changed; never changes the input model.',
  define: (cmd) =>
    cmd
      .argument('<model>', 'notebook variable holding a tfjs LayersModel')
      .option('--sparsity <s>', 'fraction to remove in [0, 1)')
      .option('--method <m>', 'magnitude | random | l1 | l2 | bn-scale')
      .option('--scope <scope>', 'layer | global', 'layer')
      .option('--structured <g>', 'neuron | filter | channel (physically smaller)')
      .option('--nm <n:m>', 'N:M sparsity, e.g. 2:4')
      .option('--skip <layers>', 'comma-separated layer names or globs')
      .option('--include-output', 'also prune the classifier layer')
      .option('--calibrate <data>', 'Dataset variable: refit the pruned Dense layers by least squares on its samples')
      .option('--fine-tune <data>', 'Dataset variable to fine-tune on, masks kept')
      .option('--epochs <n>', 'fine-tuning epochs', '1')
      .option('--as <name>', 'bind the pruned model to this variable'),
  run: async (ctx, [name], opts) => {
    const model = modelOperand(ctx, name);
    let granularity: Granularity = 'unstructured';
    if (opts.nm) {
      const m = /^(\d+):(\d+)$/.exec(String(opts.nm));
      if (!m) throw new UsageError(`--nm must look like 2:4, got '${String(opts.nm)}'`);
      granularity = { n: Number(m[1]), m: Number(m[2]) };
    } else if (opts.structured) granularity = opts.structured as Granularity;
    const result = prune(model, {
      sparsity: numberOpt(opts, 'sparsity', '--sparsity'),
      method: opts.method as never,
      scope: opts.scope as 'layer' | 'global',
      granularity,
      skip: opts.skip ? String(opts.skip).split(',') : undefined,
      includeOutput: Boolean(opts.includeOutput),
      calibration: opts.calibrate ? dataOperand(ctx, String(opts.calibrate), model, 'train') : undefined,
    });
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
      const test = dataOperand(ctx, undefined, model, 'test');
      result.report.accuracy = { before: evaluate(model, test).accuracy, after: evaluate(out, test).accuracy };
    }
    return { report: result.report, value: out, valueType: MODEL_TYPE };
  },
};

export const quantizeMagic: Magic = {
  name: 'quantize',
  kind: 'line',
  group: 'compression',
  summary: 'Quantize weights (and activations) of a model, or train it quantization-aware; never changes the input model.',
  define: (cmd) =>
    cmd
      .argument('<model>', 'notebook variable holding a tfjs LayersModel')
      .option('--bits <b>', 'weight bits 1…16, ternary or float16', '8')
      .option('--per-channel', 'one scale per output channel')
      .option('--asymmetric', 'asymmetric (zero point) grid')
      .option('--pow2', 'power-of-two scales')
      .option('--activations <bits>', 'fake-quantize activations too (Sequential models)')
      .option('--calibrate <data>', 'Dataset variable with calibration samples (shuffled)')
      .option('--observer <name>', OBSERVERS.join(' | '), 'minmax')
      .option('--qat <data>', 'Dataset variable for quantization-aware training')
      .option('--epochs <n>', 'QAT epochs', '1')
      .option('--equalize', 'fold BatchNorm and equalize channel ranges first')
      .option('--as <name>', 'bind the quantized model to this variable'),
  run: async (ctx, [name], opts) => {
    const model = modelOperand(ctx, name);
    const raw = String(opts.bits);
    const bits = raw === 'ternary' || raw === 'float16' ? raw : Number(raw);
    if (typeof bits === 'number' && !Number.isInteger(bits))
      throw new UsageError(`--bits must be an integer 1…16, ternary or float16, got '${raw}'`);
    if (!OBSERVERS.includes(opts.observer as ObserverName))
      throw new UsageError(`--observer must be one of ${OBSERVERS.join(', ')}, got '${String(opts.observer)}'`);
    let result;
    if (opts.qat) {
      if (typeof bits !== 'number') throw new UsageError('--qat needs numeric --bits (2…8)');
      const train = dataOperand(ctx, String(opts.qat), model, 'train');
      result = await quantizeAwareTrain(model, train, {
        bits,
        epochs: numberOpt(opts, 'epochs', '--epochs') ?? 1,
        perChannel: Boolean(opts.perChannel),
        onProgress: (p) => {
          ctx.checkInterrupt();
          ctx.progress(`QAT: epoch ${p.epoch}/${p.epochs}, batch ${p.batch}/${p.batches}, loss ${p.loss.toFixed(4)}`);
        },
      });
    } else {
      const act = numberOpt(opts, 'activations', '--activations');
      result = await quantize(model, {
        weights: {
          bits,
          perChannel: Boolean(opts.perChannel),
          scheme: opts.asymmetric ? 'asymmetric' : 'symmetric',
          scale: opts.pow2 ? 'pow2' : 'float',
        },
        activations: act ? { bits: act, observer: opts.observer as ObserverName } : undefined,
        calibration: act ? dataOperand(ctx, opts.calibrate ? String(opts.calibrate) : undefined, model, 'train') : undefined,
        equalize: Boolean(opts.equalize),
      });
    }
    const test = dataOperand(ctx, undefined, model, 'test');
    result.report.accuracy = { before: evaluate(model, test).accuracy, after: evaluate(result.model, test).accuracy };
    return { report: result.report, value: result.model, valueType: MODEL_TYPE };
  },
};

export const compressMagic: Magic = {
  name: 'compress',
  kind: 'line',
  group: 'compression',
  summary: 'Compress to a budget: per-layer pruning and quantization chosen from measured sensitivity, fine-tuned and verified.',
  define: (cmd) =>
    cmd
      .argument('<model>', 'notebook variable holding a tfjs LayersModel')
      .option('--budget <size>', 'largest size with unit B, kB or MB (gzip bytes of the saved files), e.g. 20kB')
      .option('--ratio <r>', 'at least this many times smaller than the float32 model')
      .option('--max-drop <pp>', 'largest test-accuracy drop in percentage points')
      .option('--data <train>', 'Dataset variable to measure sensitivity and fine-tune on (default: the MNIST train split)')
      .option('--test <data>', 'Dataset variable to verify on (default: the MNIST test split)')
      .option('--techniques <list>', 'comma-separated: prune, quantize', 'prune,quantize')
      .option('--epochs <n>', 'fine-tuning epochs', '2')
      .option('--calibrate <n>', 'training samples (stratified) the sensitivity is measured on', '1000')
      .option('--sparsities <list>', 'comma-separated sparsity levels to consider (default 0,0.25,0.5,0.7,0.8,0.9,0.95)')
      .option('--bits <list>', 'comma-separated bit widths to consider, 32 = float (default 32,8,6,4,3,2)')
      .option('--workers <n>', 'worker threads for the search (default: the core count)')
      .option('--as <name>', 'bind the compressed model to this variable'),
  run: async (ctx, [name], opts) => {
    const model = modelOperand(ctx, name);
    let budget;
    try {
      budget = budgetFromFlags({
        budget: opts.budget as string | undefined,
        ratio: opts.ratio as string | undefined,
        maxDrop: opts.maxDrop as string | undefined,
      });
    } catch (err) {
      throw new UsageError((err as Error).message.replace(/^whittle: /, ''));
    }
    const train = dataOperand(ctx, opts.data ? String(opts.data) : undefined, model, 'train');
    const test = dataOperand(ctx, opts.test ? String(opts.test) : undefined, model, 'test');
    const workers = numberOpt(opts, 'workers', '--workers');
    const list = (key: string, flag: string) => {
      if (opts[key] === undefined) return undefined;
      const values = String(opts[key]).split(',').map(Number);
      if (values.some((v) => !Number.isFinite(v)))
        throw new UsageError(`${flag} must be comma-separated numbers, got '${String(opts[key])}'`);
      return values;
    };
    const sparsities = list('sparsities', '--sparsities');
    const bits = list('bits', '--bits');
    const result = await autoCompress(model, {
      train,
      test,
      budget,
      techniques: String(opts.techniques)
        .split(',')
        .map((t) => t.trim()) as AutoTechnique[],
      epochs: numberOpt(opts, 'epochs', '--epochs') ?? 2,
      calibrationSamples: numberOpt(opts, 'calibrate', '--calibrate') ?? 1000,
      ...(sparsities ? { sparsities } : {}),
      ...(bits ? { bits } : {}),
      ...(workers !== undefined ? { workers } : {}),
      onProgress: (p) => {
        ctx.checkInterrupt();
        ctx.progress(`${p.stage}: ${p.message}`);
      },
    });
    return { report: result.report, value: result.model, valueType: MODEL_TYPE };
  },
};
