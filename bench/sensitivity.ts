import { mnist, sensitivity, lenet5 } from '@whittle/core';
import { fmt, range, timeIt, type Benchmark } from './harness.js';

export const sensitivityBench: Benchmark = {
  name: 'sensitivity',
  title: 'Layer sensitivity sweep: LeNet-5, every prunable layer × 10 levels, 500-sample subset',
  description:
    'Wall time of `sensitivity(lenet5, test, { technique, levels: 10, samples: 500 })` — one model copy, kernels replaced in place. Target: ≤ 30 s on these 2 cores so the sweep is interactive.',
  run: async ({ quick }) => {
    const model = lenet5({ pretrained: true });
    const { train, test } = mnist({ layout: 'image' });
    train.dispose();
    const rows: (string | number)[][] = [];
    const figures = [];
    for (const [technique, levels] of [
      ['prune', [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]],
      ['quantize', [16, 8, 7, 6, 5, 4, 3, 2, 1, 12]],
    ] as const) {
      const t = await timeIt(() => sensitivity(model, test, { technique, levels: [...levels], samples: 500 }), quick ? 1 : 3, 0);
      figures.push({
        name: `${technique} sweep seconds`,
        value: t.median / 1000,
        unit: 's',
        min: t.min / 1000,
        max: t.max / 1000,
        runs: t.runs,
      });
      rows.push([
        technique,
        5 * levels.length,
        range({ median: t.median / 1000, min: t.min / 1000, max: t.max / 1000 }),
        fmt(t.median / (5 * levels.length)),
        '≤ 30 s',
      ]);
    }
    test.dispose();
    return { figures, table: { columns: ['technique', 'points', 'seconds', 'ms per point', 'target'], rows } };
  },
};
