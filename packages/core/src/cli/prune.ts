import type { Command } from 'commander';
import { initBackend } from '../backend/index.js';
import { fail } from '../errors.js';
import { evaluate } from '../analysis/evaluate.js';
import { saveModel } from '../io/save.js';
import { prune } from '../prune/prune.js';
import { fineTune } from '../prune/finetune.js';
import type { Granularity, PruneMethod } from '../prune/options.js';
import type { SparsityReport } from '@whittle/report';
import { DATA_HELP, dataFor, requireData, resolveModel, type CliData } from './resolve.js';
import { isGraphModel, needLayers, type AnyModel } from '../io/graph.js';
import { pruneGraph } from '../prune/graph-model.js';
import { printReport } from './print.js';
import { progressBar } from './progress.js';

interface PruneFlags {
  sparsity?: string;
  scope: 'layer' | 'global';
  method?: PruneMethod;
  structured?: 'neuron' | 'filter' | 'channel';
  nm?: string;
  skip?: string;
  includeOutput?: boolean;
  refit?: boolean;
  fineTuneEpochs: number;
  data?: string;
  seed: number;
  out?: string;
  json?: boolean;
}

function granularity(flags: PruneFlags): Granularity {
  if (flags.structured && flags.nm) fail('whittle', 'choose one of --structured and --nm');
  if (flags.nm) {
    const m = /^(\d+):(\d+)$/.exec(flags.nm);
    if (!m) fail('whittle', `--nm must look like 2:4, got '${flags.nm}'`);
    return { n: Number(m[1]), m: Number(m[2]) };
  }
  return flags.structured ?? 'unstructured';
}

export function registerPrune(program: Command): void {
  program
    .command('prune')
    .description('prune a model (unstructured, N:M or structured) and optionally fine-tune it on data')
    .argument('<model>', 'model.json, its folder, or a reference model name')
    .option('--sparsity <s>', 'fraction to remove in [0, 1) (of weights, or of units with --structured)')
    .option('--scope <scope>', 'layer | global (one threshold for all layers)', 'layer')
    .option('--method <m>', 'magnitude | random (weights); l1 | l2 | bn-scale | random (units)')
    .option('--structured <g>', 'remove whole units: neuron | filter | channel')
    .option('--nm <n:m>', 'N:M sparsity, e.g. 2:4')
    .option('--skip <layers>', 'comma-separated layer names or globs to leave dense')
    .option('--include-output', 'also prune the classifier layer')
    .option('--refit', 'refit the pruned Dense layers by least squares on 2,000 train samples (needs data)')
    .option('--fine-tune-epochs <n>', 'fine-tune on the train data, masks kept (needs data)', (v) => Number(v), 0)
    .option('--data <path>', DATA_HELP)
    .option('--seed <n>', 'seed for random pruning', (v) => Number(v), 0)
    .option('--out <dir>', 'save the pruned model here (stock tfjs format)')
    .option('--json', 'print the report object')
    .action(async (spec: string, flags: PruneFlags) => {
      if (!Number.isInteger(flags.fineTuneEpochs) || flags.fineTuneEpochs < 0)
        fail('whittle', `--fine-tune-epochs must be a whole number ≥ 0, got ${flags.fineTuneEpochs}`);
      const sparsity = flags.sparsity === undefined ? undefined : Number(flags.sparsity);
      if (flags.sparsity !== undefined && !Number.isFinite(sparsity))
        fail('whittle', `--sparsity must be a number, got '${flags.sparsity}'`);
      await initBackend();
      const model = await resolveModel(spec);
      const needsData = flags.refit ? '--refit' : flags.fineTuneEpochs > 0 ? '--fine-tune-epochs' : undefined;
      if (needsData) needLayers('prune', model, needsData);
      const data = needsData ? requireData(model, flags.data, `prune ${needsData}`) : dataFor(model, flags.data);
      if (isGraphModel(model)) {
        const g = await pruneGraph(model, {
          sparsity,
          scope: flags.scope,
          granularity: granularity(flags),
          skip: flags.skip?.split(',').map((s) => s.trim()),
        });
        await finish(model, g.model, g.report, data, flags);
        return;
      }
      const {
        model: pruned,
        report,
        masks,
      } = prune(model, {
        sparsity,
        scope: flags.scope,
        method: flags.method,
        granularity: granularity(flags),
        skip: flags.skip?.split(',').map((s) => s.trim()),
        includeOutput: flags.includeOutput,
        seed: flags.seed,
        calibration: flags.refit ? data!.train : undefined,
      });
      let result = pruned;
      if (flags.fineTuneEpochs > 0) {
        const bar = progressBar('fine-tune');
        result = (await fineTune(pruned, data!.train, { epochs: flags.fineTuneEpochs, masks, onProgress: bar.update })).model;
        bar.stop();
      }
      await finish(model, result, report, data, flags);
    });
}

/** Accuracy before/after (or a note saying it was not measured), save, print. */
async function finish(model: AnyModel, result: AnyModel, report: SparsityReport, data: CliData | null, flags: PruneFlags): Promise<void> {
  try {
    if (data) report.accuracy = { before: evaluate(model, data.test).accuracy, after: evaluate(result, data.test).accuracy };
    else
      report.notes = [
        ...(report.notes ?? []),
        `accuracy not measured: no data for input [${(model.inputs[0]!.shape ?? []).slice(1).join('×')}] (--data PATH)`,
      ];
  } finally {
    data?.dispose();
  }
  if (flags.out) await saveModel(result, flags.out);
  printReport(report, flags.json);
  if (flags.out && !flags.json) console.log(`saved to ${flags.out}`);
}
