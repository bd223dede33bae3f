import {
  evaluate,
  lenet300100,
  lenet5,
  mnist,
  mobilenetMini,
  predictClasses,
  quantize,
  quantizeAwareTrain,
  saveModel,
  simulateExport,
} from '@whittle/core';
import type * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchTable, pct, type Benchmark } from './harness.js';
import { cite, STATIC_INT8, TORCH, WEIGHT_ONLY } from './references.js';

// PyTorch 1.13 on the same split (references.ts): weight-only per-channel fake quantization; static int8 on oneDNN
const TORCH_WEIGHT_ONLY: Record<string, Record<number, number>> = WEIGHT_ONLY.values;
const ONEDNN = STATIC_INT8.values.rows.find((r) => r.engine === 'oneDNN')!;

/** Bytes of the weight files alone (model.json, which holds the topology and the manifest, excluded). */
const weightBytes = (saved: { files: { name: string; bytes: number }[] }) =>
  saved.files.filter((f) => f.name !== 'model.json').reduce((s, f) => s + f.bytes, 0);

export const quantizeQuality: Benchmark = {
  name: 'quantize-quality',
  title: 'Quantization quality beside PyTorch (weight-only per-channel, static int8, QAT, uint8 export)',
  description:
    'Weight-only: symmetric per-channel fake quantization of every kernel, no retraining. Static int8: weights + activations (min-max observer, 500 shuffled calibration samples). QAT: shadow weights + straight-through estimator, Adam 1e-3, batch 64. Export: the uint8 weights manifest that stock tfjs decodes, compared with Whittle’s simulation.',
  run: async ({ quick, log }) => {
    const { figures, rows, result } = benchTable(['model', 'case', 'Whittle (PyTorch)']);
    const cases: [string, () => tf.LayersModel, 'flat' | 'image'][] = [
      ['lenet-300-100', () => lenet300100({ pretrained: true }), 'flat'],
      ['lenet-5', () => lenet5({ pretrained: true }), 'image'],
    ];
    for (const [name, build, layout] of cases) {
      const model = build();
      const { train, test } = mnist({ layout });
      const fp32 = evaluate(model, test).accuracy;
      const cells: string[] = [pct(fp32)];
      for (const bits of [8, 6, 4, 3, 2]) {
        const acc = evaluate((await quantize(model, { weights: { bits, perChannel: true } })).model, test).accuracy;
        figures.push({
          name: `${name} weight-only ${bits}-bit`,
          value: acc,
          unit: 'fraction',
          reference: TORCH_WEIGHT_ONLY[name]![bits],
          referenceSource: TORCH,
        });
        cells.push(`${pct(acc)} (${pct(TORCH_WEIGHT_ONLY[name]![bits]!)})`);
      }
      rows.push([name, 'weight-only per-channel: fp32 / 8 / 6 / 4 / 3 / 2 bit (PyTorch)', cells.join(' · ')]);
      log(`${name}: ${cells.join(' ')}`);
      if (name === 'lenet-5') {
        const s = evaluate(
          (
            await quantize(model, {
              weights: { bits: 8 },
              activations: { bits: 8, observer: 'minmax' },
              calibration: train,
              calibrationSamples: 500,
            })
          ).model,
          test,
        ).accuracy;
        figures.push({
          name: 'lenet-5 static int8',
          value: s,
          unit: 'fraction',
          reference: ONEDNN.accuracy,
          referenceSource: `${TORCH} oneDNN`,
        });
        rows.push([
          name,
          'static int8 (weights + activations), drop ≤ 0.3 pp',
          `${pct(s)} (drop ${((fp32 - s) * 100).toFixed(2)} pp; PyTorch ${ONEDNN.engine} ${pct(ONEDNN.accuracy)}, drop ${((STATIC_INT8.values.fp32 - ONEDNN.accuracy) * 100).toFixed(2)} pp)`,
        ]);
        for (const bits of quick ? [2] : [4, 2]) {
          const { model: q } = await quantizeAwareTrain(model, train, { bits, epochs: quick ? 1 : 3 });
          const acc = evaluate(q, test).accuracy;
          figures.push({ name: `lenet-5 QAT ${bits}-bit`, value: acc, unit: 'fraction' });
          rows.push([name, `QAT ${bits}-bit, ${quick ? 1 : 3} epochs${bits === 2 ? ' (issue: ≥ 94 %)' : ''}`, pct(acc)]);
          q.dispose();
        }
        const scratch = mkdtempSync(join(tmpdir(), 'whittle-bench-'));
        const a = await saveModel(model, join(scratch, 'fp32'));
        const b = await saveModel(model, join(scratch, 'u8'), { quantization: 'uint8' });
        const sim = simulateExport(model, 'uint8');
        const fp32Classes = predictClasses(model, test.x); // once: calling it per element would be quadratic
        const same = predictClasses(sim, test.x).filter((c, i) => c === fp32Classes[i]).length / test.size;
        const packed = [4, 2].map(async (bits) => ({
          bits,
          bytes: (await saveModel(model, join(scratch, `p${bits}`), { quantization: 'packed', bits })).bytes,
        }));
        const packedSizes = await Promise.all(packed);
        rows.push([
          name,
          'packed Whittle format (per-channel, bit-packed; loadModel decodes it)',
          packedSizes.map((p) => `${p.bits}-bit ${p.bytes.toLocaleString('en-US')} bytes (${(a.bytes / p.bytes).toFixed(1)}×)`).join(', '),
        ]);
        rmSync(scratch, { recursive: true, force: true });
        figures.push({
          name: 'lenet-5 uint8 export size ratio',
          value: a.bytes / b.bytes,
          unit: '×',
          reference: ONEDNN.sizeRatio,
          referenceSource: `${TORCH} static int8 state_dict (oneDNN)`,
        });
        rows.push([
          name,
          'uint8 export (stock tfjs format)',
          `${a.bytes.toLocaleString('en-US')} → ${b.bytes.toLocaleString('en-US')} bytes = ${(a.bytes / b.bytes).toFixed(2)}× (weights alone ${(weightBytes(a) / weightBytes(b)).toFixed(2)}×; PyTorch int8 state_dict ${ONEDNN.sizeRatio.toFixed(2)}×); gzip ${(a.gzipBytes / b.gzipBytes).toFixed(2)}×; accuracy ${pct(evaluate(sim, test).accuracy)}; argmax same as fp32 on ${pct(same)}`,
        ]);
      }
      train.dispose();
      test.dispose();
    }
    if (!quick) {
      const m = mobilenetMini({ pretrained: true });
      const { train, test } = mnist({ layout: 'image' });
      const fp32 = evaluate(m, test).accuracy;
      const pt = evaluate((await quantize(m, { weights: { bits: 8, perChannel: false, scheme: 'asymmetric' } })).model, test).accuracy;
      const eq = await quantize(m, { weights: { bits: 8, perChannel: false, scheme: 'asymmetric' }, equalize: true });
      const eqAcc = evaluate(eq.model, test).accuracy;
      const gains = eq.report.equalization!.map((e) => (e.sqnrDbAfter ?? 0) - (e.sqnrDbBefore ?? 0));
      figures.push({ name: 'mobilenet-mini per-tensor uint8 weights', value: pt, unit: 'fraction' });
      figures.push({ name: 'mobilenet-mini per-tensor uint8 weights, equalized', value: eqAcc, unit: 'fraction' });
      rows.push([
        'mobilenet-mini',
        'per-tensor 8-bit weights, without / with BatchNorm folding + cross-layer equalization (drop ≤ 0.5 pp)',
        `${pct(fp32)} → ${pct(pt)} / ${pct(eqAcc)}; SQNR gain per layer ${Math.min(...gains).toFixed(1)}–${Math.max(...gains).toFixed(1)} dB`,
      ]);
      train.dispose();
      test.dispose();
    }
    return result(`References: ${cite(WEIGHT_ONLY)}. ${cite(STATIC_INT8)}.`);
  },
};
