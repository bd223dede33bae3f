/** %summary, %evaluate, %sensitivity, %compare: flags from core's declarations (COMMANDS), as the CLI's. */
import type * as tf from '@tensorflow/tfjs';
import {
  addCommandFlags,
  compare,
  evaluate,
  sensitivity,
  sensitivityOptions,
  summary,
  type CommandName,
  type Dataset,
} from '@whittle/core';
import type { Report } from '@whittle/report';
import { dataOperand, modelOperand } from './operands.js';
import type { Magic, MagicContext } from './registry.js';

/** An analysis magic: model operands, the CLI twin's declared flags, --data (unless it needs none) and --as; shows and binds a report. */
function analysisMagic(spec: {
  name: CommandName;
  example: string;
  summary: string;
  operands: string[];
  /** The report's type, for the binding. */
  type: string;
  noData?: boolean;
  run: (
    ctx: MagicContext,
    models: tf.LayersModel[],
    data: () => Dataset,
    opts: Record<string, unknown>,
    names: string[],
  ) => Promise<Report>;
}): Magic {
  return {
    name: spec.name,
    kind: 'line',
    group: 'analysis',
    example: spec.example,
    summary: spec.summary,
    define: (cmd) => {
      for (const operand of spec.operands) cmd.argument(`<${operand}>`, 'notebook variable holding a tfjs LayersModel');
      addCommandFlags(cmd, spec.name);
      if (!spec.noData) cmd.option('--data <data>', 'Dataset variable (default: the declared test set, else the MNIST test split)');
      return cmd.option('--as <name>', 'bind the report');
    },
    run: async (ctx, names, opts) => {
      const models = names.map((n) => modelOperand(ctx, n));
      const report = await spec.run(ctx, models, () => dataOperand(ctx, opts.data as string | undefined, models[0]!), opts, names);
      return { report, value: report, valueType: `import("@whittle/core").${spec.type}` };
    },
  };
}

export const summaryMagic = analysisMagic({
  name: 'summary',
  example: '%summary model',
  summary: 'Per-layer params, nonzeros, sparsity, MACs and bytes of a model.',
  operands: ['model'],
  type: 'SummaryReport',
  noData: true,
  run: async (_ctx, [model]) => summary(model!),
});

export const evaluateMagic = analysisMagic({
  name: 'evaluate',
  example: '%evaluate pruned --data test',
  summary: 'Accuracy and loss of a model (default: the declared test set, else the MNIST test split).',
  operands: ['model'],
  type: 'EvaluateReport',
  run: async (_ctx, [model], data) => evaluate(model!, data()),
});

export const sensitivityMagic = analysisMagic({
  name: 'sensitivity',
  example: '%sensitivity model --levels 0.5,0.7,0.9 --samples 500',
  summary: 'Accuracy of each layer compressed alone at each level: which layers can take how much.',
  operands: ['model'],
  type: 'SensitivityReport',
  run: (ctx, [model], data, opts) =>
    sensitivity(model!, data(), {
      ...sensitivityOptions(opts),
      onProgress: (p) => {
        ctx.checkInterrupt();
        ctx.progress(`sensitivity: ${p.done}/${p.total} (${p.layer} at ${p.level})`);
      },
    }),
});

export const compareMagic = analysisMagic({
  name: 'compare',
  example: '%compare model q8',
  summary: 'Two models side by side: accuracy, agreement, KL, params, nonzeros, bytes, latency.',
  operands: ['a', 'b'],
  type: 'CompareReport',
  run: async (_ctx, [a, b], data, opts, names) =>
    compare(a!, b!, data(), { names: [names[0]!, names[1]!], latencyRuns: opts.latencyRuns as number }),
});
