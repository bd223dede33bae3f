import * as tf from '@tensorflow/tfjs';
import { fit, mnist, REFERENCE_MODELS, referenceModel, type ReferenceName } from '@whittle/core';
import { fmt, type Benchmark, type Figure } from './harness.js';
import { SECONDS_PER_EPOCH, TORCH } from './references.js';

const EPOCH_SAMPLES = 7996;

/** Seconds per epoch, extrapolated from `batches` batches of 64 (the first batch is a warm-up and is not timed). */
async function secondsPerEpoch(name: ReferenceName, backend: string, batches: number): Promise<number> {
  await tf.setBackend(backend);
  const { train, test } = mnist({ layout: REFERENCE_MODELS[name].layout, limit: 64 * (batches + 1) });
  const model = referenceModel(name, { seed: 1 });
  const warm = mnist({ layout: REFERENCE_MODELS[name].layout, limit: 64 });
  await fit(model, warm.train, { epochs: 1 });
  const r = await fit(model, train, { epochs: 1 });
  for (const d of [train, test, warm.train, warm.test]) d.dispose();
  model.dispose();
  return (r.seconds / train.size) * EPOCH_SAMPLES;
}

export const training: Benchmark = {
  name: 'training',
  title: 'Training speed: seconds per epoch, cpu vs wasm (with Whittle’s gradient kernels)',
  description:
    'One epoch = 7,996 MNIST digits, batch 64, Adam. wasm runs LeNet-5 and mobilenet-mini only because Whittle registers the Conv2DBackpropFilter and depthwise backprop kernels tfjs-backend-wasm lacks. The pure-JS cpu backend is timed on a few batches and extrapolated (a full LeNet-5 epoch takes ≈ 10 minutes there).',
  run: async ({ quick, log }) => {
    const plan: { name: ReferenceName; wasm: number; cpu: number }[] = [
      { name: 'lenet-300-100', wasm: quick ? 20 : 124, cpu: quick ? 3 : 20 },
      { name: 'lenet-5', wasm: quick ? 20 : 124, cpu: quick ? 2 : 8 },
      ...(quick ? [] : [{ name: 'mobilenet-mini' as ReferenceName, wasm: 40, cpu: 3 }]), // ≈ 30 s per cpu batch: too slow for the CI smoke run
    ];
    const figures: Figure[] = [];
    const rows: (string | number)[][] = [];
    for (const p of plan) {
      const wasm = await secondsPerEpoch(p.name, 'wasm', p.wasm);
      const cpu = await secondsPerEpoch(p.name, 'cpu', p.cpu);
      await tf.setBackend('wasm');
      const ref = (SECONDS_PER_EPOCH.values as Record<string, { torch: number; tfjsWasm: number; tfjsCpu: number }>)[p.name];
      log(`${p.name}: wasm ${wasm.toFixed(2)} s/epoch, cpu ${cpu.toFixed(1)} s/epoch`);
      figures.push({
        name: `${p.name} wasm s/epoch`,
        value: wasm,
        unit: 's',
        reference: ref?.torch,
        referenceSource: ref ? TORCH : undefined,
      });
      figures.push({ name: `${p.name} cpu s/epoch`, value: cpu, unit: 's' });
      rows.push([
        p.name,
        fmt(cpu),
        fmt(wasm),
        `${fmt(cpu / wasm, 3)}×`,
        ref ? fmt(ref.tfjsWasm) : '–',
        ref ? fmt(ref.torch) : '–',
        `${p.wasm} / ${p.cpu}`,
      ]);
    }
    return {
      figures,
      table: {
        columns: [
          'model',
          'cpu s/epoch',
          'wasm s/epoch',
          'wasm speed-up',
          'plain tfjs wasm s/epoch',
          'PyTorch s/epoch',
          'batches timed (wasm / cpu)',
        ],
        rows,
      },
      notes: [
        'tfjs-node (`tensorflow` backend) is used first when it installs; on these machines its install fails (it downloads libtensorflow), so it is not in the table.',
      ],
    };
  },
};
