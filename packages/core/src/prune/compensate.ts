/**
 * Compensation after pruning (options.compensate), from calibration samples.
 * For masks (unstructured, N:M): leastSquaresRefitMasked below. For
 * structured pruning: a removed unit did not output zero, so the layers that
 * read it see different inputs after surgery:
 *
 * - 'mean-activation': each reader's bias absorbs the removed inputs' mean
 *   (their constant part), Σ_c mean(input c) · W[…, c, o].
 * - 'least-squares': additionally, each Dense reader's kept weights and bias
 *   are refit (ridge least squares) so that, fed by the smaller model's own
 *   inputs, its pre-activations match the original's on the calibration
 *   samples — the reconstruction step of channel pruning (He et al. 2017,
 *   ThiNet). Readers are refit in graph order, so each also absorbs the error
 *   left upstream. Convolution readers keep the mean-activation shift.
 */
import * as tf from '@tensorflow/tfjs';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import type { Dataset } from '../data/dataset.js';
import { permutation } from '../data/random.js';
import { fail } from '../errors.js';
import { kernelOf, layerWeights } from '../models/weights.js';
import type { ChannelGraph, LayerRole } from './graph.js';

/** Producers that read removed atoms and have a bias to absorb them, in graph order. */
function readersOf(graph: ChannelGraph, removed: Set<number>): LayerRole[] {
  return [...graph.roles.values()].filter(
    (r) => r.kind === 'producer' && r.inputs.some((a) => removed.has(a)) && layerWeights(r.layer).some((w) => w.role === 'bias'),
  );
}

/** A seeded random subset of the calibration inputs, checked against the model's input shape. */
export function calibrationBatch(model: tf.LayersModel, calibration: Dataset, samples: number): tf.Tensor {
  const expected = model.inputs[0]!.shape.slice(1).join('×');
  const got = calibration.x.shape.slice(1).join('×');
  if (expected !== got) fail('prune', `calibration data has samples of shape [${got}] but '${model.name}' takes [${expected}]`);
  const rows = permutation(calibration.size, 17).subarray(0, Math.min(samples, calibration.size));
  return tf.tidy(() => tf.gather(calibration.x, tf.tensor1d(rows, 'int32')));
}

/** What the named layers receive, for the inputs `x` (one tensor per layer). */
function layerInputs(model: tf.LayersModel, names: string[], x: tf.Tensor): tf.Tensor[] {
  const probe = tf.model({ inputs: model.inputs, outputs: names.map((n) => model.getLayer(n).input as tf.SymbolicTensor) });
  const outs = probe.predict(x, { batchSize: 100 }) as tf.Tensor | tf.Tensor[];
  return Array.isArray(outs) ? outs : [outs];
}

/**
 * Bias shifts for mean-activation compensation: shift[o] = Σ over removed
 * inputs c of mean(input c) · Σ over kernel positions W[…, c, o]. The mean is
 * taken where the reader sees it (after activation, pooling, BatchNorm,
 * Flatten), per kernel row: per flattened position for Dense, per channel over
 * batch and space for convolutions (exact up to zero-padded borders of 'same'
 * convolutions). Layers without a bias get no shift.
 */
export function meanActivationShift(graph: ChannelGraph, removed: Set<number>, x: tf.Tensor): Map<string, Float32Array> {
  const readers = readersOf(graph, removed);
  const shifts = new Map<string, Float32Array>();
  if (readers.length === 0) return shifts;
  const inputs = layerInputs(
    graph.model,
    readers.map((r) => r.layer.name),
    x,
  );
  readers.forEach((r, i) => {
    const t = inputs[i]!;
    const meanTensor = tf.tidy(() => t.reshape([-1, t.shape.at(-1)!]).mean(0));
    const means = meanTensor.dataSync();
    meanTensor.dispose();
    const kernel = r.layer.getWeights()[kernelOf(r.layer)!.index]!;
    const w = kernel.dataSync();
    const [rows, outputs] = kernel.shape.slice(-2) as [number, number];
    const shift = new Float32Array(outputs);
    for (let j = 0; j < w.length; j++) {
      const c = Math.floor(j / outputs) % rows;
      if (removed.has(r.inputs[c]!)) shift[j % outputs] += means[c]! * w[j]!;
    }
    shifts.set(r.layer.name, shift);
  });
  tf.dispose(inputs);
  return shifts;
}

/**
 * Solves (A + λD) X = B for symmetric positive semi-definite A (n×n), B n×k,
 * by ml-matrix's Cholesky decomposition (float64); D is the identity but for
 * the last `free` rows (an intercept is not shrunk).
 */
export function ridgeSolve(A: Float64Array, B: Float64Array, n: number, k: number, lambda: number, free = 0): Float64Array {
  const a = Matrix.from1DArray(n, n, A);
  for (let i = 0; i < n - free; i++) a.set(i, i, a.get(i, i) + lambda);
  const x = new CholeskyDecomposition(a).solve(Matrix.from1DArray(n, k, B));
  return Float64Array.from(x.to1DArray());
}

/** Ridge strength relative to the mean diagonal of XᵀX (bias column excluded): only keeps the solve well-posed. */
const RIDGE = 1e-4;

/**
 * Least-squares refit of the Dense readers of removed atoms in `smaller` (the
 * rebuilt model, changed in place): kernel and bias minimize
 * ‖[X′ 1]·[W; b] − (X·W₀ + b₀)‖² + λ‖·‖², X′ being what the layer receives in
 * `smaller` and X·W₀ + b₀ its original pre-activations (kept outputs only).
 */
