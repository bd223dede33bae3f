import type { Command } from 'commander';
import { initBackend } from '../backend/index.js';
import { evaluate } from '../analysis/evaluate.js';
import { saveModel } from '../io/save.js';
import { factorize } from '../lowrank/factorize.js';
import { factorizeOptions, type Flags } from './flags.js';
import { modelCommand, saveAndPrint } from './command.js';
import { fineTune } from '../prune/finetune.js';
import { mnistFor, resolveLayersModel } from './resolve.js';
import { progressBar } from './progress.js';

type FactorizeFlags = Flags & { epochs?: number; out?: string; json?: boolean };

export function registerFactorize(program: Command): void {
  modelCommand(
    program,
    'factorize',
    'split Dense/Conv2D layers into two thinner ones (truncated SVD, or PCA of their outputs on MNIST train samples)',
    { out: 'save the factorized model here (stock tfjs format)' },
  ).action(async (spec: string, flags: FactorizeFlags) => {
    const epochs = flags.epochs ?? 0;
    await initBackend();
    const model = await resolveLayersModel(spec, 'factorize', 'low-rank factorization (factorize)');
    const { train, test } = mnistFor(model);
    try {
      const { model: low, report } = factorize(model, factorizeOptions(flags, train));
      let result = low;
      if (epochs > 0) {
        const bar = progressBar('fine-tune');
        result = (await fineTune(low, train, { epochs, onProgress: bar.update })).model;
        bar.stop();
        low.dispose();
      }
      report.accuracy = { before: evaluate(model, test).accuracy, after: evaluate(result, test).accuracy };
      await saveAndPrint(report, flags, (dir) => saveModel(result, dir));
    } finally {
      train.dispose();
      test.dispose();
    }
  });
}
