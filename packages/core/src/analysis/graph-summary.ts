/**
 * summary of a GraphModel: one row per op that reads weights (its kernel,
 * bias …), one row per other op type with its count. Output shapes come from
 * running the graph once on a zero input of the model's input shape (batch
 * 1); MACs per sample follow from them for convolutions, depthwise
 * convolutions and MatMuls. A graph that cannot run that way (several or
 * unknown-size inputs, control flow) gets empty shapes and 0 MACs.
 */
import * as tf from '@tensorflow/tfjs';
import type { SummaryLayer, SummaryReport } from '@whittle/report';
import { graphNodes } from '../io/graph.js';
import type { GraphNode } from '../models/weights.js';

const strip = (input: string) => input.replace(/^\^/, '').replace(/:\d+$/, '');
const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/**
 * Multiply-accumulates per sample of one op, from its output shape (batch
 * axis first) and its kernel's shape; 0 for ops without a weight product.
 */
export function graphOpMacs(node: GraphNode, out: number[], kernel: number[]): number {
  const perSample = prod(out.slice(1));
  switch (node.op) {
    case 'Conv2D':
    case '_FusedConv2D':
    case 'Conv3D':
      // each output element sums window × input channels: kernel [kh, kw, (kd,) in, out]
      return perSample * prod(kernel.slice(0, -1));
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2dNative':
      // kernel [kh, kw, C, M]: each output element sums one channel's window
      return perSample * kernel[0]! * kernel[1]!;
    case 'MatMul':
    case '_FusedMatMul':
      // kernel [in, units], or [units, in] with transpose_b
      return perSample * (node.attr?.transpose_b?.b ? kernel[1]! : kernel[0]!);
    default:
      return 0;
  }
}

/** Output shape of each named node, batch axis first, from one run on zeros; null if the graph cannot run that way. */
function nodeShapes(model: tf.GraphModel, names: string[]): Map<string, number[]> | null {
  if (model.inputs.length !== 1 || names.length === 0) return null;
  const input = model.inputs[0]!;
  const shape = (input.shape ?? []).map((d, i) => (i === 0 && d === -1 ? 1 : d));
  if (shape.length === 0 || shape.some((d) => !(d > 0))) return null;
  let outs: tf.Tensor[] = [];
  const x = tf.zeros(shape, input.dtype as tf.DataType);
  try {
    outs = model.execute(x, names) as tf.Tensor[];
    return new Map(names.map((n, i) => [n, outs[i]!.shape]));
  } catch {
    return null; // e.g. control flow (needs executeAsync) or a node the executor pruned
  } finally {
    tf.dispose([x, ...outs]);
  }
}

export function graphSummary(model: tf.GraphModel, name = 'graph-model'): SummaryReport {
  const weights = model.weights;
  const nodes = graphNodes(model);
  const byName = new Map(nodes.map((n) => [n.name, n]));
  // a weight reached through Identity nodes counts for the op that reads it
  const weightOf = (input: string): string | undefined => {
    let n = strip(input);
    for (let node = byName.get(n); node?.op === 'Identity' && node.input?.[0]; node = byName.get(n)) n = strip(node.input[0]);
    return weights[n] ? n : undefined;
  };
  const withWeights: { node: GraphNode; used: string[] }[] = [];
  const others = new Map<string, number>();
  for (const node of nodes) {
    if (node.op === 'Const' || node.op === 'Identity') continue;
    const used = (node.input ?? []).map(weightOf).filter((w): w is string => w !== undefined);
    if (used.length === 0) others.set(node.op, (others.get(node.op) ?? 0) + 1);
    else withWeights.push({ node, used });
  }
  const shapes = nodeShapes(
    model,
    withWeights.map((w) => w.node.name),
  );
  const layers: SummaryLayer[] = withWeights.map(({ node, used }) => {
    let params = 0;
    let nonzeros = 0;
    for (const w of used) {
      const v = weights[w]![0]!.dataSync();
      params += v.length;
      for (let i = 0; i < v.length; i++) if (v[i] !== 0) nonzeros++;
    }
    const out = shapes?.get(node.name);
    const kernel = node.input?.[1] !== undefined ? weightOf(node.input[1]) : undefined;
    return {
      name: node.name,
      type: node.op,
      outputShape: out ? [null, ...out.slice(1)] : [],
      params,
      nonzeros,
      sparsity: params ? 1 - nonzeros / params : 0,
      macs: out && kernel ? graphOpMacs(node, out, weights[kernel]![0]!.shape) : 0,
      bytes: params * 4,
    };
  });
  for (const [op, count] of others)
    layers.push({ name: `${op} ×${count}`, type: op, outputShape: [], params: 0, nonzeros: 0, sparsity: 0, macs: 0, bytes: 0 });
  const sum = (k: 'params' | 'nonzeros' | 'bytes' | 'macs') => layers.reduce((s, l) => s + l[k], 0);
  const params = sum('params');
  const nonzeros = sum('nonzeros');
  return {
    kind: 'summary',
    version: 1,
    model: name,
    layers,
    totals: { params, nonzeros, sparsity: params ? 1 - nonzeros / params : 0, macs: sum('macs'), bytes: sum('bytes') },
  };
}
