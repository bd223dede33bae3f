import { evaluate, fineTune, lenet300100, lenet5, mnist, prune, type PruneOptions, type ReferenceName } from '@whittle/core';
import type * as tf from '@tensorflow/tfjs';
import { disposeAll, benchTable, pct, type Benchmark } from './harness.js';
import { cite, PRUNE_GLOBAL, PRUNE_STRUCTURED, ACCURACY, TORCH } from './references.js';

// PyTorch 1.13 torch.nn.utils.prune on the same split: one-shot → after 2 fine-tune epochs (references.ts)
const TORCH_GLOBAL: Record<string, Record<number, [number, number]>> = PRUNE_GLOBAL.values;
const TORCH_STRUCTURED: Record<string, [number, number, number]> = PRUNE_STRUCTURED.values;
type Compensate = NonNullable<PruneOptions['compensate']>;

// What the pruning issue requires of Whittle after fine-tuning.
const REQUIRED: Record<string, number> = {
  'lenet-300-100@0.9': 0.94,
  'lenet-300-100@0.95': 0.93,
  'lenet-5@0.9': 0.96,
  'lenet-5@structured': 0.955,
};

export const pruneQuality: Benchmark = {
  name: 'prune-quality',
  title: 'Pruning quality beside PyTorch (global magnitude and structured 50 %, 2 fine-tune epochs)',
  description:
    'From the pretrained reference models: prune (global magnitude over every kernel, classifier included as in torch.nn.utils.prune; or structured L2, 50 % of the units of every hidden layer), optionally refit the affected layers on training samples, evaluate one-shot, fine-tune 2 epochs (Adam 1e-3, batch 64, masks re-applied after every step), evaluate again. Test split: 2,004 digits.',
  run: async ({ quick, log }) => {
    const { figures, rows, result } = benchTable([
      'model',
      'pruning',
      'plain: one-shot → fine-tuned',
      'least-squares refit: one-shot → fine-tuned',
      `${TORCH}: one-shot → fine-tuned`,
      'params left',
      'issue bound',
    ]);
    const models: [ReferenceName, () => tf.LayersModel, 'flat' | 'image'][] = [
      ['lenet-300-100', () => lenet300100({ pretrained: true }), 'flat'],
      ['lenet-5', () => lenet5({ pretrained: true }), 'image'],
    ];
    // Both pipelines, measured side by side: plain prune + fine-tune (PyTorch's protocol), and
    // Whittle's default when calibration data is given — a least-squares refit of the affected
    // Dense layers on 2,000 training samples before fine-tuning. Quick mode runs the refit only.
    const variants: Compensate[] = quick ? ['least-squares'] : ['none', 'least-squares'];
    const bound = (need: number | undefined, after: Partial<Record<Compensate, number>>) =>
      need === undefined
        ? ''
        : `≥ ${pct(need)}: ` + variants.map((v) => `${v === 'none' ? 'plain' : 'refit'} ${after[v]! >= need ? '✓' : '✗'}`).join(', ');
    const cell = (r: Partial<Record<Compensate, [number, number]>>, v: Compensate) => (r[v] ? `${pct(r[v]![0])} → ${pct(r[v]![1])}` : '–');
    const baselines: string[] = [];
    for (const [name, build, layout] of models) {
      const { train, test } = mnist({ layout, limit: quick ? 1000 : undefined });
      const base = build();
      baselines.push(`${name} ${pct(evaluate(base, test).accuracy)}`);
      const levels = quick ? [0.9] : [0.5, 0.8, 0.9, 0.95];
      for (const s of levels) {
        const result: Partial<Record<Compensate, [number, number]>> = {};
        for (const compensate of variants) {
          const { model, masks } = prune(base, { sparsity: s, scope: 'global', includeOutput: true, compensate, calibration: train });
          const oneShot = evaluate(model, test).accuracy;
          const { model: tuned } = await fineTune(model, train, { epochs: quick ? 1 : 2, masks });
          result[compensate] = [oneShot, evaluate(tuned, test).accuracy];
          log(`${name} global ${s} (${compensate}): ${pct(oneShot)} → ${pct(result[compensate]![1])}`);
          model.dispose();
          tuned.dispose();
        }
        const [tOne, tTuned] = TORCH_GLOBAL[name]![s]!;
        for (const v of variants) {
          figures.push({
            name: `${name} global ${s} one-shot (${v})`,
            value: result[v]![0],
            unit: 'fraction',
            reference: tOne,
            referenceSource: TORCH,
          });
          figures.push({
            name: `${name} global ${s} fine-tuned (${v})`,
            value: result[v]![1],
            unit: 'fraction',
            reference: tTuned,
            referenceSource: TORCH,
          });
        }
        rows.push([
          name,
          `global ${s * 100}%`,
          cell(result, 'none'),
          cell(result, 'least-squares'),
          `${pct(tOne)} → ${pct(tTuned)}`,
          base.countParams().toLocaleString('en-US'),
          bound(REQUIRED[`${name}@${s}`], { none: result.none?.[1], 'least-squares': result['least-squares']?.[1] }),
        ]);
      }
      const result: Partial<Record<Compensate, [number, number]>> = {};
      let paramsLeft = 0;
      for (const compensate of variants) {
        const { model: shrunk } = prune(base, { sparsity: 0.5, granularity: 'channel', method: 'l2', compensate, calibration: train });
        const oneShot = evaluate(shrunk, test).accuracy;
        const { model: tuned } = await fineTune(shrunk, train, { epochs: quick ? 1 : 2 });
        result[compensate] = [oneShot, evaluate(tuned, test).accuracy];
        log(`${name} structured (${compensate}): ${pct(oneShot)} → ${pct(result[compensate]![1])}`);
        paramsLeft = tuned.countParams();
        shrunk.dispose();
        tuned.dispose();
      }
      const [tOne, tTuned, tParams] = TORCH_STRUCTURED[name]!;
      for (const v of variants) {
        figures.push({
          name: `${name} structured 50% fine-tuned (${v})`,
          value: result[v]![1],
          unit: 'fraction',
          reference: tTuned,
          referenceSource: TORCH,
        });
      }
      rows.push([
        name,
        'structured L2 50%',
        cell(result, 'none'),
        cell(result, 'least-squares'),
        `${pct(tOne)} → ${pct(tTuned)} (masks only; ${tParams.toLocaleString('en-US')} if shrunk)`,
        paramsLeft.toLocaleString('en-US'),
        bound(REQUIRED[`${name}@structured`], { none: result.none?.[1], 'least-squares': result['least-squares']?.[1] }),
      ]);
      disposeAll(base, train, test);
    }
    return result(
      `Whittle starts from its own pretrained weights (${baselines.join(', ')}); PyTorch from its own (${models.map(([n]) => `${n} ${pct(ACCURACY.values[n as 'lenet-5'].torch)}`).join(', ')}).`,
      `References: ${cite(PRUNE_GLOBAL)}. ${cite(PRUNE_STRUCTURED)}.`,
      '"plain" is PyTorch’s protocol (prune, fine-tune). "least-squares refit" adds Whittle’s `compensate: \'least-squares\'` (the default of `prune` when `calibration` data is given): each affected Dense layer’s kept weights and bias are refit so its pre-activations match the original model’s on 2,000 training samples — masks unchanged, pruned weights stay zero; convolutions only get the mean-activation bias shift. The PyTorch column has no refit.',
    );
  },
};
