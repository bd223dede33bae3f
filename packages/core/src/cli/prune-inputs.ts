import type { Command } from 'commander';
import { initBackend } from '../backend/index.js';
import { saveModel } from '../io/save.js';
import { pruneInputsOptions, type Flags } from './flags.js';
import { modelCommand, saveAndPrint } from './command.js';
import { pruneInputs } from '../features/prune-inputs.js';
import { mnistFor, resolveLayersModel } from './resolve.js';
import { progressBar } from './progress.js';

type PruneInputsFlags = Flags & { out?: string; json?: boolean };

export function registerPruneInputs(program: Command): void {
  modelCommand(
    program,
    'prune-inputs',
    "keep only the most important input features (MNIST pixels, or a first Conv2D's channels); RFE with --steps",
    { out: 'save the smaller model here (stock tfjs format); it takes only the kept features' },
  ).action(async (spec: string, flags: PruneInputsFlags) => {
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
      const features = kept.length <= 30 ? kept.join(', ') : `(${kept.length} indices: 'kept' in --json)`;
      await saveAndPrint(report, flags, (dir) => saveModel(smaller, dir), `; it reads input features ${features}`);
    } finally {
      train.dispose();
      test.dispose();
    }
  });
}
