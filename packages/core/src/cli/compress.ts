/**
 * `whittle compress <model> --budget 20kB | --ratio 30 | --max-drop 0.5`: the
 * per-layer plan autoCompress chooses for a budget, fine-tuned, saved to --out.
 * `--pipeline deep` runs Deep Compression instead (cli/cluster.ts `runDeepPipeline`): one `compress` command.
 */
import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { initBackend } from '../backend/index.js';
import { fail } from '../errors.js';
import { saveModel } from '../io/save.js';
import { autoCompress } from '../auto/auto.js';
import type { AutoProgress } from '../auto/options.js';
import { addCommandFlags, compressOptions } from './flags.js';
import { mnistFor, resolveLayersModel } from './resolve.js';
import { printReport } from './print.js';
import { runDeepPipeline } from './cluster.js';
import { wholeNumber } from './flag-parsers.js';

export interface CompressFlags {
  pipeline?: string;
  sparsity?: string;
  clusters?: string;
  pruneSteps?: string;
  annealEpochs?: number;
  shiftCopies?: number;
  out?: string;
  json?: boolean;
  [flag: string]: unknown;
}

function stageBar(): { update: (p: AutoProgress) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: '{stage} [{bar}] {value}/{total} | {message}', stream: process.stderr, clearOnComplete: true, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let stage = '';
  return {
    update: (p) => {
      if (p.stage !== stage) {
        if (stage) bar.stop();
        bar.start(Math.max(1, p.total), p.done, { stage: p.stage, message: p.message });
        stage = p.stage;
      } else bar.update(p.done, { message: p.message });
    },
    stop: () => {
      if (stage) bar.stop();
      stage = '';
    },
  };
}

export function registerCompress(program: Command): void {
  const cmd = program
    .command('compress')
    .description(
      'choose per-layer pruning and quantization for a size or accuracy budget, fine-tune, verify, save; or --pipeline deep: Deep Compression (Han et al. 2016)',
    )
    .argument('<model>', 'model.json, its folder, or a reference model name');
  addCommandFlags(cmd, 'compress')
    .option('--out <dir>', 'save the compressed model here (packed per-layer bits; the deep format when --techniques includes cluster)')
    .option('--json', 'print the report object')
    .option('--pipeline <name>', 'deep: a fixed sequence instead of a budget (prune → fine-tune → k-means → fine-tune centroids → Huffman)')
    .option('--sparsity <s>', 'deep: final fraction of kernel weights removed, in [0, 1) (default 0.92)')
    .option('--clusters <k>', 'deep: centroids per codebook, or layer=k pairs (default 32)')
    .option('--prune-steps <n>', 'deep: pruning rounds, each fine-tuned (default 3)')
    .addOption(
      new Option(
        '--anneal-epochs <n>',
        'deep: epochs at a tenth of the learning rate after the rounds, before k-means (default 0)',
      ).argParser(wholeNumber(0)),
    )
    .addOption(
      new Option(
        '--shift-copies <n>',
        'deep: also fine-tune on n copies of the images moved one pixel (image models; against overfitting, default 0)',
      ).argParser(wholeNumber(0)),
    )
    .action(async (spec: string, flags: CompressFlags) => {
      if (flags.pipeline !== undefined)
        return runDeepPipeline(spec, { ...flags, epochs: flags.epochs as number, pipeline: flags.pipeline });
      const deepOnly = (['sparsity', 'clusters', 'pruneSteps', 'annealEpochs', 'shiftCopies'] as const).find((k) => flags[k] !== undefined);
      if (deepOnly)
        fail(
          'whittle',
          `--${deepOnly.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --pipeline deep (a budget plans each layer itself)`,
        );
      const shared = compressOptions(flags);
      await initBackend();
      const model = await resolveLayersModel(spec, 'compress', 'a per-layer plan (compress)');
      const { train, test } = mnistFor(model);
      const bar = stageBar();
      try {
        const result = await autoCompress(model, {
          train,
          test,
          ...shared,
          onProgress: bar.update,
        });
        bar.stop();
        if (flags.out) await saveModel(result.model, flags.out, result.save);
        printReport(result.report, flags.json);
        if (flags.out && !flags.json) console.log(`saved to ${flags.out}`);
        result.model.dispose();
      } finally {
        bar.stop();
        train.dispose();
        test.dispose();
      }
    });
}
