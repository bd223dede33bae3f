import { globalMaskForBench, quantizeTensor } from './toolkit-ops.js';
import { fmt, range, timeIt, type Benchmark, type Figure } from './harness.js';

export const toolkitSpeed: Benchmark = {
  name: 'toolkit-speed',
  title: 'Toolkit operations on synthetic weights: global magnitude threshold and per-channel int8',
  description:
    'Global magnitude pruning to 90 % (|w|, quickselect of the threshold over all weights, then the mask) and symmetric per-channel int8 quantization (1,000 channels), on 1 M, 10 M and 25 M float32 parameters. Target: ≤ 1 s for 25 M on these 2 cores.',
  run: async ({ quick }) => {
    const figures: Figure[] = [];
    const rows: (string | number)[][] = [];
    for (const millions of quick ? [1] : [1, 10, 25]) {
      const n = millions * 1_000_000;
      const w = new Float32Array(n);
      let s = 1;
      for (let i = 0; i < n; i++) {
        s = (s * 16807) % 2147483647;
        w[i] = (s / 2147483647 - 0.5) * 0.2;
      }
      const runs = quick ? 1 : 3;
      const p = await timeIt(() => globalMaskForBench(w, 0.9), runs, 0);
      const q = await timeIt(() => quantizeTensor(w, [n / 1000, 1000], { bits: 8, axis: 1 }), runs, 0);
      figures.push({ name: `${millions}M global prune ms`, value: p.median, unit: 'ms', min: p.min, max: p.max, runs });
      figures.push({ name: `${millions}M int8 per-channel ms`, value: q.median, unit: 'ms', min: q.min, max: q.max, runs });
      rows.push([`${millions} M`, range(p), fmt((p.median * 1e6) / n), range(q), fmt((q.median * 1e6) / n)]);
    }
    return { figures, table: { columns: ['parameters', 'global prune ms', 'ns / param', 'int8 per-channel ms', 'ns / param'], rows } };
  },
};
