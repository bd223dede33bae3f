/**
 * Centroid fine-tuning (Deep Compression §3.2): assignments stay fixed, and each
 * centroid moves by the sum of its members' gradients. Done as an optimizer
 * wrapper: the kernel gradients the training loop computes are summed per
 * centroid, the inner optimizer (Adam by default) steps the centroids, and the
 * kernels are rebuilt from them — so sharing holds after every step.
 */
import * as tf from '@tensorflow/tfjs';
import { fail } from '../errors.js';
import { kernelOf } from '../models/weights.js';
import { codebookOf, sharedValues, type Clusters, type LayerClusters } from './cluster.js';

interface Bound {
  clusters: LayerClusters;
  /** Each weight's codebook. */
  group: Int32Array;
  kernel: tf.Variable;
  centroids: tf.Variable;
}

let counter = 0;

/** Binds clusters to a model's kernels: `optimizer(inner)` trains centroids instead of weights. */
export function clusterBinding(model: tf.LayersModel, clusters: Clusters, where = 'fineTune') {
  const bound: Bound[] = Object.values(clusters).map((c) => {
    let layer: tf.layers.Layer;
    try {
      layer = model.getLayer(c.layer);
    } catch {
      return fail(where, `clusters for layer '${c.layer}' do not match any layer of model '${model.name}'`);
    }
    const info = kernelOf(layer);
    const v = info && layer.weights[info.index];
    if (!v || v.shape.join('×') !== c.shape.join('×'))
      fail(
        where,
        `clusters for '${c.layer}' have shape [${c.shape.join('×')}] but the layer's kernel is [${v?.shape.join('×') ?? 'missing'}]`,
      );
    const init = tf.tensor1d(c.codebooks);
    const centroids = tf.variable(init, true, `whittle_centroids_${c.layer}_${counter++}`);
    init.dispose();
    return { clusters: c, group: codebookOf(c), kernel: v!.read() as tf.Variable, centroids };
  });
  const byKernel = new Map(bound.map((b) => [b.kernel.name, b]));
  const rebuild = (b: Bound) => {
    const values = sharedValues({ ...b.clusters, codebooks: b.centroids.dataSync() as Float32Array }, b.group);
    tf.tidy(() => b.kernel.assign(tf.tensor(values, b.clusters.shape)));
  };
  /** Centroid gradient = Σ of its members' kernel gradients (zeros held by sparsity belong to none). */
  const centroidGradient = (b: Bound, grad: tf.Tensor) => {
    const g = grad.dataSync();
    const { indices, groups, k } = b.clusters;
    const sums = new Float32Array(groups * k);
    for (let i = 0; i < indices.length; i++) if (indices[i]! >= 0) sums[b.group[i]! * k + indices[i]!]! += g[i]!;
    return tf.tensor1d(sums);
  };
  const optimizer = (inner: tf.Optimizer) => new CentroidOptimizer(inner, byKernel, centroidGradient, rebuild);
  return {
    optimizer,
    /** Writes the shared values into the kernels. */
    apply: () => bound.forEach(rebuild),
    /** The assignments with the trained codebooks. */
    current: (): Clusters =>
      Object.fromEntries(bound.map((b) => [b.clusters.layer, { ...b.clusters, codebooks: Float32Array.from(b.centroids.dataSync()) }])),
    dispose: () => bound.forEach((b) => b.centroids.dispose()),
  };
}

class CentroidOptimizer extends tf.Optimizer {
  static className = 'WhittleCentroidOptimizer';
  constructor(
    private inner: tf.Optimizer,
    private byKernel: Map<string, Bound>,
    private centroidGradient: (b: Bound, g: tf.Tensor) => tf.Tensor,
    private rebuild: (b: Bound) => void,
  ) {
    super();
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    const list = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const made: tf.Tensor[] = [];
    const touched: Bound[] = [];
    const mapped = list.map(({ name, tensor }) => {
      const b = this.byKernel.get(name);
      if (!b || !tensor) return { name, tensor };
      const g = this.centroidGradient(b, tensor);
      made.push(g);
      touched.push(b);
      return { name: b.centroids.name, tensor: g };
    });
    this.inner.applyGradients(mapped);
    tf.dispose(made);
    touched.forEach(this.rebuild);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {};
  }

  override dispose(): void {
    this.inner.dispose();
    super.dispose();
  }
}
