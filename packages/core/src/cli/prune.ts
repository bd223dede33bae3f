import type { Command } from 'commander';
import type { SparsityReport } from '@whittle/report';
import { initBackend } from '../backend/index.js';
import { fail } from '../errors.js';
import { evaluate } from '../analysis/evaluate.js';
import { saveModel } from '../io/save.js';
import { isGraphModel, needLayers, type AnyModel } from '../io/graph.js';
import { prune } from '../prune/prune.js';
import { pruneGraph } from '../prune/graph-model.js';
import { fineTune } from '../prune/finetune.js';
import { pruneOptions, type Flags } from './flags.js';
import { modelCommand, saveAndPrint } from './command.js';
import { dataFor, requireData, resolveModel, type CliData } from './resolve.js';
import { progressBar } from './progress.js';

type PruneCliFlags = Flags & { epochs?: number; data?: string; out?: string; json?: boolean };

export function registerPrune(program: Command): void {
  modelCommand(program, 'prune', 'prune a model (unstructured, N:M or structured) and optionally fine-tune it on data', {
    data: true,
    out: 'save the pruned model here (stock tfjs format)',
  }).action(async (spec: string, flags: PruneCliFlags) => {
    await initBackend();
    const model = await resolveModel(spec);
    // the calibration data is the train data, used when a compensation is asked for
    const compensating = flags.compensate !== undefined && flags.compensate !== 'none';
    const epochs = flags.epochs ?? 0;
    const needsData = compensating ? '--compensate' : epochs > 0 ? '--epochs' : undefined;
    if (needsData) needLayers('prune', model, needsData);
    const data = needsData ? requireData(model, flags.data, `prune ${needsData}`) : dataFor(model, flags.data);
    if (isGraphModel(model)) {
      const { sparsity, scope, granularity, skip } = pruneOptions(flags);
      if (typeof sparsity === 'object') fail('whittle', 'a per-layer --sparsity map needs a LayersModel; give a graph model one sparsity');
      const g = await pruneGraph(model, { sparsity, scope, granularity, skip });
      await finish(model, g.model, g.report, data, flags);
      return;
    }
    const { model: pruned, report, masks } = prune(model, pruneOptions(flags, compensating ? data!.train : undefined));
    let result = pruned;
    if (epochs > 0) {
      const bar = progressBar('fine-tune');
      result = (await fineTune(pruned, data!.train, { epochs, masks, onProgress: bar.update })).model;
      bar.stop();
    }
    await finish(model, result, report, data, flags);
  });
}

/** Accuracy before/after (or a note saying it was not measured), save, print. */
async function finish(
  model: AnyModel,
  result: AnyModel,
  report: SparsityReport,
  data: CliData | null,
  flags: PruneCliFlags,
): Promise<void> {
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
  await saveAndPrint(report, flags, (dir) => saveModel(result, dir));
}
