import * as tf from '@tensorflow/tfjs';
import {
  evaluate,
  factorize,
  fineTune,
  lenet300100,
  lenet5,
  mnist,
  mobilenetMini,
  pruneInputs,
  spam,
  spamMlp,
  SPAM_MLP,
  type FactorizeOptions,
  type FeatureMethod,
} from '@whittle/core';
import { disposeAll, benchTable, fmt, pct, type Benchmark, type Figure } from './harness.js';

type Row = (string | number)[];
const pp = (a: number, b: number) => `${((a - b) * 100).toFixed(2)} pp`;

/** Median ms of `fn` for each model, runs interleaved (a, b, a, b, …) so load from other processes hits both alike. */
function interleaved(models: tf.LayersModel[], x: tf.Tensor, runs: number): number[] {
  const once = (m: tf.LayersModel) => {
    const t0 = performance.now();
    const out = m.predict(x) as tf.Tensor;
    out.dataSync();
    out.dispose();
    return performance.now() - t0;
  };
  models.forEach((m) => [0, 1, 2].forEach(() => once(m)));
  const times = models.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) models.forEach((m, i) => times[i]!.push(once(m)));
  return times.map((t) => t.sort((a, b) => a - b)[t.length >> 1]!);
}

/** LeNet-300-100: SVD at a few budgets, one epoch of fine-tuning, and wasm latency beside the original. */
async function svdLenet300(quick: boolean, log: (l: string) => void, figures: Figure[], rows: Row[]) {
  const { train, test } = mnist({ layout: 'flat', limit: quick ? 2000 : undefined });
  const base = lenet300100({ pretrained: true });
  const baseline = evaluate(base, test).accuracy;
  const budgets: FactorizeOptions[] = quick ? [{ energy: 0.8 }] : [{ energy: 0.8 }, { ratio: 0.2 }, { ratio: 0.1 }];
  for (const budget of budgets) {
    const { model, report } = factorize(base, budget);
    const oneShot = evaluate(model, test).accuracy;
    const { model: tuned } = await fineTune(model, train, { epochs: 1 });
    const after = evaluate(tuned, test).accuracy;
    const fewer = base.countParams() / tuned.countParams();
    const [batchBase, batchLow] = interleaved([base, tuned], test.x, quick ? 5 : 30);
    const one = tf.slice(test.x, 0, 1);
    const [oneBase, oneLow] = interleaved([base, tuned], one, quick ? 20 : 300);
    one.dispose();
    const ranks = report.layers.map((l) => `${l.name} r=${l.rank}`).join(', ');
    log(`lenet-300-100 svd ${report.budget} (${ranks}): ${fewer.toFixed(2)}× fewer params, ${pct(oneShot)} → ${pct(after)}`);
    figures.push(
      { name: `lenet-300-100 svd ${report.budget} params fewer`, value: fewer, unit: '×' },
      {
        name: `lenet-300-100 svd ${report.budget} fine-tuned accuracy`,
        value: after,
        unit: 'fraction',
        reference: baseline,
        referenceSource: 'Whittle fp32 baseline',
      },
      { name: `lenet-300-100 svd ${report.budget} speed-up, batch ${test.size}`, value: batchBase! / batchLow!, unit: '×' },
      { name: `lenet-300-100 svd ${report.budget} speed-up, batch 1`, value: oneBase! / oneLow!, unit: '×' },
    );
    rows.push([
      'low rank',
      'lenet-300-100',
      `svd, ${report.budget} (${ranks})`,
      `${tuned.countParams().toLocaleString('en-US')} (${fewer.toFixed(2)}× fewer)`,
      `${pct(oneShot)} → ${pct(after)} (1 epoch)`,
      `${pp(after, baseline)} vs ${pct(baseline)}; wasm ${fmt(batchBase!)} → ${fmt(batchLow!)} ms for ${test.size} digits (${(batchBase! / batchLow!).toFixed(2)}×), ${fmt(oneBase!)} → ${fmt(oneLow!)} ms for 1 (${(oneBase! / oneLow!).toFixed(2)}×)`,
    ]);
    model.dispose();
    tuned.dispose();
  }
  disposeAll(base, train, test);
}

