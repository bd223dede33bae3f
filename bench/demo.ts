import { runDemo } from '@whittle/core/cli';
import { pct, type Benchmark, type Figure } from './harness.js';

/** `npm run demo`'s pipeline, saved as results so the README's demo table comes from a file. */
export const demoBench: Benchmark = {
  name: 'demo',
  title: 'The demo pipeline (npm run demo): LeNet-5 pruned, fine-tuned and exported as uint8',
  description:
    'The stages of `npm run demo` on the pretrained LeNet-5: each stage saved with saveModel and measured from the files it wrote; accuracy on the 2,004-digit test split.',
  run: async ({ log }) => {
    const rows = await runDemo('lenet-5', () => {});
    const base = rows[0]!;
    const figures: Figure[] = rows.flatMap((r) => [
      { name: `${r.stage} accuracy`, value: r.accuracy, unit: 'fraction' },
      { name: `${r.stage} nonzeros`, value: r.nonzeros, unit: 'count' },
      { name: `${r.stage} bytes`, value: r.bytes, unit: 'bytes' },
      { name: `${r.stage} gzip bytes`, value: r.gzipBytes, unit: 'bytes' },
    ]);
    log(rows.map((r) => `${r.stage}: ${pct(r.accuracy)}`).join('; '));
    return {
      figures,
      table: {
        columns: ['stage', 'accuracy', 'nonzeros', 'bytes', 'gzip bytes', 'vs baseline (gzip)'],
        rows: rows.map((r) => [
          r.stage,
          pct(r.accuracy),
          r.nonzeros.toLocaleString('en-US'),
          r.bytes.toLocaleString('en-US'),
          r.gzipBytes.toLocaleString('en-US'),
          `${(base.gzipBytes / r.gzipBytes).toFixed(2)}×`,
        ]),
      },
    };
  },
};
