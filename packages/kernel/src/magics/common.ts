/**
 * What every compression magic does around its technique, written once: the
 * host flags (where data comes from, where results go), fine-tuning with a
 * progress line, accuracy before and after on the notebook's test set, `--save`.
 *
 * The test set is the magic's own `--test` (where it has one), else the one the
 * notebook declared (`%data --test test`), else the MNIST test split when the
 * model takes MNIST input; without one a compression magic reports no accuracy.
 * Every magic follows that one rule.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Command } from 'commander';
import {
  addCommandFlags,
  evaluate,
  fineTune,
  saveModel,
  type AnyModel,
  type CommandName,
  type Dataset,
  type FineTuneOptions,
  type SaveOptions,
  type TrainProgress,
} from '@whittle/core';
import type { Report } from '@whittle/report';
import { anyModelOperand, dataOperand, declaredData, isGraph, modelOperand } from './operands.js';
import { UsageError, type Magic, type MagicContext, type MagicResult } from './registry.js';

export const MODEL_TYPE = 'import("@tensorflow/tfjs").LayersModel';
export const GRAPH_TYPE = 'import("@tensorflow/tfjs").GraphModel';

/** A compression magic, declared as data: the parts that differ from one technique to the next. */
export interface CompressionMagicSpec {
  /** The magic's name; its CLI twin (whose declared flags it takes) has `-` for `_`. */
  name: string;
  example: string;
  summary: string;
  /** The positional model operand: [name, help]. Default: the model to compress. */
  operand?: [string, string];
  /** What the result is, for the help of --save and --as ('pruned model'). */
  what: string;
  /** This magic's own flags: the Dataset variables it reads. */
  data: (cmd: Command) => Command;
  run: (ctx: MagicContext, model: tf.LayersModel, opts: Record<string, unknown>) => Promise<MagicResult>;
  /** The same on a GraphModel (tfjs-converter output), for weight-level techniques; without it a GraphModel operand is an error. */
  graph?: (ctx: MagicContext, model: tf.GraphModel, opts: Record<string, unknown>) => Promise<MagicResult>;
}

/**
 * A compression magic: `%name <model>`, the technique flags core declares for its
 * CLI twin, its Dataset flags, then --save and --as; run gets the model operand.
 */
export function compressionMagic(spec: CompressionMagicSpec): Magic {
  const [operand, help] = spec.operand ?? [
    '<model>',
    spec.graph
      ? 'notebook variable holding a tfjs LayersModel (or a GraphModel: weight level)'
      : 'notebook variable holding a tfjs LayersModel',
  ];
  return {
    name: spec.name,
    kind: 'line',
    group: 'compression',
    example: spec.example,
    summary: spec.summary,
    define: (cmd) =>
      spec
        .data(addCommandFlags(cmd.argument(operand, help), spec.name.replace(/_/g, '-') as CommandName))
        .option('--save <dir>', `save the ${spec.what} here, atomically, in the format the compression implies (loadModel reads it)`)
        .option('--as <name>', `bind the ${spec.what} to this variable`),
    run: (ctx, [name], opts) => {
      const model = spec.graph ? anyModelOperand(ctx, name) : modelOperand(ctx, name);
      return isGraph(model) ? spec.graph!(ctx, model, opts) : spec.run(ctx, model, opts);
    },
  };
}

/** A progress callback for training-like work: a live line under the cell, and Ctrl-C stops it. */
export function trainProgress(ctx: MagicContext, label: string): (p: TrainProgress) => void {
  return (p) => {
    ctx.checkInterrupt();
    ctx.progress(`${label}: epoch ${p.epoch}/${p.epochs}, batch ${p.batch}/${p.batches}, loss ${p.loss.toFixed(4)}`);
  };
}

/**
 * How many epochs a magic trains for: `--epochs n`, or 1 when only the data flag
 * (`--fine-tune <data>`, `--qat <data>`) asks for training; 0 = no training.
 */
export function trainingEpochs(opts: Record<string, unknown>, dataFlag: string): number {
  return (opts.epochs as number | undefined) ?? (opts[dataFlag] !== undefined ? 1 : 0);
}

/**
 * Fine-tunes `compressed` when --fine-tune/--epochs ask for it (on --fine-tune's
 * Dataset, else the declared or MNIST train split), keeping masks or codebooks;
 * the untuned model is disposed. Returns the model to show, and the tuned codebooks.
 */
export async function fineTuned(
  ctx: MagicContext,
  opts: Record<string, unknown>,
  original: tf.LayersModel,
  compressed: tf.LayersModel,
  keep: Pick<FineTuneOptions, 'masks' | 'clusters' | 'learningRate'> = {},
  label = 'fine-tuning',
): Promise<{ model: tf.LayersModel; clusters?: FineTuneOptions['clusters'] }> {
  const epochs = trainingEpochs(opts, 'fineTune');
  if (epochs === 0) return { model: compressed, clusters: keep.clusters };
  const train = dataOperand(ctx, opts.fineTune as string | undefined, original, 'train');
  const tuned = await fineTune(compressed, train, { epochs, ...keep, onProgress: trainProgress(ctx, label) });
  compressed.dispose();
  return { model: tuned.model, clusters: tuned.clusters };
}

/** The notebook's test set for `model` (see the top of this file), or undefined. */
export function testSet(ctx: MagicContext, model: AnyModel, name?: string): Dataset | undefined {
  if (name !== undefined || declaredData.test !== undefined) return dataOperand(ctx, name, model, 'test');
  try {
    return dataOperand(ctx, undefined, model, 'test');
  } catch (err) {
    if (err instanceof UsageError) return undefined; // not MNIST-shaped, nothing declared
    throw err;
  }
}

/** Report kinds with an `accuracy: { before, after }` field (the others measure on the test set themselves). */
const WITH_ACCURACY: Report['kind'][] = ['sparsity', 'quantization', 'clustering', 'lowrank'];

/**
 * The end of every compression magic: accuracy before and after on the test set
 * (for reports that carry it), `--save`, and the result to display and bind.
 */
export async function finish(
  ctx: MagicContext,
  opts: Record<string, unknown>,
  original: AnyModel,
  result: { model: AnyModel; report: Report },
  save: SaveOptions = {},
): Promise<MagicResult> {
  const { model, report } = result;
  if (WITH_ACCURACY.includes(report.kind)) {
    const test = testSet(ctx, original, opts.test as string | undefined); // a magic's own --test, else the rule above
    const r = report as { accuracy?: unknown; notes?: string[] };
    if (test) r.accuracy = { before: evaluate(original, test).accuracy, after: evaluate(model, test).accuracy };
    else
      r.notes = [
        ...(r.notes ?? []),
        `accuracy not measured: no data for input [${((original.inputs[0]!.shape ?? []) as (number | null)[]).slice(1).join('×')}] (declare it with %data --test NAME)`,
      ];
  }
  let text: string | undefined;
  if (opts.save !== undefined) {
    const saved = await saveModel(model, String(opts.save), save);
    text = `saved to ${saved.dir} (${saved.bytes.toLocaleString('en-US')} bytes)`;
  }
  return { report, value: model, valueType: isGraph(model) ? GRAPH_TYPE : MODEL_TYPE, text };
}