/** LeNet-5 and mobilenet-mini: accuracy against energy, svd beside pca at the ranks svd chose. No fine-tuning. */
async function energyCurves(quick: boolean, log: (l: string) => void, figures: Figure[], rows: Row[]) {
  const energies = quick ? [0.9] : [0.6, 0.8, 0.9, 0.95, 0.99];
  const models: [string, () => tf.LayersModel][] = quick
    ? [['lenet-5', () => lenet5({ pretrained: true })]]
    : [
        ['lenet-5', () => lenet5({ pretrained: true })],
        ['mobilenet-mini', () => mobilenetMini({ pretrained: true })],
      ];
  const { train, test } = mnist({ layout: 'image', limit: quick ? 1000 : undefined });
  for (const [name, build] of models) {
    const base = build();
    const baseline = evaluate(base, test).accuracy;
    for (const energy of energies) {
      const svd = factorize(base, { energy });
      const ranks = Object.fromEntries(svd.report.layers.filter((l) => l.factorized).map((l) => [l.name, l.rank]));
      const accSvd = evaluate(svd.model, test).accuracy;
      let accPca: number | undefined;
      if (Object.keys(ranks).length) {
        const pca = factorize(base, { rank: ranks, method: 'pca', calibration: train, calibrationSamples: quick ? 200 : 1000 });
        accPca = evaluate(pca.model, test).accuracy;
        pca.model.dispose();
      }
      const params = svd.model.countParams();
      log(`${name} energy ${energy}: ${JSON.stringify(ranks)} svd ${pct(accSvd)} pca ${accPca === undefined ? '–' : pct(accPca)}`);
      figures.push({
        name: `${name} energy ${energy} svd accuracy`,
        value: accSvd,
        unit: 'fraction',
        reference: baseline,
        referenceSource: 'Whittle fp32 baseline',
      });
      if (accPca !== undefined)
        figures.push({ name: `${name} energy ${energy} pca accuracy (svd's ranks)`, value: accPca, unit: 'fraction' });
      rows.push([
        'low rank',
        name,
        `energy ${energy} (${
          Object.entries(ranks)
            .map(([l, r]) => `${l} r=${r}`)
            .join(', ') || 'no layer smaller'
        })`,
        `${params.toLocaleString('en-US')} (${(base.countParams() / params).toFixed(2)}× fewer)`,
        `svd ${pct(accSvd)} · pca ${accPca === undefined ? '–' : pct(accPca)} (no fine-tuning)`,
        `baseline ${pct(baseline)}${accPca === undefined ? '' : `; pca − svd = ${pp(accPca, accSvd)}`}`,
      ]);
      svd.model.dispose();
    }
    base.dispose();
  }
  train.dispose();
  test.dispose();
}

/** MNIST pixels with LeNet-300-100: keep a fraction, ranked once or by RFE, with the same training budget. */
async function pixels(quick: boolean, log: (l: string) => void, figures: Figure[], rows: Row[], method: FeatureMethod) {
  const { train, test } = mnist({ layout: 'flat', limit: quick ? 2000 : undefined });
  const base = lenet300100({ pretrained: true });
  const baseline = evaluate(base, test).accuracy;
  const steps = quick ? 2 : 4;
  const keeps = quick ? [0.5] : [0.5, 0.25, 0.1];
  const samples = quick ? 100 : 500;
  const run = (keep: number, s: number, epochs: number) =>
    pruneInputs(base, train, { keep, method, steps: s, epochs, validation: test, samples });
  for (const keep of keeps) {
    const oneShot = await run(keep, 1, steps);
    const rfe = await run(keep, steps, 1);
    const [b, c] = [oneShot, rfe].map((r) => r.report.rounds.at(-1)!.accuracy) as [number, number];
    log(
      `pixels keep ${keep}: one-shot + ${steps} epochs ${pct(b)}, RFE ${steps}×1 ${pct(c)} (${rfe.report.rounds.map((r) => pct(r.accuracy)).join(' → ')})`,
    );
    figures.push(
      {
        name: `mnist pixels keep ${keep} one-shot + ${steps} epochs`,
        value: b,
        unit: 'fraction',
        reference: baseline,
        referenceSource: 'Whittle fp32 baseline',
      },
      {
        name: `mnist pixels keep ${keep} RFE ${steps} rounds`,
        value: c,
        unit: 'fraction',
        reference: baseline,
        referenceSource: 'Whittle fp32 baseline',
      },
    );
    rows.push([
      'input features',
      'lenet-300-100 (pixels)',
      `keep ${keep * 100}% (${rfe.kept.length} pixels), ${method}`,
      rfe.model.countParams().toLocaleString('en-US'),
      `one-shot + ${steps} epochs ${pct(b)} · RFE ${steps} rounds × 1 epoch ${pct(c)}`,
      `RFE − one-shot = ${pp(c, b)}; best − baseline = ${pp(Math.max(b, c), baseline)}`,
    ]);
    [oneShot, rfe].forEach((r) => r.model.dispose());
  }
  disposeAll(base, train, test);
}

