/**
 * The quantization-quality cases the quantization issue sets, measured on our
 * fixed MNIST split from the pretrained reference weights, with PyTorch 1.13's
 * figures on the same split beside them (shared/reference/mnist-references.md).
 *
 * Run: `npx tsc -b && node packages/core/dist/quantize/quality.js [--quick]` (from /work/main).
 * `measureQuantizeQuality` is exported so bench/ can reuse the measurement.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend/index.js';
import { evaluate, predictClasses } from '../analysis/evaluate.js';
import { mnist } from '../data/mnist.js';
import { lenet300100, lenet5, mobilenetMini } from '../models/reference.js';
import { saveModel } from '../io/save.js';
import { quantize } from './ptq.js';
import { quantizeAwareTrain } from './qat.js';
import { simulateExport } from './export.js';

export interface QualityRow {
  model: string;
  case: string;
  /** Accuracy (fraction) or, for the size case, the byte ratio. */
  value: number;
  unit: 'fraction' | '×';
  /** PyTorch 1.13 on the same split, when there is one. */
  torch: number | null;
  /** The requirement, in words. */
  required: string;
  pass: boolean | null;
  detail?: string;
}

// PyTorch 1.13, weight-only per-channel symmetric fake quantization, no retraining (mnist-references.md §4).
const TORCH_WEIGHT_ONLY: Record<string, Record<number, number>> = {
  'lenet-300-100': { 32: 0.9461, 8: 0.9461, 4: 0.9461, 2: 0.5534 },
  'lenet-5': { 32: 0.9626, 8: 0.9621, 4: 0.9646, 2: 0.501 },
};
const ALLOWED_DROP: Record<number, number> = { 8: 0.001, 4: 0.005 };

