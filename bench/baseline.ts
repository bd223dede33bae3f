import { readFileSync } from 'node:fs';
import { evaluate, mnist, pretrainedDir, REFERENCE_MODELS, REFERENCE_NAMES, referenceModel, summary } from '@whittle/core';
import { disposeAll, benchTable, pct, type Benchmark } from './harness.js';
import { ACCURACY, cite, TORCH, TFJS } from './references.js';

export const baseline: Benchmark = {
  name: 'baseline',
  title: 'fp32 baselines: the committed reference models',
  description:
    'Test accuracy of the pretrained reference models on the 2,004-digit test split, beside PyTorch and plain tfjs trained with the same protocol (Adam 1e-3, batch 64, 10 epochs).',
  run: async () => {
    const { figures, rows, result } = benchTable(['model', 'params', 'epochs', 'Whittle (tfjs + wasm)', TORCH, TFJS]);
    for (const name of REFERENCE_NAMES) {
      const model = referenceModel(name, { pretrained: true });
      const { train, test } = mnist({ layout: REFERENCE_MODELS[name].layout });
      const { accuracy } = evaluate(model, test);
      const record = JSON.parse(readFileSync(`${pretrainedDir(name)}training.json`, 'utf8')) as { epochs: number };
      const ref = (ACCURACY.values as Record<string, { torch: number; tfjs: number }>)[name];
      figures.push({
        name: `${name} accuracy`,
        value: accuracy,
        unit: 'fraction',
        reference: ref?.torch,
        referenceSource: ref ? TORCH : undefined,
      });
      rows.push([
        name,
        summary(model).totals.params.toLocaleString('en-US'),
        record.epochs,
        pct(accuracy),
        ref ? pct(ref.torch) : '–',
        ref ? pct(ref.tfjs) : '–',
      ]);
      disposeAll(train, test, model);
    }
    return result(`References: ${cite(ACCURACY)}.`);
  },
};