export function leastSquaresRefit(graph: ChannelGraph, removed: Set<number>, smaller: tf.LayersModel, x: tf.Tensor): void {
  for (const role of readersOf(graph, removed)) {
    if (role.layer.getClassName() !== 'Dense') continue;
    const name = role.layer.name;
    const keptOut = role.outputs.flatMap((a, i) => (removed.has(a) ? [] : [i]));
    const [inputOriginal] = layerInputs(graph.model, [name], x);
    const [inputSmaller] = layerInputs(smaller, [name], x);
    const [w0, b0] = role.layer.getWeights();
    const [gramT, crossT] = tf.tidy(() => {
      const target = tf.gather(tf.matMul(inputOriginal as tf.Tensor2D, w0 as tf.Tensor2D).add(b0!), keptOut, 1);
      const design = tf.concat([inputSmaller as tf.Tensor2D, tf.ones([inputSmaller!.shape[0]!, 1])], 1);
      return [tf.matMul(design, design, true, false), tf.matMul(design, target, true, false)];
    });
    const d = gramT.shape[0]!;
    const gram = Float64Array.from(gramT.dataSync());
    const cross = Float64Array.from(crossT.dataSync());
    tf.dispose([gramT, crossT]);
    tf.dispose([inputOriginal, inputSmaller]);
    let trace = 0;
    for (let i = 0; i < d - 1; i++) trace += gram[i * d + i]!;
    const solution = Float32Array.from(ridgeSolve(gram, cross, d, keptOut.length, (RIDGE * trace) / Math.max(1, d - 1), 1));
    const kernel = tf.tensor(solution.subarray(0, (d - 1) * keptOut.length), [d - 1, keptOut.length]);
    const bias = tf.tensor(solution.subarray((d - 1) * keptOut.length), [keptOut.length]);
    smaller.getLayer(name).setWeights([kernel, bias]);
    tf.dispose([kernel, bias]);
  }
}

/**
 * Least-squares refit for unstructured / N:M masks (the mask stays fixed): each
 * masked Dense layer, in model order, gets the kept weights and bias that make
 * its pre-activations — fed by `pruned`'s own inputs — match the original's
 * on the calibration samples, one ridge solve per output unit over the rows it
 * keeps (layer-wise reconstruction, as in AdaPrune / OBC). `pruned` is changed
 * in place; pruned weights stay exactly zero. Convolutions are left as they are.
 */
export function leastSquaresRefitMasked(
  original: tf.LayersModel,
  pruned: tf.LayersModel,
  masks: { layer: string; values: Uint8Array }[],
  x: tf.Tensor,
): void {
  const order = new Map(original.layers.map((l, i) => [l.name, i]));
  const dense = masks
    .filter((m) => original.getLayer(m.layer).getClassName() === 'Dense')
    .sort((a, b) => order.get(a.layer)! - order.get(b.layer)!);
  for (const { layer: name, values: mask } of dense) {
    const layer = original.getLayer(name);
    const hasBias = layerWeights(layer).some((w) => w.role === 'bias');
    const [inputOriginal] = layerInputs(original, [name], x);
    const [inputPruned] = layerInputs(pruned, [name], x);
    const [w0, b0] = layer.getWeights();
    const [gramT, crossT] = tf.tidy(() => {
      const z = tf.matMul(inputOriginal as tf.Tensor2D, w0 as tf.Tensor2D);
      const target = hasBias ? z.add(b0!) : z;
      const design = hasBias ? tf.concat([inputPruned as tf.Tensor2D, tf.ones([inputPruned!.shape[0]!, 1])], 1) : inputPruned!;
      return [tf.matMul(design, design, true, false), tf.matMul(design, target, true, false)];
    });
    const d = gramT.shape[0]!;
    const gram = gramT.dataSync();
    const cross = crossT.dataSync();
    tf.dispose([gramT, crossT, inputOriginal, inputPruned]);
    const [rows, outputs] = w0!.shape as [number, number];
    let trace = 0;
    for (let i = 0; i < rows; i++) trace += gram[i * d + i]!;
    const lambda = (RIDGE * trace) / Math.max(1, rows);
    const kernel = new Float32Array(rows * outputs);
    const bias = new Float32Array(outputs);
    for (let o = 0; o < outputs; o++) {
      const use: number[] = [];
      for (let i = 0; i < rows; i++) if (mask[i * outputs + o]) use.push(i);
      if (hasBias) use.push(rows);
      const n = use.length;
      if (n === 0) continue;
      const A = new Float64Array(n * n);
      const B = new Float64Array(n);
      use.forEach((r, i) => {
        B[i] = cross[r * outputs + o]!;
        use.forEach((c, j) => (A[i * n + j] = gram[r * d + c]!));
      });
      const solution = ridgeSolve(A, B, n, 1, lambda, hasBias ? 1 : 0);
      use.forEach((r, i) => (r === rows ? (bias[o] = solution[i]!) : (kernel[r * outputs + o] = solution[i]!)));
    }
    const weights = [tf.tensor(kernel, [rows, outputs]), ...(hasBias ? [tf.tensor(bias, [outputs])] : [])];
    pruned.getLayer(name).setWeights(weights);
    tf.dispose(weights);
  }
}
