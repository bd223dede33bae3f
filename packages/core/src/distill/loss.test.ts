import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { rng } from '../data/random.js';
import { distillationLoss, distillationTerms } from './loss.js';

beforeAll(() => initBackend());

const softmax = (z: number[], T: number) => {
  const e = z.map((v) => Math.exp(v / T));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

describe('distillation loss', () => {
  it('matches a hand-computed two-class example at T = 2', () => {
    // z_t = [2, 0], z_s = [0, 1], y = [1, 0], T = 2, α = 0.5
    // p_t = softmax([1, 0])   = [e/(e+1), 1/(e+1)]         = [0.731059, 0.268941]
    // p_s = softmax([0, 0.5]) = [1/(1+√e), √e/(1+√e)]      = [0.377541, 0.622459]
    // KL(p_t ‖ p_s) = 0.731059·ln(0.731059/0.377541) + 0.268941·ln(0.268941/0.622459)
    //               = 0.731059·0.660815 + 0.268941·(−0.839185) = 0.483094 − 0.225691 = 0.257403
    // soft = T²·KL = 4·0.257403 = 1.029613
    // hard = CE(y, z_s) = −ln softmax([0, 1])₀ = ln(1 + e) = 1.313262
    // loss = 0.5·1.029613 + 0.5·1.313262 = 1.171437
    const zT = tf.tensor2d([[2, 0]]);
    const zS = tf.tensor2d([[0, 1]]);
    const y = tf.tensor2d([[1, 0]]);
    const { loss, soft, hard } = distillationTerms(zT, zS, y, 2, 0.5);
    expect(soft.dataSync()[0]).toBeCloseTo(1.029613, 5);
    expect(hard.dataSync()[0]).toBeCloseTo(1.313262, 5);
    expect(loss.dataSync()[0]).toBeCloseTo(1.171437, 5);
    tf.dispose([zT, zS, y, loss, soft, hard]);
  });

  it('stays finite for logits whose softmax underflows (never the log of probabilities)', () => {
    const zT = tf.tensor2d([[200, 0, -200]]);
    const zS = tf.tensor2d([[-200, 0, 200]]);
    const y = tf.tensor2d([[1, 0, 0]]);
    const loss = distillationLoss(zT, zS, y, 1, 0.5);
    // KL = Σ p_t (log p_t − log p_s) ≈ 1·(0 − (−400)) = 400; CE = 400: loss ≈ 400
    expect(loss.dataSync()[0]).toBeCloseTo(400, 1);
    tf.dispose([zT, zS, y, loss]);
  });

  it('gradient w.r.t. the student logits: α·T·(q − p)/B exactly, and (z_s − z_t)/(N·B) as T grows (Hinton §2.1)', () => {
    const next = rng(3);
    const B = 4;
    const N = 10;
    // zero-mean logits per sample, |z| ≤ 2
    const draw = () =>
      Array.from({ length: B }, () => {
        const row = Array.from({ length: N }, () => 4 * next() - 2);
        const mean = row.reduce((a, b) => a + b, 0) / N;
        return row.map((v) => v - mean);
      });
    const [t, s] = [draw(), draw()];
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), N).toFloat();
    const grad = (T: number, alpha: number) => {
      const zT = tf.tensor2d(t);
      const g = tf.grad((zS: tf.Tensor) => distillationLoss(zT, zS, y, T, alpha))(tf.tensor2d(s));
      const values = g.arraySync() as number[][];
      tf.dispose([zT, g]);
      return values;
    };
    // exact, at T = 2 and α = 1: T·(softmax(z_s/T) − softmax(z_t/T)) / B, computed in plain JS
    const exact = grad(2, 1);
    s.forEach((row, i) => {
      const q = softmax(row, 2);
      const p = softmax(t[i]!, 2);
      row.forEach((_, j) => expect(exact[i]![j]).toBeCloseTo((2 * (q[j]! - p[j]!)) / B, 5));
    });
    // limit: T·(q − p) → (z_s − z_t)/N for zero-mean logits; the error falls like 1/T
    const limitError = (T: number) =>
      Math.max(...grad(T, 1).flatMap((row, i) => row.map((g, j) => Math.abs(g - (s[i]![j]! - t[i]![j]!) / (N * B)))));
    const scale = Math.max(...s.flatMap((row, i) => row.map((v, j) => Math.abs(v - t[i]![j]!) / (N * B))));
    const [e20, e200] = [limitError(20), limitError(200)];
    expect(e200 / scale).toBeLessThan(0.01);
    expect(e20 / e200).toBeGreaterThan(5);
    // α = 0: only the hard term, whose gradient is (softmax(z_s) − y)/B
    const hardOnly = grad(8, 0);
    s.forEach((row, i) => {
      const q = softmax(row, 1);
      row.forEach((_, j) => expect(hardOnly[i]![j]).toBeCloseTo((q[j]! - (j === i ? 1 : 0)) / B, 5));
    });
    y.dispose();
  });
});
