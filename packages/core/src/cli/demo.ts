/**
 * `whittle demo`: the main job end to end on a reference model, printing what
 * each stage did. Each stage returns a model; the table compares them by what
 * was actually measured (accuracy on the test split, bytes written by save).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summary } from '../analysis/summary.js';
import { evaluate } from '../analysis/evaluate.js';
import { saveModel } from '../io/save.js';
import { modelBytes } from '../io/bytes.js';
import { referenceModel } from '../models/reference.js';
import { mnistFor } from './resolve.js';
import { reportText, tableText } from '@whittle/report';
import type { Dataset } from '../data/dataset.js';
import { prune } from '../prune/prune.js';
import { fineTune } from '../prune/finetune.js';
import { progressBar } from './progress.js';
import { quantize } from '../quantize/ptq.js';
import { simulateExport } from '../quantize/export.js';

export interface DemoStage {
  name: string;
  model: tf.LayersModel;
  /** Saves the model the way this stage would ship it; defaults to the stock fp32 format. */
  save?: (dir: string) => Promise<unknown>;
}

export interface DemoContext {
  base: tf.LayersModel;
  train: Dataset;
  test: Dataset;
  log: (line: string) => void;
}

/** Prune 90 % of the weights (one global magnitude threshold), then fine-tune one epoch with the masks kept. */
async function pruneStage(ctx: DemoContext, previous: DemoStage): Promise<DemoStage> {
  const { model, report, masks } = prune(previous.model, { sparsity: 0.9, scope: 'global' });
  ctx.log(reportText(report));
  const bar = progressBar('fine-tune');
  const tuned = await fineTune(model, ctx.train, { epochs: 1, masks, onProgress: bar.update });
  bar.stop();
  model.dispose();
  return { name: 'pruned 90% + 1 epoch fine-tune', model: tuned.model };
}

/** Quantize the pruned model's weights to 8 bits and ship them as uint8, which stock tfjs decodes. */
async function quantizeStage(ctx: DemoContext, previous: DemoStage): Promise<DemoStage> {
  const model = simulateExport(previous.model, 'uint8');
  const { report } = await quantize(previous.model, { weights: { bits: 8, scheme: 'asymmetric', perChannel: false } });
  ctx.log(reportText(report));
  return { name: '+ uint8 weights (stock tfjs format)', model, save: (dir) => saveModel(previous.model, dir, { quantization: 'uint8' }) };
}

/** The pipeline, in order; each stage takes the previous stage's model. */
export const demoStages: ((ctx: DemoContext, previous: DemoStage) => Promise<DemoStage>)[] = [pruneStage, quantizeStage];

export interface DemoRow {
  stage: string;
  accuracy: number;
  params: number;
  nonzeros: number;
  bytes: number;
  gzipBytes: number;
}

export async function runDemo(modelName = 'lenet-5', log: (line: string) => void = console.log): Promise<DemoRow[]> {
  const base = referenceModel(modelName, { pretrained: true });
  const { train, test } = mnistFor(base);
  const ctx: DemoContext = { base, train, test, log };
  log(reportText(summary(base)));
  const stages: DemoStage[] = [{ name: 'baseline (fp32)', model: base }];
  for (const next of demoStages) stages.push(await next(ctx, stages.at(-1)!));
  const scratch = mkdtempSync(join(tmpdir(), 'whittle-demo-'));
  const rows: DemoRow[] = [];
  try {
    for (const [i, stage] of stages.entries()) {
      const dir = join(scratch, String(i));
      if (stage.save) await stage.save(dir);
      else await saveModel(stage.model, dir);
      const bytes = modelBytes(dir);
      const s = summary(stage.model);
      rows.push({
        stage: stage.name,
        accuracy: evaluate(stage.model, test).accuracy,
        params: s.totals.params,
        nonzeros: s.totals.nonzeros,
        bytes: bytes.bytes,
        gzipBytes: bytes.gzipBytes,
      });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    train.dispose();
    test.dispose();
  }
  const baseline = rows[0]!;
  log(
    tableText({
      title: `Whittle demo on ${modelName} (MNIST test split, ${test.size} digits)`,
      columns: ['stage', 'accuracy', 'params', 'nonzeros', 'bytes', 'gzip bytes', 'vs baseline (gzip)'],
      rows: rows.map((r) => [
        r.stage,
        `${(r.accuracy * 100).toFixed(2)}%`,
        r.params.toLocaleString('en-US'),
        r.nonzeros.toLocaleString('en-US'),
        r.bytes.toLocaleString('en-US'),
        r.gzipBytes.toLocaleString('en-US'),
        `${(baseline.gzipBytes / r.gzipBytes).toFixed(2)}× smaller`,
      ]),
      notes: ['bytes are what save wrote (model.json + weight shards); gzip is what a web server would send'],
    }),
  );
  return rows;
}