export async function measureQuantizeQuality(
  options: { quick?: boolean; mobilenet?: boolean; log?: (line: string) => void } = {},
): Promise<QualityRow[]> {
  await initBackend();
  const log = options.log ?? (() => {});
  const rows: QualityRow[] = [];
  const push = (r: QualityRow) => {
    rows.push(r);
    log(`${r.model} | ${r.case} | ${r.unit === '×' ? r.value.toFixed(2) + '×' : pct(r.value)}`);
  };
  const cases: [string, () => tf.LayersModel, 'flat' | 'image'][] = [
    ['lenet-300-100', () => lenet300100({ pretrained: true }), 'flat'],
    ['lenet-5', () => lenet5({ pretrained: true }), 'image'],
  ];
  for (const [name, build, layout] of cases) {
    const model = build();
    const { train, test } = mnist({ layout });
    const fp32 = evaluate(model, test).accuracy;
    push({ model: name, case: 'fp32', value: fp32, unit: 'fraction', torch: TORCH_WEIGHT_ONLY[name]![32]!, required: '—', pass: null });
    for (const bits of [8, 4, 2]) {
      const q = (await quantize(model, { weights: { bits, perChannel: true, scheme: 'symmetric' } })).model;
      const acc = evaluate(q, test).accuracy;
      q.dispose();
      const drop = ALLOWED_DROP[bits];
      push({
        model: name,
        case: `weight-only ${bits}-bit per-channel`,
        value: acc,
        unit: 'fraction',
        torch: TORCH_WEIGHT_ONLY[name]![bits]!,
        required: drop === undefined ? 'collapses: report it' : `drop ≤ ${(drop * 100).toFixed(1)} pp`,
        pass: drop === undefined ? null : fp32 - acc <= drop + 1e-9,
      });
    }
    if (name === 'lenet-5') {
      const s = await quantize(model, {
        weights: { bits: 8 },
        activations: { bits: 8, observer: 'minmax' },
        calibration: train,
        calibrationSamples: 500,
      });
      const sAcc = evaluate(s.model, test).accuracy;
      s.model.dispose();
      push({
        model: name,
        case: 'static int8 weights + activations (min-max, 500 samples)',
        value: sAcc,
        unit: 'fraction',
        torch: 0.9611,
        required: 'drop ≤ 0.3 pp',
        pass: fp32 - sAcc <= 0.003 + 1e-9,
      });
      const epochs = options.quick ? 1 : 3;
      const { model: qat } = await quantizeAwareTrain(model, train, { bits: 2, epochs });
      const qAcc = evaluate(qat, test).accuracy;
      qat.dispose();
      push({
        model: name,
        case: `2-bit QAT, ${epochs} epochs`,
        value: qAcc,
        unit: 'fraction',
        torch: null,
        required: '≥ 94 %',
        pass: qAcc >= 0.94,
      });
      const scratch = mkdtempSync(join(tmpdir(), 'whittle-quality-'));
      try {
        const a = await saveModel(model, join(scratch, 'fp32'));
        const b = await saveModel(model, join(scratch, 'u8'), { quantization: 'uint8' });
        const sim = simulateExport(model, 'uint8');
        const ref = predictClasses(model, test.x);
        const same = predictClasses(sim, test.x).filter((c, i) => c === ref[i]).length / test.size;
        sim.dispose();
        push({
          model: name,
          case: 'uint8 export, fp32 bytes ÷ uint8 bytes (model.json + shards)',
          value: a.bytes / b.bytes,
          unit: '×',
          torch: 3.316,
          required: '≥ 3.9×',
          pass: a.bytes / b.bytes >= 3.9,
          detail: `${a.bytes} → ${b.bytes} bytes; gzip ${a.gzipBytes} → ${b.gzipBytes}`,
        });
        push({
          model: name,
          case: 'uint8 export, same argmax as fp32',
          value: same,
          unit: 'fraction',
          torch: null,
          required: '≥ 99.9 %',
          pass: same >= 0.999,
        });
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    }
    model.dispose();
    train.dispose();
    test.dispose();
  }
  if (options.mobilenet !== false) rows.push(...(await mobilenetRows(log)));
  return rows;
}

/** Per-tensor asymmetric uint8 weights of mobilenet-mini, without and with BatchNorm folding + cross-layer equalization. */
async function mobilenetRows(log: (line: string) => void): Promise<QualityRow[]> {
  const m = mobilenetMini({ pretrained: true });
  const { test } = mnist({ layout: 'image' });
  const fp32 = evaluate(m, test).accuracy;
  const weights = { bits: 8, perChannel: false, scheme: 'asymmetric' as const };
  const plain = await quantize(m, { weights });
  const eq = await quantize(m, { weights, equalize: true });
  const plainAcc = evaluate(plain.model, test).accuracy;
  const eqAcc = evaluate(eq.model, test).accuracy;
  const gains = (eq.report.equalization ?? [])
    .filter((l) => l.sqnrDbBefore !== null && l.sqnrDbAfter !== null)
    .map((l) => `${l.name} ${l.sqnrDbBefore!.toFixed(1)}→${l.sqnrDbAfter!.toFixed(1)} dB`);
  log(`mobilenet-mini per-layer SQNR: ${gains.join(', ')}`);
  for (const x of [plain.model, eq.model, m]) x.dispose();
  test.dispose();
  return [
    { model: 'mobilenet-mini', case: 'fp32', value: fp32, unit: 'fraction', torch: null, required: '—', pass: null },
    {
      model: 'mobilenet-mini',
      case: 'per-tensor uint8 weights, no equalization',
      value: plainAcc,
      unit: 'fraction',
      torch: null,
      required: 'report it',
      pass: null,
    },
    {
      model: 'mobilenet-mini',
      case: 'per-tensor uint8 weights, BN folded + equalized',
      value: eqAcc,
      unit: 'fraction',
      torch: null,
      required: 'drop ≤ 0.5 pp',
      pass: fp32 - eqAcc <= 0.005 + 1e-9,
      detail: `per-layer SQNR: ${gains.join(', ')}`,
    },
  ];
}

const pct = (f: number) => `${(f * 100).toFixed(2)} %`;

export function qualityTable(rows: QualityRow[]): string {
  const fmt = (r: QualityRow, v: number) => (r.unit === '×' ? `${v.toFixed(2)}×` : pct(v));
  const lines = rows.map(
    (r) =>
      `| ${r.model} | ${r.case} | ${fmt(r, r.value)} | ${r.torch === null ? '—' : fmt(r, r.torch)} | ${r.required}` +
      `${r.pass === null ? '' : r.pass ? ' ✓' : ' ✗'} | ${r.detail ?? ''} |`,
  );
  return ['| model | case | Whittle | PyTorch | required | detail |', '|---|---|---|---|---|---|', ...lines].join('\n');
}

// Run as a script. No top-level await: it would make every importer of @whittle/core
// async, and require('@whittle/core') (tslab notebooks) would fail.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  void measureQuantizeQuality({ quick: process.argv.includes('--quick'), log: (line) => console.error(line) }).then((rows) =>
    console.log(qualityTable(rows)),
  );
}
