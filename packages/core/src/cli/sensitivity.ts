import type { Command } from 'commander';
import { initBackend } from '../backend/index.js';
import { sensitivity } from '../analysis/sensitivity.js';
import { DATA_HELP, requireData, resolveModel } from './resolve.js';
import { needLayers } from '../io/graph.js';
import { addCommandFlags, sensitivityOptions, type Flags } from './flags.js';
import { printReport } from './print.js';

export function registerSensitivity(program: Command): void {
  const cmd = program
    .command('sensitivity')
    .description('metric of each layer compressed alone, at each level (test split)')
    .argument('<model>', 'model.json, its folder, or a reference model name');
  addCommandFlags(cmd, 'sensitivity')
    .option('--data <path>', DATA_HELP)
    .option('--json', 'print the report object')
    .action(async (spec: string, flags: Flags & { data?: string; json?: boolean }) => {
      await initBackend();
      const model = await resolveModel(spec);
      needLayers('sensitivity', model, 'layer sensitivity');
      const data = requireData(model, flags.data, 'sensitivity');
      try {
        const report = await sensitivity(model, data.test, {
          ...sensitivityOptions(flags),
          onProgress: (p) => process.stderr.isTTY && process.stderr.write(`\r${p.done}/${p.total} ${p.layer} @ ${p.level}   `),
        });
        if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
        printReport(report, flags.json);
      } finally {
        data.dispose();
      }
    });
}
