/**
 * LeNet-5 (Whittle's pretrained reference) saved by @whittle/core in each
 * format the deploy page loads, plus 200 stratified test digits.
 */
import { cluster, fineTune, lenet5, mnist, mnistArrays, prune, saveModel, type SavedModel } from '@whittle/core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FORMAT_NAMES = ['fp32', 'uint8', 'packed-4bit', 'deep'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

export interface DeployOptions {
  /** Deep: global magnitude sparsity before clustering. Default 0.92. */
  sparsity?: number;
  /** Deep: centroids per kernel. Default 8. */
  clusters?: number;
  /** Deep: fine-tuning epochs (with masks) after pruning, on `trainSamples` digits. Default 1. */
  epochs?: number;
  /** Default: the whole train split (7,996 digits). */
  trainSamples?: number;
}

/** Writes `dir/<format>/` for every format; returns what saveModel reported. */
export async function writeModels(dir: string, options: DeployOptions = {}): Promise<Record<FormatName, SavedModel>> {
  const { sparsity = 0.92, clusters = 8, epochs = 1, trainSamples } = options;
  const base = lenet5({ pretrained: true });
  const out = {} as Record<FormatName, SavedModel>;
  out.fp32 = await saveModel(base, join(dir, 'fp32'));
  out.uint8 = await saveModel(base, join(dir, 'uint8'), { quantization: 'uint8' });
  out['packed-4bit'] = await saveModel(base, join(dir, 'packed-4bit'), { quantization: 'packed', bits: 4 });
  // Deep Compression, short: prune → fine-tune with masks → k-means → codebooks + sparse indices + Huffman
  const pruned = prune(base, { sparsity, scope: 'global', includeOutput: true });
  let tuned = pruned.model;
  if (epochs > 0) {
    const { train } = mnist({ layout: 'image', limit: trainSamples });
    tuned = (await fineTune(pruned.model, train, { masks: pruned.masks, epochs, batchSize: 64 })).model;
    train.dispose();
    pruned.model.dispose();
  }
  const shared = cluster(tuned, { clusters });
  out.deep = await saveModel(shared.model, join(dir, 'deep'), {
    quantization: 'deep',
    clusters: shared.assignments,
    unclustered: 'float16',
  });
  for (const m of [base, tuned, shared.model]) m.dispose();
  return out;
}

/** `perClass` test digits of each class (the first in file order), as float32 pixels + labels. */
export function stratifiedDigits(perClass = 20): { pixels: Float32Array; labels: number[] } {
  const { test } = mnistArrays();
  const rows: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    let taken = 0;
    for (let i = 0; i < test.labels.length && taken < perClass; i++)
      if (test.labels[i] === digit) {
        rows.push(i);
        taken++;
      }
  }
  const pixels = new Float32Array(rows.length * 784);
  rows.forEach((r, j) => pixels.set(test.x.subarray(r * 784, (r + 1) * 784), j * 784));
  return { pixels, labels: rows.map((r) => test.labels[r]!) };
}

/** Writes the digits as digits.bin (float32) and returns their labels. */
export function writeDigits(dir: string, perClass = 20): number[] {
  const { pixels, labels } = stratifiedDigits(perClass);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'digits.bin'), new Uint8Array(pixels.buffer));
  return labels;
}
