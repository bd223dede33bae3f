import type { Command } from 'commander';
import { initBackend } from '../backend/index.js';
import { sensitivity } from '../analysis/sensitivity.js';
import { requireData, resolveModel } from './resolve.js';
import { needLayers } from '../io/graph.js';
import { sensitivityOptions, type Flags } from './flags.js';
import { modelCommand } from './command.js';
import { printReport } from './print.js';

export function registerSensitivity(program: Command): void {
  modelCommand(program, 'sensitivity', 'metric of each layer compressed alone, at each level (test split)', { data: true }).action(
    async (spec: string, flags: Flags & { data?: string; json?: boolean }) => {
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
    },
  );
}
