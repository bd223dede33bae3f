import type { Command } from 'commander';
import { initBackend } from '../backend/index.js';
import { fail } from '../errors.js';
import { evaluate } from '../analysis/evaluate.js';
import { saveModel } from '../io/save.js';
import { prune } from '../prune/prune.js';
import { fineTune } from '../prune/finetune.js';
import { addFlags, pruneOptions, PRUNE_FLAGS, type Flags } from './flags.js';
import { mnistFor, resolveModel } from './resolve.js';
import { printReport } from './print.js';
import { progressBar } from './progress.js';

export function registerPrune(program: Command): void {
  const cmd = program
    .command('prune')
    .description('prune a model (unstructured, N:M or structured) and optionally fine-tune it on MNIST')
    .argument('<model>', 'model.json, its folder, or a reference model name');
  addFlags(cmd, PRUNE_FLAGS)
    .option('--fine-tune-epochs <n>', 'fine-tune on the MNIST train split, masks kept', (v) => Number(v), 0)
    .option('--out <dir>', 'save the pruned model here (stock tfjs format)')
    .option('--json', 'print the report object')
    .action(async (spec: string, flags: Flags & { fineTuneEpochs: number; out?: string; json?: boolean }) => {
      if (!Number.isInteger(flags.fineTuneEpochs) || flags.fineTuneEpochs < 0)
        fail('whittle', `--fine-tune-epochs must be a whole number ≥ 0, got ${flags.fineTuneEpochs}`);
      await initBackend();
      const model = await resolveModel(spec);
      const { train, test } = mnistFor(model);
      try {
        // the CLI's calibration data is the MNIST train split, used when a compensation is asked for
        const compensating = flags.compensate !== undefined && flags.compensate !== 'none';
        const { model: pruned, report, masks } = prune(model, pruneOptions(flags, compensating ? train : undefined));
        let result = pruned;
        const before = evaluate(model, test).accuracy;
        if (flags.fineTuneEpochs > 0) {
          const bar = progressBar('fine-tune');
          result = (await fineTune(pruned, train, { epochs: flags.fineTuneEpochs, masks, onProgress: bar.update })).model;
          bar.stop();
        }
        report.accuracy = { before, after: evaluate(result, test).accuracy };
        if (flags.out) await saveModel(result, flags.out);
        printReport(report, flags.json);
        if (flags.out && !flags.json) console.log(`saved to ${flags.out}`);
      } finally {
        train.dispose();
        test.dispose();
      }
    });
}
