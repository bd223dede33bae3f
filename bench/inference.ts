import * as tf from '@tensorflow/tfjs';
import { latency, mnist, prune, REFERENCE_MODELS, referenceModel, type ReferenceName } from '@whittle/core';
import { benchTable, fmt, type Benchmark, type Figure } from './harness.js';
import { cite, INFERENCE_MS } from './references.js';
import { median, startTorch, type Torch } from './torch.js';

/** LeNet-300-100's first-layer product alone, wasm vs PyTorch, round by round: the floor of that model's ratio. */
async function matmulFloor(torch: Torch, rounds: number, runs: number, figures: Figure[]): Promise<string[]> {
  const [m, k, n] = [2004, 784, 300];
  const [a, b] = [tf.randomUniform([m, k]), tf.randomUniform([k, n])];
  const once = () => {
    const t0 = performance.now();
    const p = tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
    p.dataSync();
    p.dispose();
    return performance.now() - t0;
  };
  once();
  const wasm: number[][] = [];
  const pt: number[][] = [];
  for (let r = 0; r < rounds; r++) {
    wasm.push(Array.from({ length: runs }, once));
    pt.push(await torch.matmul(m, k, n, runs));
  }
  tf.dispose([a, b]);
  const all = (v: number[][]) => v.flat();
  const ratio = median(wasm.map((w, i) => median(w) / median(pt[i]!)));
  const cell = (v: number[]) => `${fmt(median(v))} (${fmt(Math.min(...v))}–${fmt(Math.max(...v))})`;
  const w = all(wasm);
  const p = all(pt);
  figures.push(
    { name: 'matmul 2004x784x300 wasm ms', value: median(w), unit: 'ms', min: Math.min(...w), max: Math.max(...w), runs: w.length },
    {
      name: 'matmul 2004x784x300 PyTorch ms (same run)',
      value: median(p),
      unit: 'ms',
      min: Math.min(...p),
      max: Math.max(...p),
      runs: p.length,
    },
    { name: 'matmul 2004x784x300 wasm / PyTorch', value: ratio, unit: '×' },
  );
  return [`matrix product 2,004×784 · 784×300 (LeNet-300-100’s first layer alone)`, cell(w), '–', '–', cell(p), `${fmt(ratio)}× (floor)`];
}

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
    'model.predict on the whole test split in one batch plus reading the result back, wasm vs cpu, beside PyTorch run in the same session (a worker process, interleaved with Whittle’s runs round by round; “wasm / PyTorch” is the median of the per-round ratios of medians) and plain tfjs measured earlier on the same machines.',
  run: async ({ quick, log }) => {
    const { figures, rows, notes, result } = benchTable([
      'model',
      'wasm ms',
      'cpu ms',
      'plain tfjs wasm ms (reference, earlier run)',
      'PyTorch ms (same run)',
      'wasm / PyTorch',
    ]);
    const torch = await startTorch();
    if ('error' in torch) {
      notes.push(`PyTorch could not run in this session, so there is no same-run comparison: ${torch.error}`);
      log(torch.error);
    } else notes.push(`PyTorch: ${torch.label} (Debian python3-torch, OMP_WAIT_POLICY=PASSIVE), \`torch.no_grad()\`, one batch of 2,004.`);
    const names: ReferenceName[] = quick ? ['lenet-300-100', 'lenet-5'] : ['lenet-300-100', 'lenet-5', 'mobilenet-mini'];
    const runs = quick ? 3 : 10;
    for (const name of names) {
      const model = referenceModel(name, { pretrained: true });
      const { train, test } = mnist({ layout: REFERENCE_MODELS[name].layout });
      train.dispose();
      await tf.setBackend('wasm');
      const wasm: number[][] = [];
      const pt: number[][] = [];
      for (let r = 0; r < (quick ? 1 : 3); r++) {
        const t = latency(model, test.x, { runs, warmup: 1 });
        wasm.push([t.medianMs, t.minMs, t.maxMs]);
        if (!('error' in torch)) {
          const ms = await torch.infer(name, runs);
          pt.push([median(ms), Math.min(...ms), Math.max(...ms)]);
        }
        log(`${name} round ${r + 1}: wasm ${t.medianMs.toFixed(1)} ms${pt.length ? `, PyTorch ${pt.at(-1)![0]!.toFixed(1)} ms` : ''}`);
      }
      // the pure-JS cpu backend needs minutes per mobilenet-mini prediction of 2,004 digits here: skipped
      await tf.setBackend('cpu');
      const cpu = name === 'mobilenet-mini' ? undefined : latency(model, test.x, { runs: quick ? 1 : 3, warmup: 1 });
      await tf.setBackend('wasm');
      const summary = (v: number[][]) => ({
        value: median(v.map((x) => x[0]!)),
        min: Math.min(...v.map((x) => x[1]!)),
        max: Math.max(...v.map((x) => x[2]!)),
      });
      const w = summary(wasm);
      figures.push({ name: `${name} wasm ms`, unit: 'ms', runs: runs * wasm.length, ...w });
      if (cpu) figures.push({ name: `${name} cpu ms`, value: cpu.medianMs, unit: 'ms', min: cpu.minMs, max: cpu.maxMs, runs: cpu.runs });
      const cell = (t: { value: number; min: number; max: number }) => `${fmt(t.value)} (${fmt(t.min)}–${fmt(t.max)})`;
      let ratio: number | undefined;
      if (pt.length) {
        const p = summary(pt);
        ratio = median(wasm.map((x, i) => x[0]! / pt[i]![0]!));
        figures.push({ name: `${name} PyTorch ms (same run)`, unit: 'ms', runs: runs * pt.length, ...p });
        figures.push({ name: `${name} wasm / PyTorch`, value: ratio, unit: '×' });
      }
      const ref = (INFERENCE_MS.values as Record<string, { torch: number; tfjsWasm: number; tfjsCpu: number }>)[name];
      const target =
        name === 'mobilenet-mini' ? '' : ratio === undefined ? ' (target ≤ 1×)' : ratio <= 1 ? ' ✓ (target ≤ 1×)' : ' ✗ (target ≤ 1×)';
      rows.push([
        name,
        cell(w),
        cpu ? cell({ value: cpu.medianMs, min: cpu.minMs, max: cpu.maxMs }) : '– (skipped)',
        ref ? fmt(ref.tfjsWasm) : '–',
        pt.length ? cell(summary(pt)) : '–',
        ratio !== undefined ? `${fmt(ratio)}×${target}` : '–',
      ]);
      test.dispose();
      model.dispose();
    }
    if (!('error' in torch)) {
      rows.push(await matmulFloor(torch, quick ? 1 : 3, runs, figures));
      notes.push(
        'The matrix-product row times LeNet-300-100’s first layer alone (one float32 2,004×784 · 784×300 product): XNNPACK in wasm runs 128-bit SIMD on one thread, PyTorch its native AVX2 kernels, so this ratio is the floor for the LeNet-300-100 inference (and training) ratio — the whole model cannot come closer to PyTorch than its largest product does.',
      );
      torch.close();
    }
    for (const name of (quick ? ['lenet-5'] : ['lenet-5', 'mobilenet-mini']) as ReferenceName[]) {
      const model = referenceModel(name, { pretrained: true });
      const slim = prune(model, { sparsity: 0.5, granularity: 'channel' }).model;
      const { train, test } = mnist({ layout: REFERENCE_MODELS[name].layout });
      train.dispose();
      const cells: string[] = [];
      for (const backend of name === 'mobilenet-mini' ? ['wasm'] : ['wasm', 'cpu']) {
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
      if (cells.length === 1) cells.push('– (skipped)');
      rows.push([
        `${name} → structured 50 % (${model.countParams().toLocaleString('en-US')} → ${slim.countParams().toLocaleString('en-US')} params)`,
        ...cells,
        '',
        '',
        '',
      ]);
      await tf.setBackend('wasm');
      test.dispose();
      model.dispose();
      slim.dispose();
    }
    notes.push(
      'Structured rows: the original and the pruned model are timed in one run, alternating, so both sides see the same machine load; the speed-up is the ratio of their medians (raw times in the results file).',
      `References: ${cite(INFERENCE_MS)}.`,
    );
    notes.push(
      'The machine is shared by other sessions while this runs: absolute times move by 2× or more between runs; compare the same-run ratios.',
    );
    return result();
  },
};
