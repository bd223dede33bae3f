import type { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../backend/index.js';
import { fail } from '../errors.js';
import { evaluate } from '../analysis/evaluate.js';
import { gather } from '../data/dataset.js';
import { permutation } from '../data/random.js';
import { exportAgreement } from '../io/agreement.js';
import { isGraphModel, needLayers } from '../io/graph.js';
import { saveModel } from '../io/save.js';
import { quantize } from '../quantize/ptq.js';
import { quantizeAwareTrain } from '../quantize/qat.js';
import { quantizeOptions, quantizeSaveOptions, type Flags } from './flags.js';
import { modelCommand } from './command.js';
import { dataFor, requireData, resolveModel } from './resolve.js';
import { printReport } from './print.js';
import { progressBar } from './progress.js';

interface QuantizeFlags extends Flags {
  bits: number | 'ternary' | 'float16';
  perChannel: boolean;
  epochs?: number;
  format?: string;
  vectors?: boolean;
  data?: string;
  out?: string;
  json?: boolean;
}

export function registerQuantize(program: Command): void {
  modelCommand(program, 'quantize', 'quantize weights (and activations), optionally with QAT; save in a format stock tfjs loads', {
    data: true,
    out: 'save the quantized model here',
  }).action(async (spec: string, flags: QuantizeFlags) => {
    const bits = flags.bits;
    await initBackend();
    const model = await resolveModel(spec);
    const qatEpochs = flags.epochs ?? 0;
    const needsData = qatEpochs > 0 ? '--epochs' : flags.activations ? '--activations' : undefined;
    const data = needsData ? requireData(model, flags.data, `quantize ${needsData}`) : dataFor(model, flags.data);
    const notes: string[] = [];
    try {
      let result;
      if (qatEpochs > 0) {
        needLayers('quantize', model, 'quantization-aware training (--epochs)');
        if (typeof bits !== 'number') fail('whittle', '--epochs (quantization-aware training) needs numeric --bits (2…8)');
        const bar = progressBar('QAT');
        result = await quantizeAwareTrain(model, data!.train, {
          bits,
          epochs: qatEpochs,
          perChannel: flags.perChannel,
          onProgress: bar.update,
        });
        bar.stop();
      } else {
        // the calibration data is the train data (the library shuffles a seeded subset of it)
        const options = quantizeOptions(flags, data?.train);
        result = isGraphModel(model) ? await quantize(model, options) : await quantize(model, options);
      }
      if (data) result.report.accuracy = { before: evaluate(model, data.test).accuracy, after: evaluate(result.model, data.test).accuracy };
      else notes.push(`accuracy not measured: no data for input [${(model.inputs[0]!.shape ?? []).slice(1).join('×')}] (--data PATH)`);
      if (flags.out) {
        const scratch = mkdtempSync(join(tmpdir(), 'whittle-fp32-'));
        const before = await saveModel(model, join(scratch, 'm')); // the fp32 baseline, to report honest ratios
        rmSync(scratch, { recursive: true, force: true });
        const after = await saveModel(result.model, flags.out, quantizeSaveOptions(flags));
        result.report.bytes = { before: before.bytes, after: after.bytes, gzipBefore: before.gzipBytes, gzipAfter: after.gzipBytes };
        if (data) {
          // what the saved files compute, against the float model (folding/equalization included)
          const sample = gather(data.test, permutation(data.test.size, 0).subarray(0, 500)); // seeded: every class, not the first digits
          const a = await exportAgreement(model, after.dir, sample.x);
          sample.dispose();
          result.report.exported = { format: flags.format ?? 'float32', ...a };
        } else notes.push('export agreement with the float model not measured: no data (--data PATH)');
      }
      if (notes.length) result.report.notes = [...(result.report.notes ?? []), ...notes];
      printReport(result.report, flags.json);
      if (flags.out && !flags.json) console.log(`saved to ${flags.out}`);
    } finally {
      data?.dispose();
    }
  });
}
