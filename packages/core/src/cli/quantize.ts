import type { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../backend/index.js';
import { fail } from '../errors.js';
import { evaluate } from '../analysis/evaluate.js';
import { saveModel } from '../io/save.js';
import { quantize, type QuantizeModelOptions } from '../quantize/ptq.js';
import { quantizeAwareTrain } from '../quantize/qat.js';
import { EXPORT_QUANTIZATIONS, type ExportQuantization } from '../quantize/export.js';
import { OBSERVERS, type ObserverName } from '../quantize/observers.js';
import { DATA_HELP, dataFor, requireData, resolveModel } from './resolve.js';
import { exportAgreement } from '../io/agreement.js';
import { isGraphModel, needLayers } from '../io/graph.js';
import { gather } from '../data/dataset.js';
import { permutation } from '../data/random.js';
import { printReport } from './print.js';
import { progressBar } from './progress.js';

interface QuantizeFlags {
  bits: string;
  perChannel?: boolean;
  asymmetric?: boolean;
  pow2?: boolean;
  activations?: number;
  observer: string;
  calibrate: number;
  qatEpochs: number;
  equalize?: boolean;
  format?: string;
  vectors?: boolean;
  data?: string;
  out?: string;
  json?: boolean;
}

const number = (v: string) => Number(v);

const FORMATS: string[] = [...EXPORT_QUANTIZATIONS, 'packed'];

export function registerQuantize(program: Command): void {
  program
    .command('quantize')
    .description('quantize weights (and activations), optionally with QAT; save in a format stock tfjs loads')
    .argument('<model>', 'model.json, its folder, or a reference model name')
    .option('--bits <b>', 'weight bits: 1…16, ternary or float16', '8')
    .option('--per-channel', 'one scale per output channel (default: per tensor)')
    .option('--asymmetric', 'asymmetric (zero point) instead of symmetric')
    .option('--pow2', 'power-of-two scales')
    .option('--activations <bits>', 'also fake-quantize activations (needs data to calibrate)', number)
    .option('--observer <name>', `activation range observer: ${OBSERVERS.join(', ')}`, 'minmax')
    .option('--calibrate <n>', 'calibration samples from the (shuffled) train data', number, 500)
    .option('--qat-epochs <n>', 'quantization-aware training epochs (weights, 2…8 bits; needs data)', number, 0)
    .option('--equalize', 'fold BatchNorm and equalize ranges across layers first')
    .option('--format <f>', `save weights as ${FORMATS.join(' | ')} (stock tfjs decodes all but packed: per-channel --bits 2…8)`)
    .option('--vectors', 'uint8/uint16/float16: also encode 1-D weights (biases, BatchNorm); default float32')
    .option('--data <path>', DATA_HELP)
    .option('--out <dir>', 'save the quantized model here')
    .option('--json', 'print the report object')
    .action(async (spec: string, flags: QuantizeFlags) => {
      const bits = flags.bits === 'ternary' || flags.bits === 'float16' ? flags.bits : Number(flags.bits);
      if (typeof bits === 'number' && !Number.isInteger(bits))
        fail('whittle', `--bits must be an integer 1…16, ternary or float16, got '${flags.bits}'`);
      if (flags.format && !FORMATS.includes(flags.format))
        fail('whittle', `--format must be one of ${FORMATS.join(', ')}, got '${flags.format}'`);
      if (!OBSERVERS.includes(flags.observer as ObserverName))
        fail('whittle', `--observer must be one of ${OBSERVERS.join(', ')}, got '${flags.observer}'`);
      await initBackend();
      const model = await resolveModel(spec);
      const needsData = flags.qatEpochs > 0 ? '--qat-epochs' : flags.activations ? '--activations' : undefined;
      const data = needsData ? requireData(model, flags.data, `quantize ${needsData}`) : dataFor(model, flags.data);
      const notes: string[] = [];
      try {
        let result;
        if (flags.qatEpochs > 0) {
          needLayers('quantize', model, 'quantization-aware training (--qat-epochs)');
          if (typeof bits !== 'number') fail('whittle', '--qat-epochs needs numeric --bits (2…8)');
          const bar = progressBar('QAT');
          result = await quantizeAwareTrain(model, data!.train, {
            bits,
            epochs: flags.qatEpochs,
            perChannel: flags.perChannel ?? false,
            onProgress: bar.update,
          });
          bar.stop();
        } else {
          const options: QuantizeModelOptions = {
            weights: {
              bits,
              perChannel: flags.perChannel ?? false,
              scheme: flags.asymmetric ? 'asymmetric' : 'symmetric',
              scale: flags.pow2 ? 'pow2' : 'float',
            },
            activations: flags.activations ? { bits: flags.activations, observer: flags.observer as ObserverName } : undefined,
            calibration: flags.activations ? data!.train : undefined,
            calibrationSamples: flags.calibrate,
            equalize: flags.equalize,
          };
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
            // packed stores per-channel symmetric integers at this width: lossless after --per-channel, a second rounding otherwise
            bits: flags.format === 'packed' && typeof bits === 'number' ? Math.min(8, Math.max(2, bits)) : undefined,
            vectors: flags.vectors,
          });
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
