import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { installTestKernel } from '../test/kernel/kernelspec.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, type Benchmark } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, min: s[0]!, max: s.at(-1)! };
};
const ms = (t: { median: number; min: number; max: number }) => `${fmt(t.median * 1000)} (${fmt(t.min * 1000)}–${fmt(t.max * 1000)})`;

export const kernelBench: Benchmark = {
  name: 'kernel',
  title: 'The Whittle kernel through a real Jupyter client',
  description:
    'jupyter_client (Debian) starts the kernel and sends cells: start to ready (kernel_info answered), a `%prune lenet5 --sparsity 0.8` round trip with its report displayed, and the round trip of the same plain TypeScript cell in Whittle’s kernel and in plain tslab 1.0.22 (the magic layer’s overhead).',
  run: async ({ quick }) => {
    const { prefix, env, remove } = installTestKernel('whittle-bench');
    try {
      const plain = join(prefix, 'share/jupyter/kernels/tslab-plain');
      mkdirSync(plain, { recursive: true });
      writeFileSync(
        join(plain, 'kernel.json'),
        JSON.stringify({
          argv: [process.execPath, join(root, 'node_modules/tslab/bin/tslab'), 'kernel', '--config-path', '{connection_file}'],
          display_name: 'tslab',
          language: 'typescript',
        }),
      );
      const out = execFileSync('/usr/bin/python3', [join(here, 'kernel_timing.py'), quick ? '1' : '3', quick ? '3' : '15'], {
        cwd: root,
        env,
        encoding: 'utf8',
      });
      const r = JSON.parse(out.trim().split('\n').at(-1)!) as Record<'start' | 'prune' | 'plain_whittle' | 'plain_tslab', number[]>;
      const start = stats(r.start);
      const prune = stats(r.prune);
      const ours = stats(r.plain_whittle);
      const tslab = stats(r.plain_tslab);
      return {
        figures: [
          { name: 'start to ready s', value: start.median, unit: 's', min: start.min, max: start.max, runs: r.start.length },
          {
            name: '%prune round trip ms',
            value: prune.median * 1000,
            unit: 'ms',
            min: prune.min * 1000,
            max: prune.max * 1000,
            runs: r.prune.length,
          },
          {
            name: 'plain cell ms (Whittle)',
            value: ours.median * 1000,
            unit: 'ms',
            reference: tslab.median * 1000,
            referenceSource: 'plain tslab 1.0.22',
          },
        ],
        table: {
          columns: ['measure', 'Whittle kernel', 'plain tslab', 'target'],
          rows: [
            ['start to ready, ms', ms(start), '–', '< 3,000'],
            ['%prune lenet5 --sparsity 0.8 round trip, ms', ms(prune), '–', '< 1,000'],
            ['plain cell round trip, ms', ms(ours), ms(tslab), `overhead < 5 (measured ${fmt((ours.median - tslab.median) * 1000)})`],
          ],
        },
      };
    } finally {
      remove();
    }
  },
};
