/**
 * summary of a GraphModel: one row per op that reads weights (its kernel,
 * bias …), one row per other op type with its count. Output shapes and MACs
 * are not known without running the graph, so they are left empty / 0.
 */
import type * as tf from '@tensorflow/tfjs';
import type { SummaryLayer, SummaryReport } from '@whittle/report';
import { graphNodes } from '../io/graph.js';

const strip = (input: string) => input.replace(/^\^/, '').replace(/:\d+$/, '');

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
  const layers: SummaryLayer[] = [];
  const others = new Map<string, number>();
  for (const node of nodes) {
    if (node.op === 'Const' || node.op === 'Identity') continue;
    const used = (node.input ?? []).map(weightOf).filter((w): w is string => w !== undefined);
    if (used.length === 0) {
      others.set(node.op, (others.get(node.op) ?? 0) + 1);
      continue;
    }
    let params = 0;
    let nonzeros = 0;
    for (const w of used) {
      const v = weights[w]![0]!.dataSync();
      params += v.length;
      for (let i = 0; i < v.length; i++) if (v[i] !== 0) nonzeros++;
    }
    layers.push({
      name: node.name,
      type: node.op,
      outputShape: [],
      params,
      nonzeros,
      sparsity: params ? 1 - nonzeros / params : 0,
      macs: 0,
      bytes: params * 4,
    });
  }
  for (const [op, count] of others)
    layers.push({ name: `${op} ×${count}`, type: op, outputShape: [], params: 0, nonzeros: 0, sparsity: 0, macs: 0, bytes: 0 });
  const sum = (k: 'params' | 'nonzeros' | 'bytes') => layers.reduce((s, l) => s + l[k], 0);
  const params = sum('params');
  const nonzeros = sum('nonzeros');
  return {
    kind: 'summary',
    version: 1,
    model: name,
    layers,
    totals: { params, nonzeros, sparsity: params ? 1 - nonzeros / params : 0, macs: 0, bytes: sum('bytes') },
  };
}
