/**
 * The four pruning-quality cases the pruning issue sets, measured with its exact
 * protocol: from the pretrained reference weights, prune, evaluate one-shot,
 * fine-tune 2 epochs (Adam 1e-3, batch 64, fit's fixed shuffle seed 0, masks
 * re-applied after every step), evaluate on the fixed test split.
 *
 * Run: `npx tsc -b && node packages/core/dist/prune/quality.js` (from /work/main).
 * `measurePruneQuality` is exported so bench/ can reuse the measurement.
 */
import { fileURLToPath } from 'node:url';
import type * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend/index.js';
import { evaluate } from '../analysis/evaluate.js';
import { mnist } from '../data/mnist.js';
import { lenet300100, lenet5 } from '../models/reference.js';
import { fineTune } from './finetune.js';
import type { PruneOptions } from './options.js';
import { prune } from './prune.js';

export interface QualityCase {
  name: string;
  model: 'lenet-300-100' | 'lenet-5';
  options: PruneOptions;
  /** PyTorch 1.13 torch.nn.utils.prune after fine-tuning, same split (shared/reference/mnist-references.md §2–3). */
  torch: number;
  /** What the issue requires of Whittle after fine-tuning. */
  required: number;
}

export interface QualityRow extends QualityCase {
  oneShot: number;
  fineTuned: number;
  paramsLeft: number;
  nonzerosLeft: number;
  seconds: number;
  pass: boolean;
}

// Global magnitude includes the classifier, as torch.nn.utils.prune.global_unstructured over every Linear/Conv does.
export const QUALITY_CASES: QualityCase[] = [
  {
    name: 'LeNet-300-100 global 90 %',
    model: 'lenet-300-100',
    options: { sparsity: 0.9, scope: 'global', includeOutput: true },
    torch: 0.9431,
    required: 0.94,
  },
  {
    name: 'LeNet-300-100 global 95 %',
    model: 'lenet-300-100',
    options: { sparsity: 0.95, scope: 'global', includeOutput: true },
    torch: 0.9321,
    required: 0.93,
  },
  {
    name: 'LeNet-5 global 90 %',
    model: 'lenet-5',
    options: { sparsity: 0.9, scope: 'global', includeOutput: true },
    torch: 0.9646,
    required: 0.96,
  },
  {
    name: 'LeNet-5 structured L2 50 %',
    model: 'lenet-5',
    options: { sparsity: 0.5, granularity: 'channel', method: 'l2' },
    torch: 0.9566,
    required: 0.955,
  },
];

const nonzeros = (model: tf.LayersModel): number =>
  model.getWeights().reduce((sum, w) => sum + (w.dataSync() as Float32Array).reduce((n, v) => n + (v !== 0 ? 1 : 0), 0), 0);

/**
 * Measures each case (default: all four). `epochs` and `limit` exist for quick smoke runs; `seed` (fit's
 * shuffle seed, default 0 as in the protocol) for measuring the run-to-run spread, not for picking a best run.
 */
export async function measurePruneQuality(
  options: { cases?: QualityCase[]; epochs?: number; limit?: number; seed?: number; log?: (line: string) => void } = {},
): Promise<QualityRow[]> {
  await initBackend();
  const rows: QualityRow[] = [];
  for (const layout of ['flat', 'image'] as const) {
    const cases = (options.cases ?? QUALITY_CASES).filter((c) => (c.model === 'lenet-5') === (layout === 'image'));
    if (cases.length === 0) continue;
    const { train, test } = mnist({ layout, limit: options.limit });
    const base = layout === 'flat' ? lenet300100({ pretrained: true }) : lenet5({ pretrained: true });
    try {
      for (const c of cases) {
        const start = performance.now();
        const { model, masks } = prune(base, c.options);
        const oneShot = evaluate(model, test).accuracy;
        const { model: tuned } = await fineTune(model, train, {
          epochs: options.epochs ?? 2,
          batchSize: 64,
          learningRate: 1e-3,
          seed: options.seed ?? 0,
          masks,
        });
        const fineTuned = evaluate(tuned, test).accuracy;
        const row: QualityRow = {
          ...c,
          oneShot,
          fineTuned,
          paramsLeft: tuned.countParams(),
          nonzerosLeft: nonzeros(tuned),
          seconds: (performance.now() - start) / 1000,
          pass: fineTuned >= c.required,
        };
        rows.push(row);
        options.log?.(`${c.name}: ${pct(oneShot)} → ${pct(fineTuned)} (${row.seconds.toFixed(1)} s)`);
        model.dispose();
        tuned.dispose();
      }
    } finally {
      base.dispose();
      train.dispose();
      test.dispose();
    }
  }
  return rows;
}

const pct = (f: number) => `${(f * 100).toFixed(2)} %`;

export function qualityTable(rows: QualityRow[]): string {
  const head = '| case | one-shot | fine-tuned | PyTorch | required | params | nonzeros |';
  const lines = rows.map(
    (r) =>
      `| ${r.name} | ${pct(r.oneShot)} | ${pct(r.fineTuned)} | ${pct(r.torch)} | ≥ ${pct(r.required)} ${r.pass ? '✓' : '✗'} | ` +
      `${r.paramsLeft.toLocaleString('en-US')} | ${r.nonzerosLeft.toLocaleString('en-US')} |`,
  );
  return [head, '|---|---|---|---|---|---|---|', ...lines].join('\n');
}

// Run as a script. No top-level await: it would make every importer of @whittle/core
// async, and require('@whittle/core') (tslab notebooks) would fail.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  void measurePruneQuality({ log: (line) => console.error(line) }).then((rows) => console.log(qualityTable(rows)));
}
