/**
 * Scoring plan tasks: the accuracy of a model with some layers' kernels
 * replaced by a choice each, or the encoded bytes of one layer's choice.
 * The same `PlanEvaluator` runs in the main thread (serial) and in every
 * worker, on the same backend, so a worker's answer equals the serial one bit
 * for bit. Every task starts from the original kernels (each changed layer is
 * restored afterwards): results don't depend on which worker ran which task.
 *
 * Why a prefix cache: most tasks change one layer, and in a Sequential model
 * everything before that layer computes what the original computes. The
 * evaluator keeps, per dataset, the activations entering the most recently
 * used layer and runs only the rest of the model — the result is the same
 * ops on the same values as a full forward pass, at a fraction of the cost
 * for late layers. Other models (functional graphs) run whole.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import { fromArrays } from '../data/dataset.js';
import { kernelOf } from '../models/weights.js';
import { applyChoice, choiceBytes, type Choice, type PlanFormat, type SizeMeasure } from './choices.js';

export interface PlanTask {
  /** Layer name → choice; layers not named keep their weights. */
  choices: Record<string, Choice>;
  /** Which dataset to score on. */
  data: 'calibration' | 'test';
  /** Instead of accuracy: the encoded bytes of the one layer's choice, counted this way… */
  bytes?: SizeMeasure;
  /** …in this file format (default 'packed'). */
  format?: PlanFormat;
}

/** A dataset as plain arrays, for posting to workers (shared memory: posted once, copied by nobody). */
export interface PlainDataset {
  values: Float32Array;
  sampleShape: number[];
  labels: Int32Array;
  classes: number;
}

/** Copies a typed array into a SharedArrayBuffer, so every worker reads the same memory instead of its own clone. */
export function shared<T extends Float32Array | Int32Array | Uint8Array>(a: T): T {
  const buffer = new SharedArrayBuffer(a.byteLength);
  const out = new (a.constructor as new (b: SharedArrayBuffer) => T)(buffer);
  out.set(a);
  return out;
}

export function toPlain(data: Dataset): PlainDataset {
  return {
    values: shared(data.x.dataSync() as Float32Array),
    sampleShape: data.x.shape.slice(1),
    labels: shared(data.labels),
    classes: data.y.shape[1],
  };
}

export const fromPlain = (p: PlainDataset): Dataset => fromArrays(p.values, p.labels, p.sampleShape, p.classes);

/** Samples per forward pass (what `evaluate` uses). */
const BATCH = 500;

export class PlanEvaluator {
  /** Per dataset: the activations (one tensor per batch) entering layer `index`. */
  private cache = new Map<string, { index: number; batches: tf.Tensor[] }>();
  private readonly sequential: boolean;

  constructor(
    private readonly model: tf.LayersModel,
    private readonly datasets: Record<PlanTask['data'], Dataset>,
  ) {
    this.sequential = model instanceof tf.Sequential;
  }

  run(tasks: PlanTask[]): number[] {
    return tasks.map((t) => (t.bytes ? this.bytes(t) : this.accuracy(t)));
  }

  dispose(): void {
    for (const c of this.cache.values()) tf.dispose(c.batches);
    this.cache.clear();
  }

  private bytes(task: PlanTask): number {
    const entries = Object.entries(task.choices);
    if (entries.length !== 1) throw new Error(`a bytes task names exactly one layer, got ${entries.length}`);
    const [name, choice] = entries[0]!;
    const layer = this.model.getLayer(name);
    const { index, channelAxis } = kernelOf(layer)!;
    const kernel = layer.getWeights()[index]!;
    return choiceBytes(kernel.dataSync() as Float32Array, kernel.shape, choice, task.bytes!, channelAxis ?? undefined, task.format);
  }

  private accuracy(task: PlanTask): number {
    const layers = this.model.layers;
    const restore: { layer: tf.layers.Layer; weights: tf.Tensor[] }[] = [];
    let first = layers.length;
    try {
      for (const [name, choice] of Object.entries(task.choices)) {
        const layer = this.model.getLayer(name);
        first = Math.min(first, layers.indexOf(layer));
        const { index: k, channelAxis } = kernelOf(layer)!;
        // Copies: getWeights() hands out the variables' own tensors, which setWeights replaces and frees.
        const weights = layer.getWeights().map((w) => tf.clone(w));
        const kernel = weights[k]!;
        const replaced = tf.tensor(
          applyChoice(kernel.dataSync() as Float32Array, kernel.shape, choice, channelAxis ?? undefined),
          kernel.shape,
        );
        layer.setWeights(weights.map((w, i) => (i === k ? replaced : w)));
        replaced.dispose();
        restore.push({ layer, weights });
      }
      return this.score(task.data, this.sequential ? first : 0);
    } finally {
      for (const r of restore.reverse()) {
        r.layer.setWeights(r.weights);
        tf.dispose(r.weights);
      }
    }
  }

  /** Top-1 accuracy on a dataset, running the model from layer `from` on (0: the whole model, as `evaluate` does). */
  private score(data: PlanTask['data'], from: number): number {
    const set = this.datasets[data];
    const inputs = from > 0 && from < this.model.layers.length ? this.prefix(data, from) : undefined;
    let correct = 0;
    for (let b = 0, start = 0; start < set.size; b++, start += BATCH) {
      const size = Math.min(BATCH, set.size - start);
      const classes = tf.tidy(() => {
        let x = inputs ? inputs[b]! : tf.slice(set.x, start, size);
        if (inputs) for (const layer of this.model.layers.slice(from)) x = layer.apply(x) as tf.Tensor;
        else x = this.model.predict(x) as tf.Tensor;
        return x.argMax(-1);
      });
      const c = classes.dataSync();
      classes.dispose();
      for (let i = 0; i < size; i++) if (c[i] === set.labels[start + i]) correct++;
    }
    return correct / set.size;
  }

  /** The original model's activations entering layer `index`, per batch; only the latest index is kept per dataset. */
  private prefix(data: PlanTask['data'], index: number): tf.Tensor[] {
    const hit = this.cache.get(data);
    if (hit?.index === index) return hit.batches;
    if (hit) tf.dispose(hit.batches);
    this.cache.delete(data);
    const set = this.datasets[data];
    const batches: tf.Tensor[] = [];
    for (let start = 0; start < set.size; start += BATCH) {
      batches.push(
        tf.tidy(() => {
          let x = tf.slice(set.x, start, Math.min(BATCH, set.size - start));
          for (const layer of this.model.layers.slice(0, index)) x = layer.apply(x) as tf.Tensor;
          return x;
        }),
      );
    }
    this.cache.set(data, { index, batches });
    return batches;
  }
}

/** Scores tasks on `model` (changed in place during a task, restored after it). */
export function evaluatePlans(model: tf.LayersModel, datasets: Record<PlanTask['data'], Dataset>, tasks: PlanTask[]): number[] {
  const evaluator = new PlanEvaluator(model, datasets);
  try {
    return evaluator.run(tasks);
  } finally {
    evaluator.dispose();
  }
}
