/**
 * `whittle compress <model> --budget 20kB | --ratio 30 | --max-drop 0.5`: the
 * per-layer plan autoCompress chooses for a budget, fine-tuned, saved to --out.
 * `--pipeline deep` runs Deep Compression instead (cli/cluster.ts `runDeepPipeline`): one `compress` command,
 * whose flags (both pipelines') are declared in flags.ts, shared with %compress; pipeline.ts says which reads what.
 */
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { initBackend } from '../backend/index.js';
import { saveModel } from '../io/save.js';
import { autoCompress } from '../auto/auto.js';
import type { AutoProgress } from '../auto/options.js';
import { addCommandFlags, compressOptions } from './flags.js';
import { DATA_HELP, requireData, resolveLayersModel } from './resolve.js';
import { printReport } from './print.js';
import { runDeepPipeline } from './cluster.js';
import { compressPipeline } from './pipeline.js';

export interface CompressFlags {
  data?: string;
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
    .option('--data <path>', DATA_HELP)
    .option(
      '--out <dir>',
      'save the compressed model here (packed per-layer bits; the deep format when --techniques includes cluster, and with --pipeline deep, which needs it)',
    )
    .option('--json', 'print the report object')
    .action(async (spec: string, flags: CompressFlags) => {
      if (compressPipeline(flags) === 'deep') return runDeepPipeline(spec, flags);
      const shared = compressOptions(flags);
      await initBackend();
      const model = await resolveLayersModel(spec, 'compress', 'a per-layer plan (compress)');
      // MNIST (or spam-mlp's corpus) by default; a --data file or folder is split: the plan fits on one part, is verified on the other
      const data = requireData(model, flags.data, 'compress', { split: true });
      if (data.note && !flags.json) console.error(data.note);
      const bar = stageBar();
      try {
        const result = await autoCompress(model, {
          train: data.train,
          test: data.test,
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
        data.dispose();
      }
    });
}
