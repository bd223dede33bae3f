/**
 * Weight quantization of a GraphModel: every kernel the graph's ops read
 * (convolution filters, MatMul matrices) gets `quantize`'s own per-channel
 * quantizer along its output-channel axis; biases stay float32. Activation
 * quantization and equalization change the graph and need a LayersModel.
 */
import type * as tf from '@tensorflow/tfjs';
import type { QuantizationLayer, QuantizationReport } from '@whittle/report';
import { fail, show } from '../errors.js';
import { CLIPS } from './affine.js';
import { graphWeights, withGraphWeights } from '../io/graph.js';
import { matches } from '../prune/targets.js';
import { checkBits, DEFAULT_WEIGHT_QUANTIZATION, quantizeKernel, type WeightQuantization } from './kernel.js';
import { layerRow } from './metrics.js';
import { bytesBeforeAfter, quantizedFormat, type QuantizeModelOptions } from './ptq.js';
import { setStorageFormat } from '../io/storage.js';

export async function quantizeGraph(
  model: tf.GraphModel,
  options: QuantizeModelOptions = {},
): Promise<{ model: tf.GraphModel; report: QuantizationReport }> {
  for (const key of ['activations', 'equalize'] as const)
    if (options[key])
      fail(
        'quantize',
        `${key === 'activations' ? 'activation quantization' : 'equalization'} changes layers and needs a LayersModel; this is a GraphModel (tfjs-converter output): quantize its weights only`,
      );
  const w: Required<WeightQuantization> = { ...DEFAULT_WEIGHT_QUANTIZATION, ...options.weights };
  checkBits(w.bits);
  if (!CLIPS.includes(w.clip)) fail('quantize', `weights.clip must be one of ${CLIPS.join(', ')}, got '${show(w.clip)}'`);
  const kernels = graphWeights(model).filter((g) => g.role === 'kernel');
  for (const [pattern, bits] of Object.entries(options.perLayer ?? {})) {
    if (!kernels.some((g) => matches(g.name, [pattern])))
      fail('quantize', `perLayer names '${pattern}', which matches no kernel of the graph`);
    checkBits(bits);
  }
  const replace = new Map<string, Float32Array>();
  const rows: QuantizationLayer[] = [];
  for (const g of kernels) {
    if (matches(g.name, options.skip ?? [])) continue;
    const bits = Object.entries(options.perLayer ?? {}).find(([p]) => matches(g.name, [p]))?.[1] ?? w.bits;
    const q = quantizeKernel(g.values, g.shape, g.channelAxis!, bits, w, g.name);
    replace.set(g.name, q.values);
    rows.push(
      layerRow({
        name: g.name,
        bits: typeof bits === 'number' ? bits : bits === 'float16' ? 16 : 2,
        scheme: q.scheme,
        perChannel: w.perChannel,
        scales: q.scales,
        original: g.values,
        quantized: q.values,
      }),
    );
  }
  const out = await withGraphWeights(model, replace);
  // the packed format keys bits by the weight name's prefix (its "layer")
  const layerOf = (name: string) => name.slice(0, Math.max(0, name.lastIndexOf('/')));
  const format = quantizedFormat(
    rows.map((r) => ({ ...r, name: layerOf(r.name) })),
    kernels.map((g) => layerOf(g.name)),
  );
  return {
    model: setStorageFormat(out, format),
    report: {
      kind: 'quantization',
      version: 1,
      title: `${typeof w.bits === 'number' ? `${w.bits}-bit` : w.bits} weight quantization of a graph model`,
      weights: {
        bits: typeof w.bits === 'number' ? w.bits : w.bits === 'float16' ? 16 : 2,
        scheme: w.scheme,
        perChannel: w.perChannel,
        scale: w.scale,
      },
      activations: null,
      layers: rows,
      bytes: await bytesBeforeAfter(model, out),
    },
  };
}
