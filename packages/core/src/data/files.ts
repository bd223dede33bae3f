/**
 * Your own data from files, shaped for a model's input:
 * - a folder of images in class sub-folders (`cats/1.png`, `dogs/7.jpg`; PNG
 *   and JPEG, decoded by pngjs / jpeg-js, pure JS). Sub-folders named by
 *   integers are those classes; otherwise classes are the sorted names.
 *   Pixels map from 0…255 to `pixelRange` (default [0, 1]); one channel =
 *   luminance, three = RGB. Images of another size are resized to the
 *   model's (`resize`: bilinear by default, or nearest; 'none' makes a size
 *   other than the model's an error naming the file).
 * - `x.npy` with labels in `y.npy` beside it, or `NAME.npy` with `NAME.labels.npy`
 *   (integer classes, or one-hot rows).
 * - a JSON file `{ "x": [...], "labels": [...] }` (x nested, or flat with `"shape"`).
 * Every problem is a one-line error naming the file.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { fail } from '../errors.js';
import { makeDataset, type Dataset } from './dataset.js';
import { parseNpy } from './npy.js';

export interface LoadDataOptions {
  /** The model's input shape without the batch axis, e.g. [224, 224, 3]. */
  inputShape: number[];
  /** Number of classes (the model's output units); labels must be below it. */
  classes: number;
  /** Images: the range pixel values 0…255 map to. Default [0, 1]. */
  pixelRange?: [number, number];
  /** Name of the model, for messages. */
  model?: string;
  /** Images of another size than the model's: 'bilinear' (default) or 'nearest' resizing (half-pixel centres, as TF2 and PIL), or 'none' (an error). */
  resize?: 'bilinear' | 'nearest' | 'none';
}

const IMAGE = new Set(['.png', '.jpg', '.jpeg']);
const shapeText = (s: number[]) => `[${s.join('×')}]`;
const who = (o: LoadDataOptions) => (o.model ? `model '${o.model}'` : 'the model');

