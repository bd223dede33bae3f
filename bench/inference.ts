import * as tf from '@tensorflow/tfjs';
import { latency, mnist, prune, REFERENCE_MODELS, referenceModel, type ReferenceName } from '@whittle/core';
import { fmt, type Benchmark, type Figure } from './harness.js';
import { cite, INFERENCE_MS, TORCH } from './references.js';

const median = (sorted: number[]) => {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Times each model `runs` times, alternating between them after one warm-up each; sorted ms per model. */
function interleaved(models: tf.LayersModel[], x: tf.Tensor, runs: number): number[][] {
  for (const m of models) latency(m, x, { runs: 1, warmup: 1 });
  const times = models.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) models.forEach((m, i) => times[i]!.push(latency(m, x, { runs: 1, warmup: 0 }).medianMs));
  return times.map((t) => t.sort((p, q) => p - q));
}

export const inference: Benchmark = {
  name: 'inference',
  title: 'Inference latency: predicting the 2,004 test digits in one batch',
  description:
    'model.predict on the whole test split plus reading the result back, wasm vs cpu, beside PyTorch and plain tfjs on the same machines.',
  run: async ({ quick }) => {
    const figures: Figure[] = [];
    const rows: (string | number)[][] = [];
    const names: ReferenceName[] = quick ? ['lenet-300-100', 'lenet-5'] : ['lenet-300-100', 'lenet-5', 'mobilenet-mini'];
    for (const name of names) {
      const model = referenceModel(name, { pretrained: true });
      const { train, test } = mnist({ layout: REFERENCE_MODELS[name].layout });
      train.dispose();
      const cells: string[] = [];
      for (const backend of ['wasm', 'cpu']) {
        await tf.setBackend(backend);
        const t = latency(model, test.x, { runs: backend === 'cpu' ? (quick ? 1 : 3) : quick ? 3 : 10, warmup: 1 });
        figures.push({ name: `${name} ${backend} ms`, value: t.medianMs, unit: 'ms', min: t.minMs, max: t.maxMs, runs: t.runs });
        cells.push(`${fmt(t.medianMs)} (${fmt(t.minMs)}–${fmt(t.maxMs)})`);
      }
      await tf.setBackend('wasm');
      const ref = (INFERENCE_MS.values as Record<string, { torch: number; tfjsWasm: number; tfjsCpu: number }>)[name];
      rows.push([name, ...cells, ref ? fmt(ref.tfjsWasm) : '–', ref ? fmt(ref.torch) : '–']);
      test.dispose();
      model.dispose();
    }
    // Structured pruning's speed-up: the original and the pruned model timed in the same run, alternating
    // (a, b, a, b, …) so that load from other processes hits both alike; the raw times are saved.
    for (const name of (quick ? ['lenet-5'] : ['lenet-5', 'mobilenet-mini']) as ReferenceName[]) {
      const model = referenceModel(name, { pretrained: true });
      const slim = prune(model, { sparsity: 0.5, granularity: 'channel' }).model;
      const { train, test } = mnist({ layout: REFERENCE_MODELS[name].layout });
      train.dispose();
      const cells: string[] = [];
      for (const backend of ['wasm', 'cpu']) {
        await tf.setBackend(backend);
        const runs = backend === 'cpu' ? (quick ? 1 : 3) : quick ? 3 : 20;
        const [a, b] = interleaved([model, slim], test.x, runs) as [number[], number[]];
        const speedUp = median(a) / median(b);
        figures.push(
          { name: `${name} ${backend} ms (beside structured)`, value: median(a), unit: 'ms', min: a[0], max: a.at(-1), runs, samples: a },
          { name: `${name} structured 50% ${backend} ms`, value: median(b), unit: 'ms', min: b[0], max: b.at(-1), runs, samples: b },
          { name: `${name} structured 50% ${backend} speed-up`, value: speedUp, unit: '×' },
        );
        cells.push(`${fmt(median(a))} → ${fmt(median(b))} (${fmt(speedUp, 3)}× faster${backend === 'wasm' ? '; target ≥ 1.5×' : ''})`);
      }
      rows.push([
        `${name} → structured 50 % (${model.countParams().toLocaleString('en-US')} → ${slim.countParams().toLocaleString('en-US')} params)`,
        ...cells,
        '',
        '',
      ]);
      await tf.setBackend('wasm');
      test.dispose();
      model.dispose();
      slim.dispose();
    }
    return {
      figures,
      table: { columns: ['model', 'wasm ms', 'cpu ms', 'plain tfjs wasm ms', `${TORCH} ms`], rows },
      notes: [
        'Structured rows: the original and the pruned model are timed in one run, alternating, so both sides see the same machine load; the speed-up is the ratio of their medians (raw times in the results file).',
        `References: ${cite(INFERENCE_MS)}.`,
      ],
    };
  },
};
