/** %summary, %evaluate, %sensitivity, %compare: flags from core's declarations (COMMANDS), as the CLI's. */
import { addCommandFlags, compare, evaluate, sensitivity, sensitivityOptions, summary } from '@whittle/core';
import { dataOperand, modelOperand } from './operands.js';
import type { Magic } from './registry.js';

const DATA_FLAG = ['--data <data>', 'Dataset variable (default: the declared test set, else the MNIST test split)'] as const;
const BIND_REPORT = ['--as <name>', 'bind the report'] as const;

export const summaryMagic: Magic = {
  name: 'summary',
  kind: 'line',
  example: '%summary model',
  group: 'analysis',
  summary: 'Per-layer params, nonzeros, sparsity, MACs and bytes of a model.',
  define: (cmd) =>
    addCommandFlags(cmd.argument('<model>', 'notebook variable holding a tfjs LayersModel'), 'summary').option(...BIND_REPORT),
  run: async (ctx, [name]) => {
    const report = summary(modelOperand(ctx, name));
    return { report, value: report, valueType: 'import("@whittle/core").SummaryReport' };
  },
};

export const evaluateMagic: Magic = {
  name: 'evaluate',
  kind: 'line',
  example: '%evaluate pruned --data test',
  group: 'analysis',
  summary: 'Accuracy and loss of a model (default: the declared test set, else the MNIST test split).',
  define: (cmd) =>
    addCommandFlags(cmd.argument('<model>', 'model variable'), 'evaluate')
      .option(...DATA_FLAG)
      .option(...BIND_REPORT),
  run: async (ctx, [name], opts) => {
    const model = modelOperand(ctx, name);
    const report = evaluate(model, dataOperand(ctx, opts.data as string | undefined, model));
    return { report, value: report, valueType: 'import("@whittle/core").EvaluateReport' };
  },
};

export const sensitivityMagic: Magic = {
  name: 'sensitivity',
  kind: 'line',
  example: '%sensitivity model --levels 0.5,0.7,0.9 --samples 500',
  group: 'analysis',
  summary: 'Accuracy of each layer compressed alone at each level: which layers can take how much.',
  define: (cmd) =>
    addCommandFlags(cmd.argument('<model>', 'model variable'), 'sensitivity')
      .option(...DATA_FLAG)
      .option(...BIND_REPORT),
  run: async (ctx, [name], opts) => {
    const model = modelOperand(ctx, name);
    const report = await sensitivity(model, dataOperand(ctx, opts.data as string | undefined, model), {
      ...sensitivityOptions(opts),
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
    addCommandFlags(cmd.argument('<a>', 'model variable').argument('<b>', 'model variable'), 'compare')
      .option(...DATA_FLAG)
      .option(...BIND_REPORT),
  run: async (ctx, [a, b], opts) => {
    const ma = modelOperand(ctx, a);
    const mb = modelOperand(ctx, b);
    const report = await compare(ma, mb, dataOperand(ctx, opts.data as string | undefined, ma), {
      names: [a!, b!],
      latencyRuns: opts.latencyRuns as number,
    });
    return { report, value: report, valueType: 'import("@whittle/core").CompareReport' };
  },
};
