import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import { checkRunnable } from '../models/check.js';
import { isGraphModel, modelName, type AnyModel } from '../io/graph.js';
import { storageSize } from '../io/save.js';
import type { CompareReport } from '@whittle/report';
import { summary } from './summary.js';
import { latency } from './latency.js';
import { checkOptions, optionKeys } from '../options.js';

export interface CompareOptions {
  /** Display names; default the models' names (suffixed when equal). */
  names?: [string, string];
  /** Bytes each model ships as, when not what it will be saved as. Default: what `saveModel(model, dir)` writes (its carried format; see storageBytes). */
  bytes?: [number | undefined, number | undefined];
  /** Timed predict runs on a 100-sample batch; 0 skips latency. Default 10. */
  latencyRuns?: number;
  batchSize?: number;
}
const COMPARE_KEYS = optionKeys<CompareOptions>({ names: true, bytes: true, latencyRuns: true, batchSize: true });

const EPS = 1e-7;

/**
 * Two models side by side on the same data: accuracy, top-1 agreement, mean
 * KL(a ‖ b) of their output distributions, params, nonzeros, bytes and latency.
 */
export async function compare(a: AnyModel, b: AnyModel, data: Dataset, options: CompareOptions = {}): Promise<CompareReport> {
  checkRunnable('compare', a, 'a');
  checkRunnable('compare', b, 'b');
  checkOptions('compare', options, COMPARE_KEYS);
  const batchSize = options.batchSize ?? 500;
  let correctA = 0;
  let correctB = 0;
  let agree = 0;
  let klSum = 0;
  for (let start = 0; start < data.size; start += batchSize) {
    const size = Math.min(batchSize, data.size - start);
    const [ca, cb, kl] = tf.tidy(() => {
      const x = tf.slice(data.x, start, size);
      const pa = (a.predict(x) as tf.Tensor).clipByValue(EPS, 1);
      const pb = (b.predict(x) as tf.Tensor).clipByValue(EPS, 1);
      return [pa.argMax(-1), pb.argMax(-1), pa.mul(pa.log().sub(pb.log())).sum()];
    });
    const va = ca.dataSync();
    const vb = cb.dataSync();
    for (let i = 0; i < size; i++) {
      const label = data.labels[start + i];
      if (va[i] === label) correctA++;
      if (vb[i] === label) correctB++;
      if (va[i] === vb[i]) agree++;
    }
    klSum += kl.dataSync()[0]!;
    tf.dispose([ca, cb, kl]);
  }
  const runs = options.latencyRuns ?? 10;
  const probe = runs > 0 ? tf.slice(data.x, 0, Math.min(100, data.size)) : undefined;
  const side = async (m: AnyModel, name: string, correct: number, bytes: number | undefined) => {
    const s = summary(m);
    return {
      name,
      accuracy: correct / data.size,
      params: s.totals.params,
      nonzeros: s.totals.nonzeros,
      bytes: bytes ?? (isGraphModel(m) ? await storageSize(m) : s.totals.bytes),
      latencyMs: probe ? latency(m, probe, { runs }).medianMs : null,
    };
  };
  const [na, nb] = [modelName(a), modelName(b)];
  const [nameA, nameB] = options.names ?? (na === nb ? [`${na} (a)`, `${nb} (b)`] : [na, nb]);
  try {
    return {
      kind: 'compare',
      version: 1,
      title: `${nameA} vs ${nameB}`,
      a: await side(a, nameA, correctA, options.bytes?.[0]),
      b: await side(b, nameB, correctB, options.bytes?.[1]),
      agreement: agree / data.size,
      meanKl: Math.max(0, klSum / data.size),
      samples: data.size,
    };
  } finally {
    probe?.dispose();
  }
}
