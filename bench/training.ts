import * as tf from '@tensorflow/tfjs';
import { fit, mnist, REFERENCE_MODELS, referenceModel, useFastWasmKernels, type ReferenceName } from '@whittle/core';
import { fmt, type Benchmark, type Figure } from './harness.js';
import { median, startTorch } from './torch.js';

const EPOCH_SAMPLES = 7996;

/**
 * Seconds per epoch, extrapolated from `batches` batches of 64 (a warm-up batch
 * is not timed). `fastKernels: false` runs wasm with tfjs's own kernels where
 * Whittle replaces them (the missing gradient kernels stay registered).
 */
async function secondsPerEpoch(name: ReferenceName, backend: string, batches: number, fastKernels = true): Promise<number> {
  await tf.setBackend(backend);
  useFastWasmKernels(fastKernels);
  const { train, test } = mnist({ layout: REFERENCE_MODELS[name].layout, limit: 64 * (batches + 1) });
  const model = referenceModel(name, { seed: 1 });
  const warm = mnist({ layout: REFERENCE_MODELS[name].layout, limit: 64 });
  // recalibrateBatchNorm: 0 — the BatchNorm re-estimate runs once after training, not per epoch
  await fit(model, warm.train, { epochs: 1, recalibrateBatchNorm: 0 });
  const r = await fit(model, train, { epochs: 1, recalibrateBatchNorm: 0 });
  for (const d of [train, test, warm.train, warm.test]) d.dispose();
  model.dispose();
  useFastWasmKernels(true);
  await tf.setBackend('wasm');
  return (r.seconds / train.size) * EPOCH_SAMPLES;
}

const range = (v: number[]) => (v.length > 1 ? `${fmt(median(v))} (${fmt(Math.min(...v))}–${fmt(Math.max(...v))})` : fmt(v[0]!));

export const training: Benchmark = {
  name: 'training',
  title: 'Training speed: seconds per epoch, Whittle (wasm) beside PyTorch in the same run',
  description:
    'One epoch = 7,996 MNIST digits, batch 64, Adam 1e-3; seconds extrapolated from the batches timed (after an untimed warm-up). Whittle runs on tfjs-backend-wasm with its gradient kernels: the ones wasm lacks (Conv2DBackpropFilter, depthwise backprop) and faster replacements for Conv2DBackpropInput, MaxPoolGrad, transposed BatchMatMul, Tile, GatherV2, Slice, per-channel Sum and Mean, FusedBatchNorm and the depthwise filter gradient. PyTorch (Debian python3-torch, CPU) runs the same models and protocol in a worker process, interleaved with Whittle’s runs (round by round); “Whittle / PyTorch” is the median of the per-round ratios. The pure-JS cpu backend is timed once on a few batches.',
  run: async ({ quick, log }) => {
    const plan: { name: ReferenceName; wasm: number; cpu: number; rounds: number; target: string; targetRatio?: number }[] = [
      { name: 'lenet-300-100', wasm: quick ? 20 : 124, cpu: quick ? 3 : 20, rounds: quick ? 1 : 3, target: '≤ 1.2×', targetRatio: 1.2 },
      { name: 'lenet-5', wasm: quick ? 20 : 124, cpu: quick ? 2 : 8, rounds: quick ? 1 : 3, target: '≤ 2× (stretch 1.2×)', targetRatio: 2 },
      // ≈ 30 s per cpu batch: too slow for the CI smoke run
      ...(quick ? [] : [{ name: 'mobilenet-mini' as ReferenceName, wasm: 40, cpu: 3, rounds: 2, target: '≤ 30 s/epoch' }]),
    ];
    const torch = await startTorch();
    const notes: string[] = [];
    if ('error' in torch) {
      notes.push(`PyTorch could not run in this session, so there is no same-run comparison: ${torch.error}`);
      log(torch.error);
    }
    const figures: Figure[] = [];
    const rows: (string | number)[][] = [];
    try {
      for (const p of plan) {
        const wasm: number[] = [];
        const pt: number[] = [];
        for (let r = 0; r < p.rounds; r++) {
          wasm.push(await secondsPerEpoch(p.name, 'wasm', p.wasm));
          if (!('error' in torch)) pt.push(((await torch.train(p.name, p.wasm)) / (64 * p.wasm)) * EPOCH_SAMPLES);
          log(
            `${p.name} round ${r + 1}: Whittle ${wasm.at(-1)!.toFixed(2)} s/epoch${pt.length ? `, PyTorch ${pt.at(-1)!.toFixed(2)} s/epoch` : ''}`,
          );
        }
        const plain = await secondsPerEpoch(p.name, 'wasm', p.wasm, false);
        const cpu = await secondsPerEpoch(p.name, 'cpu', p.cpu);
        log(`${p.name}: wasm with tfjs's own kernels ${plain.toFixed(2)} s/epoch, cpu ${cpu.toFixed(1)} s/epoch`);
        const ratio = pt.length ? median(wasm.map((w, i) => w / pt[i]!)) : undefined;
        figures.push({
          name: `${p.name} wasm s/epoch`,
          value: median(wasm),
          unit: 's',
          min: Math.min(...wasm),
          max: Math.max(...wasm),
          runs: wasm.length,
        });
        if (pt.length) {
          figures.push({
            name: `${p.name} PyTorch s/epoch (same run)`,
            value: median(pt),
            unit: 's',
            min: Math.min(...pt),
            max: Math.max(...pt),
            runs: pt.length,
          });
          figures.push({ name: `${p.name} Whittle / PyTorch`, value: ratio!, unit: '×' });
        }
        figures.push({ name: `${p.name} wasm with tfjs's own kernels s/epoch`, value: plain, unit: 's' });
        figures.push({ name: `${p.name} cpu s/epoch`, value: cpu, unit: 's' });
        const met =
          p.targetRatio !== undefined
            ? ratio !== undefined
              ? ratio <= p.targetRatio
                ? ' ✓'
                : ' ✗'
              : ''
            : median(wasm) <= 30
              ? ' ✓'
              : ' ✗';
        rows.push([
          p.name,
          range(wasm),
          pt.length ? range(pt) : '–',
          ratio !== undefined ? `${fmt(ratio)}×` : '–',
          `${p.target}${met}`,
          `${fmt(plain)} (${fmt(plain / median(wasm))}× slower)`,
          fmt(cpu),
          `${p.wasm} × ${p.rounds} / ${p.cpu}`,
        ]);
      }
    } finally {
      if (!('error' in torch)) torch.close();
    }
    if (!('error' in torch))
      notes.unshift(
        `PyTorch: ${torch.label} (Debian python3-torch, OMP_WAIT_POLICY=PASSIVE); Whittle’s wasm backend runs single-threaded (see README: wasm threads in Node).`,
      );
    notes.push(
      'The machine is shared by other sessions while this runs: absolute times move by 2× or more between runs; compare the same-run ratios.',
      'tfjs-node (`tensorflow` backend) is used first when it installs; on these machines its install fails (it downloads libtensorflow), so it is not in the table.',
    );
    return {
      figures,
      table: {
        columns: [
          'model',
          'Whittle wasm s/epoch',
          'PyTorch s/epoch (same run)',
          'Whittle / PyTorch',
          'target',
          'wasm, tfjs’s own kernels',
          'cpu s/epoch',
          'batches timed (wasm × rounds / cpu)',
        ],
        rows,
      },
      notes,
    };
  },
};
