/**
 * A compressed model carries its storage format.
 *
 * A quantized or pruned model computes with float32 tensors (tfjs has no
 * other), so its bytes in memory say nothing about its size on disk. The
 * operation that compressed it therefore records *how it is meant to be
 * stored*: the `SaveOptions` (packed bits per layer, deep codebooks, sparse
 * streams, float16…) that `saveModel` writes it with. The record lives in a
 * WeakMap keyed by the model object — tfjs models have no metadata slot that
 * survives cloning, and a WeakMap neither leaks models nor changes what tfjs
 * serializes. Each operation sets the format on the model it returns (it is a
 * new object, so the input's record is never touched); an operation that
 * keeps the compression (fine-tuning with masks or clusters) passes the
 * format on, and one that undoes it (plain fine-tuning, factorizing) returns
 * a model without one, i.e. float32.
 *
 * `saveModel(model, dir)` without a `quantization` option uses the record;
 * `summary`, `compare` and `storageBytes` encode the model with the same
 * encoder the save uses (io/save.ts `encodeModel`) and count those bytes.
 */
import type { DeepMetadata } from '@whittle/loader';
import type { Clusters } from '../cluster/cluster.js';
import type { PackedMetadata } from '../quantize/packed.js';
import type { ModelJson } from './artifacts.js';
import type { SaveOptions } from './save.js';

/** How a model is meant to be stored: the `saveModel` options that write it. */
export type StorageFormat = SaveOptions;

const formats = new WeakMap<object, StorageFormat>();

/** Records `format` as the way `model` is stored (no format, or `{}`, clears it); returns the model. */
export function setStorageFormat<M extends object>(model: M, format: StorageFormat | undefined): M {
  if (!format || format.quantization === undefined || format.quantization === 'float32') formats.delete(model);
  else formats.set(model, format);
  return model;
}

/** The storage format an operation recorded for `model`, or undefined (plain float32). */
export function storageFormat(model: object): StorageFormat | undefined {
  return formats.get(model);
}

/** Passes `from`'s format on to `to` (an operation that keeps the compression), and returns `to`. */
export function keepStorageFormat<M extends object>(from: object, to: M): M {
  return setStorageFormat(to, formats.get(from));
}

/** The options a save of `model` uses: explicit ones win; without a `quantization`, the carried format fills in. */
export function effectiveSaveOptions(model: object, options: SaveOptions = {}): SaveOptions {
  if (options.quantization !== undefined) return options;
  const carried = formats.get(model);
  if (!carried) return options;
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return { ...carried, ...given, quantization: carried.quantization };
}

/** One line saying how a model is stored, for report notes: "packed 4-bit per channel", "float32". */
export function describeStorage(format: StorageFormat | undefined): string {
  switch (format?.quantization) {
    case undefined:
    case 'float32':
      return 'float32';
    case 'packed': {
      const bits = format.bits ?? 4;
      if (typeof bits === 'number') return `packed ${bits}-bit per channel`;
      const widths = [...new Set(Object.values(bits).filter((b) => b < 32))].sort((a, b) => a - b);
      return `packed ${widths.join('/')}-bit per channel (per layer)`;
    }
    case 'deep':
      return `deep (codebooks, sparse indices, Huffman${format.unclustered === 'float16' ? ', float16 biases' : ''})`;
    case 'sparse':
      return 'sparse (nonzeros and relative indices, Huffman)';
    default:
      return `${format?.quantization} (stock tfjs)`;
  }
}

/**
 * The format a saved folder was written in, read back from its model.json, so
 * that a loaded model carries it too (saving it again keeps its size).
 */
export function formatOfFile(json: ModelJson): StorageFormat | undefined {
  const meta = json.userDefinedMetadata ?? {};
  const entries = json.weightsManifest.flatMap((g) => g.weights);
  const layerOf = (name: string) => name.slice(0, Math.max(0, name.lastIndexOf('/')));
  const packed = meta.whittlePacked as PackedMetadata | undefined;
  if (packed?.weights) {
    const bits = Object.fromEntries(Object.entries(packed.weights).map(([name, e]) => [layerOf(name), e.bits]));
    return { quantization: 'packed', bits };
  }
  const deep = meta.whittleDeep as DeepMetadata | undefined;
  if (deep?.weights) {
    // the save re-derives codebooks from the weights; it needs each kernel's layout only
    const clusters: Clusters = Object.fromEntries(
      Object.values(deep.weights).map((w) => [
        w.layer,
        { layer: w.layer, shape: w.shape, k: w.k, groups: w.groups, codebooks: new Float32Array(0), indices: new Int32Array(0) },
      ]),
    );
    const float16 = entries.some((e) => !(e.name in deep.weights) && e.quantization?.dtype === 'float16');
    return { quantization: 'deep', clusters, ...(float16 ? { unclustered: 'float16' as const } : {}) };
  }
  // stock encodings are carried only from Whittle's own saves: a converter's uint8 model loads as float32, as before
  const stock =
    json.convertedBy === 'Whittle' ? entries.find((e) => e.quantization && e.shape.length >= 2)?.quantization?.dtype : undefined;
  if (stock === 'uint8' || stock === 'uint16' || stock === 'float16')
    return { quantization: stock, ...(entries.some((e) => e.quantization && e.shape.length < 2) ? { vectors: true } : {}) };
  return undefined;
}
