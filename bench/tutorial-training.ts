/**
 * `npx tsx bench/tutorial-training.ts`: times the tutorials' fine-tuning cells
 * (notebooks 02, 03 and 05) with tfjs's own wasm kernels and with Whittle's
 * replacements (`useFastWasmKernels`), alternating per cell so both see the
 * same machine load. Prints seconds, ratios and the load average. Not part of
 * `npm run bench` (it needs ≈ 5 minutes on a quiet 2-core machine).
 */
import { loadavg } from 'node:os';
import * as w from '@whittle/core';

await w.initBackend('wasm');
const image = w.mnist({ layout: 'image' });
const flat = w.mnist({ layout: 'flat' });
const sub = w.mnist({ layout: 'image', limit: 2000 });
const lenet5 = w.lenet5({ pretrained: true });
const lenet300 = w.lenet300100({ pretrained: true });
const slim = w.prune(lenet5, { sparsity: 0.5, granularity: 'channel', method: 'l2' }).model;
const mobileSlim = w.prune(w.mobilenetMini({ pretrained: true }), { sparsity: 0.25, granularity: 'filter', method: 'bn-scale' }).model;
const schedule = () => w.polynomialDecay({ initialSparsity: 0.5, finalSparsity: 0.9, beginStep: 0, endStep: 200, frequency: 25 });

const cells: [string, () => Promise<{ model: { dispose(): void } }>][] = [
  ['02 fineTune structured LeNet-5, 2 epochs', () => w.fineTune(slim, image.train, { epochs: 2 })],
  ['02 fineTune mobilenet-mini −25 %, 1 epoch of 1,600', () => w.fineTune(mobileSlim, sub.train, { epochs: 1 })],
  ['03 gradualPrune LeNet-300-100, 2 epochs', () => w.gradualPrune(lenet300, flat.train, schedule(), { epochs: 2, scope: 'global' })],
  [
    '05 quantizeAwareTrain LeNet-5 2-bit, 2 epochs',
    () => w.quantizeAwareTrain(lenet5, image.train, { bits: 2, perChannel: true, epochs: 2 }),
  ],
];
const rounds = Number(process.argv[2] ?? 1);
console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
for (const [name, run] of cells) {
  const seconds: Record<string, number[]> = { tfjs: [], whittle: [] };
  for (let r = 0; r < rounds; r++) {
    for (const fast of [false, true]) {
      w.useFastWasmKernels(fast);
      const t0 = performance.now();
      const { model } = await run();
      seconds[fast ? 'whittle' : 'tfjs']!.push((performance.now() - t0) / 1000);
      model.dispose();
    }
  }
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  console.log(
    `${name}: tfjs's kernels ${seconds.tfjs!.map((s) => s.toFixed(1)).join('/')} s, Whittle's ${seconds.whittle!.map((s) => s.toFixed(1)).join('/')} s, ` +
      `${(sum(seconds.tfjs!) / sum(seconds.whittle!)).toFixed(2)}× faster (load ${loadavg()[0]!.toFixed(1)})`,
  );
}
w.useFastWasmKernels(true);
