import * as tf from '@tensorflow/tfjs';
import { checkModel } from '../models/check.js';
import { kernelOf } from '../models/weights.js';
import { isGraphModel, type AnyModel } from '../io/graph.js';
import { graphSummary } from './graph-summary.js';
import type { SummaryLayer, SummaryReport } from '@whittle/report';

type Shape = (number | null)[];
const prod = (s: readonly (number | null)[]) => s.reduce<number>((a, b) => a * (b ?? 1), 1);

function outputShapeOf(layer: tf.layers.Layer): Shape {
  const s = layer.outputShape as Shape | Shape[];
  return (Array.isArray(s[0]) ? s[0] : s) as Shape;
}

/** Multiply-accumulates per sample: the work a layer's weights do. */
export function layerMacs(layer: tf.layers.Layer): number {
  const out = outputShapeOf(layer).slice(1);
  const kernel = kernelOf(layer)?.shape ?? [];
  switch (layer.getClassName()) {
    case 'Dense': {
      const [inputs, units] = kernel as [number, number];
      return (prod(out) / units) * inputs * units;
    }
    case 'Conv1D':
    case 'Conv2D':
    case 'Conv3D':
      // every output element sums kernel-window × input-channel products
      return prod(out) * prod(kernel.slice(0, -1));
    case 'DepthwiseConv2D': {
      const [kh, kw] = kernel as [number, number];
      return prod(out) * kh * kw;
    }
    case 'SeparableConv2D': {
      // weights are [depthwise_kernel, pointwise_kernel, bias]; kernelOf gives the pointwise one
      const [kh, kw, ci, m] = layer.weights[0]!.shape as [number, number, number, number];
      const spatial = prod(out.slice(0, -1));
      return spatial * ci * m * kh * kw + prod(out) * ci * m;
    }
    case 'BatchNormalization':
      return prod(out); // one multiply-add (scale and shift) per element at inference
    default:
      return 0;
  }
}

function countNonzeros(values: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) n++;
  return n;
}

/**
 * Per-layer parameters, nonzeros, sparsity, MACs per sample and fp32 bytes.
 * Bytes here are params × 4; the bytes a save actually writes come from
 * `modelBytes` (io).
 */
export function summary(model: AnyModel): SummaryReport {
  if (isGraphModel(model)) return graphSummary(model);
  checkModel('summary', model);
  const layers: SummaryLayer[] = model.layers
    .filter((l) => l.getClassName() !== 'InputLayer')
    .map((layer) => {
      const params = layer.countParams();
      const nonzeros = layer.getWeights().reduce((n, w) => n + countNonzeros(w.dataSync()), 0);
      return {
        name: layer.name,
        type: layer.getClassName(),
        outputShape: outputShapeOf(layer),
        params,
        nonzeros,
        sparsity: params === 0 ? 0 : 1 - nonzeros / params,
        macs: layerMacs(layer),
        bytes: params * 4,
      };
    });
  const sum = (k: 'params' | 'nonzeros' | 'macs' | 'bytes') => layers.reduce((s, l) => s + l[k], 0);
  const params = sum('params');
  const nonzeros = sum('nonzeros');
  return {
    kind: 'summary',
    version: 1,
    model: model.name,
    layers,
    totals: { params, nonzeros, sparsity: params === 0 ? 0 : 1 - nonzeros / params, macs: sum('macs'), bytes: sum('bytes') },
  };
}
