import type { Command } from 'commander';
import { initBackend } from '../backend/index.js';
import { saveModel } from '../io/save.js';
import { addCommandFlags, pruneInputsOptions, type Flags } from './flags.js';
import { pruneInputs } from '../features/prune-inputs.js';
import { mnistFor, resolveLayersModel } from './resolve.js';
import { printReport } from './print.js';
import { progressBar } from './progress.js';

type PruneInputsFlags = Flags & { out?: string; json?: boolean };

export function registerPruneInputs(program: Command): void {
  const cmd = program
    .command('prune-inputs')
    .description("keep only the most important input features (MNIST pixels, or a first Conv2D's channels); RFE with --steps")
    .argument('<model>', 'model.json, its folder, or a reference model name');
  addCommandFlags(cmd, 'prune-inputs')
    .option('--out <dir>', 'save the smaller model here (stock tfjs format); it takes only the kept features')
    .option('--json', 'print the report object')
    .action(async (spec: string, flags: PruneInputsFlags) => {
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
          ...pruneInputsOptions(flags),
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
