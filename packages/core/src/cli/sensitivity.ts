import type { Command } from 'commander';
import { initBackend } from '../backend/index.js';
import { fail } from '../errors.js';
import { sensitivity } from '../analysis/sensitivity.js';
import { DATA_HELP, requireData, resolveModel } from './resolve.js';
import { parseLevels } from './levels.js';
import { printReport } from './print.js';
import type { Technique } from '../analysis/perturb.js';

export function registerSensitivity(program: Command): void {
  program
    .command('sensitivity')
    .description('metric of each layer compressed alone, at each level (test split)')
    .argument('<model>', 'model.json, its folder, or a reference model name')
    .option('--technique <t>', 'prune | quantize', 'prune')
    .option('--levels <levels>', 'sparsities or bit widths: list 0.5,0.9 or range 0.1:0.9:0.1')
    .option('--samples <n>', 'evaluate on a seeded random subset of n test samples', (v) => Number(v))
    .option('--data <path>', DATA_HELP)
    .option('--layers <names>', 'comma-separated layers, or kernel weights of a graph model (default: every kernel)')
    .option('--json', 'print the report object')
    .action(
      async (
        spec: string,
        opts: { technique: string; levels?: string; samples?: number; layers?: string; data?: string; json?: boolean },
      ) => {
        if (opts.technique !== 'prune' && opts.technique !== 'quantize')
          fail('whittle', `--technique must be prune or quantize, got '${opts.technique}'`);
        await initBackend();
        const model = await resolveModel(spec);
        const data = requireData(model, opts.data, 'sensitivity');
        try {
          const report = await sensitivity(model, data.test, {
            technique: opts.technique as Technique,
            levels: opts.levels ? parseLevels(opts.levels) : undefined,
            samples: opts.samples,
            layers: opts.layers?.split(',').map((s) => s.trim()),
            onProgress: (p) => process.stderr.isTTY && process.stderr.write(`\r${p.done}/${p.total} ${p.layer} @ ${p.level}   `),
          });
          if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
          printReport(report, opts.json);
        } finally {
          data.dispose();
        }
      },
    );
}
