import * as tf from '@tensorflow/tfjs';
import { latency, mnist, prune, REFERENCE_MODELS, referenceModel, type ReferenceName } from '@whittle/core';
import { fmt, type Benchmark, type Figure } from './harness.js';
import { REF, TORCH } from './references.js';

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
      const ref = (REF.inferenceMs as Record<string, { torch: number; tfjsWasm: number; tfjsCpu: number }>)[name];
      rows.push([name, ...cells, ref ? fmt(ref.tfjsWasm) : '–', ref ? fmt(ref.torch) : '–']);
      test.dispose();
      model.dispose();
    }
    for (const name of (quick ? ['lenet-5'] : ['lenet-5', 'mobilenet-mini']) as ReferenceName[]) {
      const model = referenceModel(name, { pretrained: true });
      const slim = prune(model, { sparsity: 0.5, granularity: 'channel' }).model;
      const { train, test } = mnist({ layout: REFERENCE_MODELS[name].layout });
      train.dispose();
      const cells: string[] = [];
      for (const backend of ['wasm', 'cpu']) {
        await tf.setBackend(backend);
        const runs = backend === 'cpu' ? (quick ? 1 : 3) : quick ? 3 : 10;
        const a = latency(model, test.x, { runs, warmup: 1 });
        const b = latency(slim, test.x, { runs, warmup: 1 });
        figures.push({ name: `${name} structured 50% ${backend} speed-up`, value: a.medianMs / b.medianMs, unit: '×' });
        cells.push(
          `${fmt(a.medianMs)} → ${fmt(b.medianMs)} (${fmt(a.medianMs / b.medianMs, 3)}× faster${backend === 'wasm' ? '; target ≥ 1.5×' : ''})`,
        );
      }
      rows.push([
        `${name} → structured 50 % (${model.countParams().toLocaleString('en-US')} → ${slim.countParams().toLocaleString('en-US')} params)`,
        ...cells,
        '',
        '',
      ]);
      await tf.setBackend('wasm');
      test.dispose();
    }
    return { figures, table: { columns: ['model', 'wasm ms', 'cpu ms', 'plain tfjs wasm ms', `${TORCH} ms`], rows } };
  },
};
