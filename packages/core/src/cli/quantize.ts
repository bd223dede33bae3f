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
import { EXPORT_QUANTIZATIONS, type ExportQuantization } from '../quantize/export.js';
import { addFlags, quantizeOptions, QUANTIZE_FLAGS, type Flags } from './flags.js';
import { DATA_HELP, dataFor, requireData, resolveModel } from './resolve.js';
import { printReport } from './print.js';
import { progressBar } from './progress.js';

interface QuantizeFlags extends Flags {
  bits: number | 'ternary' | 'float16';
  perChannel: boolean;
  qatEpochs: number;
  format?: string;
  vectors?: boolean;
  data?: string;
  out?: string;
  json?: boolean;
}

const FORMATS: string[] = [...EXPORT_QUANTIZATIONS, 'packed'];

export function registerQuantize(program: Command): void {
  const cmd = program
    .command('quantize')
    .description('quantize weights (and activations), optionally with QAT; save in a format stock tfjs loads')
    .argument('<model>', 'model.json, its folder, or a reference model name');
  addFlags(cmd, QUANTIZE_FLAGS)
    .option('--qat-epochs <n>', 'quantization-aware training epochs (weights, 2…8 bits; needs data)', (v) => Number(v), 0)
    .option('--format <f>', `save weights as ${FORMATS.join(' | ')} (stock tfjs decodes all but packed: per-channel --bits 2…8)`)
    .option('--vectors', 'uint8/uint16/float16: also encode 1-D weights (biases, BatchNorm); default float32')
    .option('--data <path>', DATA_HELP)
    .option('--out <dir>', 'save the quantized model here')
    .option('--json', 'print the report object')
    .action(async (spec: string, flags: QuantizeFlags) => {
      const bits = flags.bits;
      if (flags.format && !FORMATS.includes(flags.format))
        fail('whittle', `--format must be one of ${FORMATS.join(', ')}, got '${flags.format}'`);
      await initBackend();
      const model = await resolveModel(spec);
      const needsData = flags.qatEpochs > 0 ? '--qat-epochs' : flags.activations ? '--activations' : undefined;
      const data = needsData ? requireData(model, flags.data, `quantize ${needsData}`, { split: true }) : dataFor(model, flags.data);
      const notes: string[] = data?.note ? [data.note] : [];
      try {
        let result;
        if (flags.qatEpochs > 0) {
          needLayers('quantize', model, 'quantization-aware training (--qat-epochs)');
          if (typeof bits !== 'number') fail('whittle', '--qat-epochs needs numeric --bits (2…8)');
          const bar = progressBar('QAT');
          result = await quantizeAwareTrain(model, data!.train, {
            bits,
            epochs: flags.qatEpochs,
            perChannel: flags.perChannel,
            onProgress: bar.update,
          });
          bar.stop();
        } else {
          // the calibration data is the train data (the library shuffles a seeded subset of it)
          const options = quantizeOptions(flags, data?.train);
          result = isGraphModel(model) ? await quantize(model, options) : await quantize(model, options);
        }
        if (data)
          result.report.accuracy = { before: evaluate(model, data.test).accuracy, after: evaluate(result.model, data.test).accuracy };
        else notes.push(`accuracy not measured: no data for input [${(model.inputs[0]!.shape ?? []).slice(1).join('×')}] (--data PATH)`);
        if (flags.out) {
          const scratch = mkdtempSync(join(tmpdir(), 'whittle-fp32-'));
          const before = await saveModel(model, join(scratch, 'm')); // the fp32 baseline, to report honest ratios
          rmSync(scratch, { recursive: true, force: true });
          const after = await saveModel(result.model, flags.out, {
            quantization: flags.format as ExportQuantization | 'packed' | undefined,
            // packed stores per-channel symmetric integers at this width: lossless after per-channel quantization, a second rounding otherwise
            bits: flags.format === 'packed' && typeof bits === 'number' ? Math.min(8, Math.max(2, bits)) : undefined,
            vectors: flags.vectors,
          });
          if (after.float16)
            notes.push(
              `stored as float16 in the ${flags.format} export, since one per-tensor grid would lose over 10 % of a channel's range: ${after.float16.join(', ')}`,
            );
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