export const dimensions: Benchmark = {
  name: 'dimensions',
  title: 'Fewer dimensions: low-rank factorization (SVD, PCA) and input-feature pruning (RFE)',
  description:
    'Low rank: `factorize` splits each hidden Dense/Conv2D layer in two thinner ones (the output layer stays whole); LeNet-300-100 is fine-tuned 1 epoch (Adam 1e-3, batch 64) after SVD and timed on wasm beside the original (runs interleaved, medians); LeNet-5 and mobilenet-mini compare data-aware PCA (1,000 training samples) with SVD at the ranks SVD chose for each energy, without fine-tuning. Input features: `pruneInputs` on LeNet-300-100 keeps a fraction of the 784 MNIST pixels, ranked by permutation importance (accuracy drop when a pixel is shuffled, on 500 training samples) once and then retrained as many epochs as RFE gets in total (4), or by recursive feature elimination (4 rounds, one epoch after each). Accuracy is on the 2,004-digit test split.',
  run: async ({ quick, log }) => {
    const { figures, rows, result } = benchTable<Row>(['technique', 'model', 'setting', 'params', 'test accuracy', 'comparison']);
    await svdLenet300(quick, log, figures, rows);
    await energyCurves(quick, log, figures, rows);
    await pixels(quick, log, figures, rows, 'permutation');
    return result(
      'Whittle’s fp32 baselines: LeNet-300-100 94.31 %, LeNet-5 97.41 %, mobilenet-mini 97.01 %.',
      'The machine was shared with other sessions while this ran: latencies are medians of interleaved runs; their ratios mean more than the raw times.',
    );
  },
};

/** spam-mlp: accuracy against the number of words kept, ranked by permutation importance, with and without retraining. */
export const dimensionsSpam: Benchmark = {
  name: 'dimensions-spam',
  title: 'Input-feature pruning on words: spam-mlp, accuracy against words kept',
  description:
    '`pruneInputs` on spam-mlp (SpamAssassin bag of words, 1,000 words, 98.65 % on the 1,188 test messages): words ranked by permutation importance on 500 training messages, then kept one-shot, one-shot + 2 epochs of retraining, or by RFE (2 rounds × 1 epoch). Accuracy on the test split.',
  run: async ({ quick, log }) => {
    const { figures, rows, result } = benchTable<Row>([
      'words kept',
      'params',
      'one-shot',
      'one-shot + 2 epochs',
      'RFE 2 × 1 epoch',
      'best − baseline',
      'top words (one-shot ranking)',
    ]);
    const { train, test } = spam({ words: SPAM_MLP.words });
    const base = spamMlp({ pretrained: true });
    const baseline = evaluate(base, test).accuracy;
    const keeps = quick ? [100] : [200, 50, 10];
    for (const keep of keeps) {
      const opts = { keep, method: 'permutation' as const, validation: test, samples: quick ? 200 : 500 };
      const results = [
        await pruneInputs(base, train, { ...opts }),
        await pruneInputs(base, train, { ...opts, epochs: 2 }),
        await pruneInputs(base, train, { ...opts, steps: 2, epochs: 1 }),
      ];
      const [a, b, c] = results.map((r) => r.report.rounds.at(-1)!.accuracy) as [number, number, number];
      const words = results[1]!.report.top.slice(0, 8).map((t) => t.name);
      log(`spam keep ${keep}: ${pct(a)} / ${pct(b)} / ${pct(c)}; top: ${words.join(' ')}`);
      figures.push({
        name: `spam-mlp ${keep} words one-shot + 2 epochs`,
        value: b,
        unit: 'fraction',
        reference: baseline,
        referenceSource: 'spam-mlp, 1,000 words',
      });
      rows.push([
        keep,
        results[1]!.model.countParams().toLocaleString('en-US'),
        pct(a),
        pct(b),
        pct(c),
        pp(Math.max(a, b, c), baseline),
        words.join(', '),
      ]);
      results.forEach((r) => r.model.dispose());
    }
    disposeAll(base, train, test);
    return result(
      `spam-mlp with all 1,000 words: ${pct(baseline)}, 32,098 params.`,
      'The machine was shared with other sessions while this ran.',
    );
  },
};