function decodeImage(file: string): { width: number; height: number; rgba: Uint8Array } {
  const bytes = readFileSync(file);
  try {
    if (extname(file).toLowerCase() === '.png') {
      const png = PNG.sync.read(bytes);
      return { width: png.width, height: png.height, rgba: png.data };
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
    return { width: img.width, height: img.height, rgba: img.data };
  } catch (err) {
    return fail('data', `${file} is not a readable image (${(err as Error).message.split('\n')[0]})`);
  }
}

/** An image's pixels as height×width×channels values mapped from 0…255 to [lo, hi] (one channel: luminance). */
function toChannels(img: { width: number; height: number; rgba: Uint8Array }, channels: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(img.width * img.height * channels);
  for (let p = 0; p < img.width * img.height; p++) {
    const [r, g, b] = [img.rgba[4 * p]!, img.rgba[4 * p + 1]!, img.rgba[4 * p + 2]!];
    if (channels === 1) out[p] = lo + ((hi - lo) * (0.299 * r + 0.587 * g + 0.114 * b)) / 255;
    else for (const [k, v] of [r, g, b].entries()) out[3 * p + k] = lo + ((hi - lo) * v) / 255;
  }
  return out;
}

/** tfjs's resizeBilinear / resizeNearestNeighbor with half-pixel centres (TF2's tf.image.resize, PIL). */
function resized(
  values: Float32Array,
  img: { width: number; height: number },
  size: [number, number],
  channels: number,
  mode: 'bilinear' | 'nearest',
): Float32Array {
  return tf.tidy(() => {
    const t = tf.tensor3d(values, [img.height, img.width, channels]);
    const r = mode === 'nearest' ? tf.image.resizeNearestNeighbor(t, size, false, true) : tf.image.resizeBilinear(t, size, false, true);
    return r.dataSync() as Float32Array;
  });
}

function imageFolder(dir: string, o: LoadDataOptions): { x: Float32Array; labels: number[] } {
  const [height, width, channels] = o.inputShape;
  if (o.inputShape.length !== 3 || (channels !== 1 && channels !== 3))
    fail('data', `${dir} holds images but ${who(o)} takes ${shapeText(o.inputShape)}, not [height×width×1 or 3]`);
  const folders = readdirSync(dir)
    .filter((f) => !f.startsWith('.') && statSync(join(dir, f)).isDirectory())
    .sort();
  if (folders.length === 0) fail('data', `${dir} has no class sub-folders (no labels); put each class's images in a folder named after it`);
  const numbered = folders.every((f) => /^\d+$/.test(f));
  const [lo, hi] = o.pixelRange ?? [0, 1];
  const resize = o.resize ?? 'bilinear';
  if (!['bilinear', 'nearest', 'none'].includes(resize))
    fail('data', `resize must be 'bilinear', 'nearest' or 'none', got '${String(resize)}'`);
  const chunks: Float32Array[] = [];
  const labels: number[] = [];
  folders.forEach((folder, index) => {
    const label = numbered ? Number(folder) : index;
    const files = readdirSync(join(dir, folder))
      .filter((f) => !f.startsWith('.'))
      .sort();
    for (const name of files) {
      const file = join(dir, folder, name);
      if (!IMAGE.has(extname(name).toLowerCase())) fail('data', `${file} is not a .png or .jpg image`);
      const img = decodeImage(file);
      if ((img.width !== width || img.height !== height) && resize === 'none')
        fail('data', `${file} is ${img.width}×${img.height} but ${who(o)} takes ${width}×${height} images; resize it`);
      const values = toChannels(img, channels!, lo, hi);
      chunks.push(
        img.width === width && img.height === height
          ? values
          : resized(values, img, [height!, width!], channels!, resize as 'bilinear' | 'nearest'),
      );
      labels.push(label);
    }
  });
  const x = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((at, c) => (x.set(c, at), at + c.length), 0);
  return { x, labels };
}

function labelsFromArray(values: Float32Array, shape: number[], n: number, file: string): number[] {
  if (shape[0] !== n) fail('data', `${file} has ${shape[0]} labels for ${n} samples`);
  if (shape.length === 1) return Array.from(values);
  const width = shape.slice(1).reduce((a, b) => a * b, 1); // one-hot rows: the argmax
  return Array.from({ length: n }, (_, i) => {
    const row = values.subarray(i * width, (i + 1) * width);
    return row.indexOf(Math.max(...row));
  });
}

function npyFiles(file: string): { x: Float32Array; shape: number[]; labels: number[] } {
  const { values, shape } = parseNpy(readFileSync(file), file);
  const stem = basename(file, '.npy');
  const labelFile = join(dirname(file), stem === 'x' ? 'y.npy' : `${stem}.labels.npy`);
  if (!existsSync(labelFile)) fail('data', `${file} has no labels: put one class per sample in ${labelFile}`);
  const y = parseNpy(readFileSync(labelFile), labelFile);
  return { x: values, shape: shape.slice(1), labels: labelsFromArray(y.values, y.shape, shape[0]!, labelFile) };
}

function jsonFile(file: string): { x: Float32Array; shape: number[]; labels: number[] } {
  let parsed: { x?: unknown; shape?: number[]; labels?: unknown };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return fail('data', `${file} is not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(parsed.x)) fail('data', `${file} has no "x" array of samples`);
  if (!Array.isArray(parsed.labels)) fail('data', `${file} has no "labels" array (one class per sample)`);
  const labels = (parsed.labels as unknown[]).map((l) => (Array.isArray(l) ? l.indexOf(Math.max(...(l as number[]))) : Number(l)));
  const n = labels.length;
  const shape = parsed.shape ?? nestedShape(parsed.x).slice(1);
  const x = Float32Array.from((parsed.x as unknown[]).flat(Infinity) as number[]);
  if (x.length !== n * shape.reduce((a, b) => a * b, 1))
    fail('data', `${file}: "x" holds ${x.length} numbers, not ${n} samples of ${shapeText(shape)}`);
  return { x, shape, labels };
}

function nestedShape(v: unknown): number[] {
  const shape: number[] = [];
  for (let a = v; Array.isArray(a); a = a[0]) shape.push(a.length);
  return shape;
}

/** Loads `path` as a labelled Dataset shaped for the model; see the module comment for the formats. */
export function loadData(path: string, o: LoadDataOptions): Dataset {
  if (!existsSync(path)) fail('data', `${path} does not exist`);
  let x: Float32Array;
  let shape = o.inputShape;
  let labels: number[];
  if (statSync(path).isDirectory()) ({ x, labels } = imageFolder(path, o));
  else if (path.endsWith('.npy')) ({ x, shape, labels } = npyFiles(path));
  else if (path.endsWith('.json')) ({ x, shape, labels } = jsonFile(path));
  else return fail('data', `${path}: expected a folder of class sub-folders of images, a .npy or a .json file`);
  if (shapeText(shape) !== shapeText(o.inputShape))
    fail('data', `${path} has samples of shape ${shapeText(shape)} but ${who(o)} takes ${shapeText(o.inputShape)}`);
  const bad = labels.findIndex((l) => !Number.isInteger(l) || l < 0 || l >= o.classes);
  if (bad >= 0) fail('data', `${path}: label ${labels[bad]} of sample ${bad} is not a class of ${who(o)} (0…${o.classes - 1})`);
  if (labels.length === 0) fail('data', `${path} holds no samples`);
  const n = labels.length;
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), o.classes).toFloat() as tf.Tensor2D);
  return makeDataset(tf.tensor(x, [n, ...shape]), ys, Int32Array.from(labels));
}
