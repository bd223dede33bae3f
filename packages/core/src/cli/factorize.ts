import type { Command } from 'commander';
import { initBackend } from '../backend/index.js';
import { fail } from '../errors.js';
import { evaluate } from '../analysis/evaluate.js';
import { saveModel } from '../io/save.js';
import { factorize } from '../lowrank/factorize.js';
import type { FactorizeMethod } from '../lowrank/options.js';
import { fineTune } from '../prune/finetune.js';
import { mnistFor, resolveLayersModel } from './resolve.js';
import { printReport } from './print.js';
import { progressBar } from './progress.js';

interface FactorizeFlags {
  rank?: string;
  energy?: string;
  ratio?: string;
  layers?: string;
  method: FactorizeMethod;
  fineTuneEpochs: number;
  out?: string;
  json?: boolean;
}

const number = (flag: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) fail('whittle', `--${flag} must be a number, got '${v}'`);
  return n;
};

export function registerFactorize(program: Command): void {
  program
    .command('factorize')
    .description('split Dense/Conv2D layers into two thinner ones (truncated SVD, or PCA of their outputs on MNIST train samples)')
    .argument('<model>', 'model.json, its folder, or a reference model name')
    .option('--rank <r>', 'the same rank for every chosen layer')
    .option('--energy <e>', 'per layer, the smallest rank keeping this fraction of Σσ², in (0, 1]')
    .option('--ratio <q>', "per layer, the largest rank whose factors hold ≤ this fraction of the layer's params")
    .option('--layers <names>', 'comma-separated layer names or globs (default: every hidden Dense and Conv2D)')
    .option('--method <m>', 'svd | pca (data-aware, 1,000 MNIST train samples)', 'svd')
    .option('--fine-tune-epochs <n>', 'fine-tune on the MNIST train split afterwards', (v) => Number(v), 0)
    .option('--out <dir>', 'save the factorized model here (stock tfjs format)')
    .option('--json', 'print the report object')
    .action(async (spec: string, flags: FactorizeFlags) => {
      if (!Number.isInteger(flags.fineTuneEpochs) || flags.fineTuneEpochs < 0)
        fail('whittle', `--fine-tune-epochs must be a whole number ≥ 0, got ${flags.fineTuneEpochs}`);
      await initBackend();
      const model = await resolveLayersModel(spec, 'factorize', 'low-rank factorization (factorize)');
      const { train, test } = mnistFor(model);
      try {
        const { model: low, report } = factorize(model, {
          rank: number('rank', flags.rank),
          energy: number('energy', flags.energy),
          ratio: number('ratio', flags.ratio),
          layers: flags.layers?.split(',').map((s) => s.trim()),
          method: flags.method,
          calibration: flags.method === 'pca' ? train : undefined,
        });
        let result = low;
        if (flags.fineTuneEpochs > 0) {
          const bar = progressBar('fine-tune');
          result = (await fineTune(low, train, { epochs: flags.fineTuneEpochs, onProgress: bar.update })).model;
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
