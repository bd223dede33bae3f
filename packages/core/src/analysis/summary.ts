import * as tf from '@tensorflow/tfjs';
import { checkModel, countNonFinite } from '../models/check.js';
import { kernelOf } from '../models/weights.js';
import { isGraphModel, type AnyModel } from '../io/graph.js';
import { graphSummary } from './graph-summary.js';
import { encodedSize, encodeModel } from '../io/save.js';
import { entryBytes } from '../io/artifacts.js';
import { describeStorage, effectiveSaveOptions, storageFormat } from '../io/storage.js';
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
 * Per-layer parameters, nonzeros, sparsity, MACs per sample, bytes and
 * non-finite (NaN / ±Infinity) weights, which other operations reject.
 * Bytes are what `saveModel(model, dir)` writes: the model is encoded in the
 * storage format it carries (io/storage.ts; float32 if none) by the save's own
 * encoder. A layer's bytes are its weights' share of weights.bin; the total is
 * the whole folder (model.json included).
 */
export function summary(model: AnyModel): SummaryReport {
  if (isGraphModel(model)) return graphSummary(model);
  checkModel('summary', model);
  const format = storageFormat(model);
  const encoded = encodeModel(model, effectiveSaveOptions(model), 'summary');
  const stored = new Map(encoded.json.weightsManifest.flatMap((g) => g.weights).map((e) => [e.name, entryBytes(e)]));
  const layers: SummaryLayer[] = model.layers
    .filter((l) => l.getClassName() !== 'InputLayer')
    .map((layer) => {
      const params = layer.countParams();
      const values = layer.getWeights().map((w) => w.dataSync());
      const nonzeros = values.reduce((n, v) => n + countNonzeros(v), 0);
      const nonFinite = values.reduce((n, v) => {
        const c = countNonFinite(v);
        return n + c.nan + c.inf;
      }, 0);
      const bytes = layer.weights.reduce((n, w) => n + (stored.get(w.originalName) ?? 0), 0);
      return {
        name: layer.name,
        type: layer.getClassName(),
        outputShape: outputShapeOf(layer),
        params,
        nonzeros,
        sparsity: params === 0 ? 0 : 1 - nonzeros / params,
        macs: layerMacs(layer),
        bytes,
        ...(format && params > 0 ? { bits: (bytes * 8) / params } : {}),
        nonFinite,
      };
    });
  const sum = (k: 'params' | 'nonzeros' | 'macs' | 'nonFinite') => layers.reduce((s, l) => s + (l[k] ?? 0), 0);
  const params = sum('params');
  const nonzeros = sum('nonzeros');
  return {
    kind: 'summary',
    version: 1,
    model: model.name,
    storage: describeStorage(format),
    layers,
    totals: {
      params,
      nonzeros,
      sparsity: params === 0 ? 0 : 1 - nonzeros / params,
      macs: sum('macs'),
      bytes: encodedSize(encoded),
      nonFinite: sum('nonFinite'),
    },
  };
}
