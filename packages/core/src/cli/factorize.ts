import type { Command } from 'commander';
import { initBackend } from '../backend/index.js';
import { evaluate } from '../analysis/evaluate.js';
import { saveModel } from '../io/save.js';
import { factorize } from '../lowrank/factorize.js';
import { addCommandFlags, factorizeOptions, type Flags } from './flags.js';
import { fineTune } from '../prune/finetune.js';
import { mnistFor, resolveLayersModel } from './resolve.js';
import { printReport } from './print.js';
import { progressBar } from './progress.js';

type FactorizeFlags = Flags & { epochs?: number; out?: string; json?: boolean };

export function registerFactorize(program: Command): void {
  const cmd = program
    .command('factorize')
    .description('split Dense/Conv2D layers into two thinner ones (truncated SVD, or PCA of their outputs on MNIST train samples)')
    .argument('<model>', 'model.json, its folder, or a reference model name');
  addCommandFlags(cmd, 'factorize')
    .option('--out <dir>', 'save the factorized model here (stock tfjs format)')
    .option('--json', 'print the report object')
    .action(async (spec: string, flags: FactorizeFlags) => {
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
        if (flags.out) await saveModel(result, flags.out);
        printReport(report, flags.json);
        if (flags.out && !flags.json) console.log(`saved to ${flags.out}`);
      } finally {
        train.dispose();
        test.dispose();
      }
    });
}
