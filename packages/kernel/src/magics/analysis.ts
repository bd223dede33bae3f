/** %summary, %evaluate, %sensitivity, %compare. */
import { compare, evaluate, parseLevels, sensitivity, summary } from '@whittle/core';
import { anyModelOperand, dataOperand, numberOpt } from './operands.js';
import { UsageError, type Magic } from './registry.js';

export const summaryMagic: Magic = {
  name: 'summary',
  kind: 'line',
  example: '%summary model',
  group: 'analysis',
  summary: 'Per-layer params, nonzeros, sparsity, MACs and bytes of a model.',
  define: (cmd) =>
    cmd.argument('<model>', 'notebook variable holding a tfjs LayersModel or GraphModel').option('--as <name>', 'bind the report'),
  run: async (ctx, [name]) => {
    const report = summary(anyModelOperand(ctx, name));
    return { report, value: report, valueType: 'import("@whittle/core").SummaryReport' };
  },
};

export const evaluateMagic: Magic = {
  name: 'evaluate',
  kind: 'line',
  example: '%evaluate pruned --data test',
  group: 'analysis',
  summary: 'Accuracy and loss of a model (default: the MNIST test split).',
  define: (cmd) =>
    cmd.argument('<model>', 'model variable').option('--data <data>', 'Dataset variable').option('--as <name>', 'bind the report'),
  run: async (ctx, [name], opts) => {
    const model = anyModelOperand(ctx, name);
    const report = evaluate(model, dataOperand(ctx, opts.data as string | undefined, model));
    return { report, value: report, valueType: 'import("@whittle/core").EvaluateReport' };
  },
};

export const sensitivityMagic: Magic = {
  name: 'sensitivity',
  kind: 'line',
  example: '%sensitivity model --levels 0.5,0.7,0.9 --samples 500',
  group: 'analysis',
  summary: 'Accuracy of each layer (a GraphModel: each kernel) compressed alone at each level: which layers can take how much.',
  define: (cmd) =>
    cmd
      .argument('<model>', 'model variable')
      .option('--data <data>', 'Dataset variable (default: the %data test split, else MNIST’s)')
      .option('--technique <t>', 'prune | quantize', 'prune')
      .option('--levels <levels>', 'list 0.5,0.9 or range 0.1:0.9:0.1 (bits for quantize)')
      .option('--samples <n>', 'seeded random subset size', '500')
      .option('--layers <names>', 'comma-separated layers or globs (a GraphModel: its kernel weights; default: every kernel)')
      .option('--max-drop <d>', 'acceptable accuracy drop, drawn as a line')
      .option('--as <name>', 'bind the report'),
  run: async (ctx, [name], opts) => {
    const model = anyModelOperand(ctx, name);
    if (opts.technique !== 'prune' && opts.technique !== 'quantize')
      throw new UsageError(`--technique must be prune or quantize, got '${String(opts.technique)}'`);
    let levels: number[] | undefined;
    try {
      levels = opts.levels ? parseLevels(String(opts.levels)) : undefined;
    } catch (err) {
      throw new UsageError((err as Error).message.replace(/^whittle: /, ''));
    }
    const report = await sensitivity(model, dataOperand(ctx, opts.data as string | undefined, model), {
      technique: opts.technique,
      levels,
      samples: numberOpt(opts, 'samples', '--samples'),
      layers: opts.layers
        ? String(opts.layers)
            .split(',')
            .map((l) => l.trim())
        : undefined,
      maxDrop: numberOpt(opts, 'maxDrop', '--max-drop'),
      onProgress: (p) => {
        ctx.checkInterrupt();
        ctx.progress(`sensitivity: ${p.done}/${p.total} (${p.layer} at ${p.level})`);
      },
    });
    return { report, value: report, valueType: 'import("@whittle/core").SensitivityReport' };
  },
};

export const compareMagic: Magic = {
  name: 'compare',
  kind: 'line',
  example: '%compare model q8',
  group: 'analysis',
  summary: 'Two models side by side: accuracy, agreement, KL, params, nonzeros, bytes, latency.',
  define: (cmd) =>
    cmd
      .argument('<a>', 'model variable')
      .argument('<b>', 'model variable')
      .option('--data <data>', 'Dataset variable')
      .option('--as <name>', 'bind the report'),
  run: async (ctx, [a, b], opts) => {
    const ma = anyModelOperand(ctx, a);
    const mb = anyModelOperand(ctx, b);
    const report = await compare(ma, mb, dataOperand(ctx, opts.data as string | undefined, ma), { names: [a!, b!], latencyRuns: 5 });
    return { report, value: report, valueType: 'import("@whittle/core").CompareReport' };
  },
};
