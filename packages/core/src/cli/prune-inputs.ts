import type { Command } from 'commander';
import { initBackend } from '../backend/index.js';
import { fail } from '../errors.js';
import { saveModel } from '../io/save.js';
import type { FeatureMethod } from '../features/criteria.js';
import { pruneInputs } from '../features/prune-inputs.js';
import { mnistFor, resolveLayersModel } from './resolve.js';
import { printReport } from './print.js';
import { progressBar } from './progress.js';

interface PruneInputsFlags {
  keep: string;
  method: FeatureMethod;
  steps: number;
  epochs?: number;
  out?: string;
  json?: boolean;
}

export function registerPruneInputs(program: Command): void {
  program
    .command('prune-inputs')
    .description("keep only the most important input features (MNIST pixels, or a first Conv2D's channels); RFE with --steps")
    .argument('<model>', 'model.json, its folder, or a reference model name')
    .requiredOption('--keep <k>', 'features to keep: a fraction in (0, 1] or a count')
    .option('--method <m>', 'weight | saliency | permutation', 'weight')
    .option('--steps <n>', 'rounds of recursive feature elimination (1 = one shot)', (v) => Number(v), 1)
    .option('--epochs <n>', 'training epochs on the MNIST train split after each round (default 1 with --steps > 1, else 0)', (v) =>
      Number(v),
    )
    .option('--out <dir>', 'save the smaller model here (stock tfjs format); it takes only the kept features')
    .option('--json', 'print the report object')
    .action(async (spec: string, flags: PruneInputsFlags) => {
      const keep = Number(flags.keep);
      if (!Number.isFinite(keep)) fail('whittle', `--keep must be a number, got '${flags.keep}'`);
      await initBackend();
      const model = await resolveLayersModel(spec, 'prune-inputs', 'input-feature pruning (prune-inputs)');
      const { train, test } = mnistFor(model);
      const bar = progressBar('retrain');
      try {
        const {
          model: smaller,
          report,
          kept,
        } = await pruneInputs(model, train, {
          keep,
          method: flags.method,
          steps: flags.steps,
          epochs: flags.epochs,
          validation: test,
          onProgress: (p) => p.train && bar.update(p.train),
        });
        bar.stop();
        if (flags.out) await saveModel(smaller, flags.out);
        printReport(report, flags.json);
        if (flags.out && !flags.json)
          console.log(
            `saved to ${flags.out}; it reads input features ${kept.length <= 30 ? kept.join(', ') : `(${kept.length} indices: 'kept' in --json)`}`,
          );
      } finally {
        train.dispose();
        test.dispose();
      }
    });
}
