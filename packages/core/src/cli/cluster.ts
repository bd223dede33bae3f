/** `whittle cluster` (k-means weight sharing) and the Deep Compression run behind `whittle compress --pipeline deep`. */
import type { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../backend/index.js';
import { fail } from '../errors.js';
import { evaluate } from '../analysis/evaluate.js';
import { saveModel } from '../io/save.js';
import { fineTune } from '../prune/finetune.js';
import { cluster } from '../cluster/cluster.js';
import { deepCompress } from '../cluster/deep.js';
import { formatPercent as pct } from '../report/table.js';
import { mnistFor, requireData, resolveLayersModel } from './resolve.js';
import { clusterOptions, type Flags } from './flags.js';
import { modelCommand } from './command.js';
import { deepOptions } from './pipeline.js';
import { printReport } from './print.js';
import { progressBar } from './progress.js';

export function registerCluster(program: Command): void {
  modelCommand(
    program,
    'cluster',
    'share weights by k-means (one codebook per layer or channel), optionally fine-tune the centroids on MNIST',
    { out: "save in Whittle's deep format (codebooks + Huffman; read by whittle and loadModel)" },
  ).action(async (spec: string, flags: Flags & { epochs?: number; out?: string; json?: boolean }) => {
    const epochs = flags.epochs ?? 0;
    await initBackend();
    const model = await resolveLayersModel(spec, 'cluster', 'weight sharing (cluster)');
    const { train, test } = mnistFor(model);
    try {
      const shared = cluster(model, clusterOptions(flags));
      let result = shared.model;
      let assignments = shared.assignments;
      if (epochs > 0) {
        const bar = progressBar('centroids');
        const tuned = await fineTune(shared.model, train, {
          clusters: assignments,
          epochs,
          learningRate: 1e-4,
          onProgress: bar.update,
        });
        bar.stop();
        result = tuned.model;
        assignments = tuned.clusters!;
      }
      const report = { ...shared.report, accuracy: { before: evaluate(model, test).accuracy, after: evaluate(result, test).accuracy } };
      if (flags.out) {
        const saved = await saveModel(result, flags.out, { quantization: 'deep', clusters: assignments });
        // the float32 original, written too, so both sides of the ratio are bytes on disk
        const scratch = mkdtempSync(join(tmpdir(), 'whittle-cluster-'));
        const fp32 = await saveModel(model, join(scratch, 'fp32'), { quantization: 'float32' });
        rmSync(scratch, { recursive: true, force: true });
        const weights = saved.files.find((f) => f.name === 'weights.bin')!;
        Object.assign(report, {
          bytes: {
            weights: weights.bytes,
            total: saved.bytes,
            gzipWeights: weights.gzipBytes,
            gzipTotal: saved.gzipBytes,
            baselineWeights: fp32.files.find((f) => f.name === 'weights.bin')!.bytes,
            baselineTotal: fp32.bytes,
          },
        });
      }
      printReport(report, flags.json);
      if (flags.out && !flags.json) console.log(`saved to ${flags.out}`);
    } finally {
      train.dispose();
      test.dispose();
    }
  });
}

/** `whittle compress --pipeline deep`: prune → fine-tune → k-means → fine-tune centroids → Huffman (Han et al. 2016). */
export async function runDeepPipeline(spec: string, flags: Flags & { data?: string; out?: string; json?: boolean }): Promise<void> {
  const out = flags.out ?? fail('whittle', 'compress --pipeline deep needs --out <dir>');
  const options = deepOptions(flags);
  await initBackend();
  const model = await resolveLayersModel(spec, 'compress', 'Deep Compression (compress --pipeline deep)');
  // as the budget does: MNIST (or spam-mlp's corpus) by default; a --data file or folder is split, fitted on one part, measured on the other
  const data = requireData(model, flags.data, 'compress --pipeline deep', { split: true });
  if (data.note && !flags.json) console.error(data.note);
  let bar: ReturnType<typeof progressBar> | undefined;
  let barStage = '';
  try {
    const { model: compressed, report } = await deepCompress(model, data.train, {
      ...options,
      test: data.test,
      out,
      onProgress: (p) => {
        if (p.stage !== barStage) {
          bar?.stop();
          bar = progressBar((barStage = p.stage));
        }
        bar!.update(p);
      },
      onStage: (s) => {
        bar?.stop();
        bar = undefined;
        barStage = '';
        if (!flags.json) console.error(`${s.stage}: accuracy ${pct(s.accuracy)}, ${s.bytes.toLocaleString('en-US')} B`);
      },
    });
    compressed.dispose();
    const b = report.bytes!;
    const accuracy = report.stages!.at(-1)!.accuracy;
    if (flags.json)
      console.log(
        JSON.stringify(
          {
            accuracy,
            bytes: b,
            ratio: { weights: b.baselineWeights / b.weights, total: b.baselineTotal / b.total },
            data: { source: data.source, ...(data.note ? { note: data.note } : {}) },
            report,
          },
          null,
          2,
        ),
      );
    else {
      printReport(report, false);
      console.log(`saved to ${out}`);
    }
  } finally {
    bar?.stop();
    data.dispose();
  }
}
