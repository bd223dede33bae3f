/**
 * The one place that knows what a layer's weights are: which is the kernel
 * (the weight pruning, quantization and clustering act on), which is the bias,
 * and which axis of each indexes the layer's output channels (the axis
 * per-channel quantization takes one scale along).
 *
 * Output-channel axes, by layer type:
 * - Dense [in, out], Conv1D/2D/3D [..., in, out], recurrent kernels: the last axis;
 * - Conv2DTranspose [kh, kw, out, in]: axis 2;
 * - DepthwiseConv2D [kh, kw, C, M]: axis 2 (channel c feeds outputs c·M … c·M+M−1;
 *   with the usual M = 1 that is exactly the output channel — the last axis has size 1);
 * - SeparableConv2D: its depthwise kernel as above, its pointwise kernel [1, 1, C·M, out] the last axis;
 * - 1-D weights (bias, BatchNorm γ/β/mean/variance): axis 0;
 * - PReLU α (shaped like the input without the batch axis): the last axis.
 *
 * Everything else finds these through `layerWeights`, `kernelOf` or
 * `weightAxes`; nothing else matches weight names.
 */
import type * as tf from '@tensorflow/tfjs';

export type WeightRole = 'kernel' | 'bias' | 'batchnorm' | 'alpha' | 'other';

export interface WeightInfo {
  /** Index in `layer.weights` / `layer.getWeights()`. */
  index: number;
  /** The weight's saved name (`layer.weights[i].originalName`, as in model.json). */
  name: string;
  role: WeightRole;
  shape: number[];
  /** The output-channel axis (non-negative), or null if the weight has none (a scalar). */
  channelAxis: number | null;
}

/** Short name of a weight inside its layer: 'kernel', 'depthwise_kernel', 'bias', 'gamma', … */
const suffix = (originalName: string) => originalName.slice(originalName.lastIndexOf('/') + 1);

const BATCHNORM = new Set(['gamma', 'beta', 'moving_mean', 'moving_variance']);

function kernelAxis(className: string, short: string, rank: number): number {
  if (short === 'depthwise_kernel') return 2;
  if (className === 'Conv2DTranspose' || className === 'Conv3DTranspose') return rank - 2;
  return rank - 1;
}

/** Every weight of `layer` with its role and output-channel axis. */
export function layerWeights(layer: tf.layers.Layer): WeightInfo[] {
  const className = layer.getClassName();
  return layer.weights.map((w, index) => {
    const short = suffix(w.originalName);
    const shape = w.shape as number[];
    const rank = shape.length;
    const last = rank > 0 ? rank - 1 : null;
    let role: WeightRole = 'other';
    let channelAxis = last;
    if (/(^|_)kernel$/.test(short) && !short.startsWith('recurrent')) {
      role = 'kernel';
      channelAxis = kernelAxis(className, short, rank);
    } else if (short === 'bias') role = 'bias';
    else if (className === 'BatchNormalization' && BATCHNORM.has(short)) role = 'batchnorm';
    else if (className === 'PReLU' && short === 'alpha') role = 'alpha';
    return { index, name: w.originalName, role, shape, channelAxis };
  });
}

/**
 * The layer's main kernel — the weight that pruning, quantization, sensitivity
 * and clustering act on — or undefined when it has none (BatchNorm, PReLU,
 * pooling …). Dense/Conv: `kernel`; DepthwiseConv2D: `depthwise_kernel`;
 * SeparableConv2D: `pointwise_kernel` (it holds most of the parameters; see
 * `layerWeights` for both). Recurrent kernels are not main kernels.
 */
export function kernelOf(layer: tf.layers.Layer): WeightInfo | undefined {
  const kernels = layerWeights(layer).filter((w) => w.role === 'kernel');
  if (layer.getClassName() === 'SeparableConv2D') return kernels.find((w) => suffix(w.name) === 'pointwise_kernel');
  return kernels[0];
}

/**
 * A BatchNormalization layer's per-channel vectors, with the defaults for the
 * ones it omits (`scale: false` → γ = 1, `center: false` → β = 0).
 */
export function batchNormParams(layer: tf.layers.Layer): {
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  epsilon: number;
} {
  const values = new Map(layer.getWeights().map((w, i) => [suffix(layer.weights[i]!.originalName), w.dataSync() as Float32Array]));
  const mean = values.get('moving_mean')!;
  return {
    gamma: values.get('gamma') ?? new Float32Array(mean.length).fill(1),
    beta: values.get('beta') ?? new Float32Array(mean.length),
    mean,
    variance: values.get('moving_variance')!,
    epsilon: (layer.getConfig().epsilon as number | undefined) ?? 1e-3,
  };
}

/**
 * Output-channel axis of every weight of `model` by saved name (the names in
 * model.json's weights manifest), for encoders that see only names and shapes.
 */
export function weightAxes(model: tf.LayersModel): Map<string, number | null> {
  const axes = new Map<string, number | null>();
  for (const layer of model.layers) for (const w of layerWeights(layer)) axes.set(w.name, w.channelAxis);
  return axes;
}

/** A node of a GraphModel's graph (tfjs-converter's model.json `modelTopology.node`). */
export interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { b?: boolean; i?: string; s?: string; list?: unknown } | undefined>;
}

/** Graph ops whose second input is a kernel, and the kernel's output-channel axis. */
const GRAPH_KERNELS: Record<string, (node: GraphNode) => number> = {
  Conv2D: () => 3,
  _FusedConv2D: () => 3,
  Conv3D: () => 4,
  Conv2DBackpropInput: () => 2, // filter [kh, kw, out, in]
  DepthwiseConv2dNative: () => 2, // [kh, kw, C, M]
  FusedDepthwiseConv2dNative: () => 2,
  MatMul: (n) => (n.attr?.transpose_b?.b ? 0 : 1),
  _FusedMatMul: (n) => (n.attr?.transpose_b?.b ? 0 : 1),
};

/**
 * What each weight of a GraphModel is, from the ops that read it: the filter
 * of a (fused) convolution or the matrix of a (fused) MatMul is a kernel with
 * its output-channel axis; a BiasAdd operand or a fused op's extra operands
 * (bias, BatchNorm offset) are biases (axis 0). Identity nodes between a
 * weight and its op are followed. Weights no known op reads are not listed.
 */
export function graphWeightRoles(nodes: GraphNode[]): Map<string, { op: string; role: 'kernel' | 'bias'; channelAxis: number }> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const source = (input: string) => {
    let name = input.replace(/^\^/, '').replace(/:\d+$/, '');
    for (let n = byName.get(name); n?.op === 'Identity' && n.input?.[0]; n = byName.get(name)) name = n.input[0].replace(/:\d+$/, '');
    return name;
  };
  const roles = new Map<string, { op: string; role: 'kernel' | 'bias'; channelAxis: number }>();
  for (const node of nodes) {
    const axis = GRAPH_KERNELS[node.op];
    const inputs = node.input ?? [];
    if (axis && inputs[1]) {
      roles.set(source(inputs[1]), { op: node.op, role: 'kernel', channelAxis: axis(node) });
      for (const extra of inputs.slice(2)) roles.set(source(extra), { op: node.op, role: 'bias', channelAxis: 0 });
    } else if (node.op === 'BiasAdd' && inputs[1]) roles.set(source(inputs[1]), { op: node.op, role: 'bias', channelAxis: 0 });
  }
  return roles;
}
