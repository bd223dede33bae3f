/** Resolving magic operands from notebook variables, with IPython-style errors. */
import type * as tf from '@tensorflow/tfjs';
import { mnist, type Dataset } from '@whittle/core';
import { MagicTypeError, UsageError, type MagicContext } from './registry.js';

/** Duck-typed: a notebook may load its own copy of tfjs, so instanceof would be unreliable. */
export function isModel(v: unknown): v is tf.LayersModel {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as tf.LayersModel).predict === 'function' &&
    Array.isArray((v as tf.LayersModel).layers)
  );
}

export function modelOperand(ctx: MagicContext, name: string | undefined): tf.LayersModel {
  if (!name) throw new UsageError('a model variable is required');
  const v = ctx.lookup(name);
  if (!isModel(v))
    throw new MagicTypeError(
      `'${name}' is ${v === null ? 'null' : typeof v === 'object' ? `a ${v.constructor?.name ?? 'object'}` : `a ${typeof v}`}, not a tfjs LayersModel`,
    );
  return v;
}

export function isDataset(v: unknown): v is Dataset {
  return typeof v === 'object' && v !== null && 'x' in v && 'y' in v && 'labels' in v;
}

const owned: Dataset[] = [];

/** The notebook's declared data (`%data --test test --train train`): what magics use when no data flag is given. */
export const declaredData: { train?: string; test?: string } = {};

/** A Dataset variable, or (when no name is given) the declared split, else the MNIST split shaped for `model`. */
export function dataOperand(ctx: MagicContext, name: string | undefined, model: tf.LayersModel, split: 'train' | 'test' = 'test'): Dataset {
  name ??= declaredData[split];
  if (name) {
    const v = ctx.lookup(name);
    if (!isDataset(v)) throw new MagicTypeError(`'${name}' is not a Whittle Dataset ({ x, y, labels }); use mnist() to make one`);
    return v;
  }
  const shape = model.inputs[0]!.shape.slice(1).join('×');
  const layout = shape === '784' ? 'flat' : shape === '28×28×1' ? 'image' : undefined;
  if (!layout) throw new UsageError(`model '${model.name}' does not take MNIST input; pass --data`);
  const cached = owned.find((d) => d.x.shape.slice(1).join('×') === shape && (d as Dataset & { split?: string }).split === split);
  if (cached) return cached;
  const splits = mnist({ layout });
  const keep = Object.assign(splits[split], { split });
  splits[split === 'train' ? 'test' : 'train'].dispose();
  owned.push(keep);
  return keep;
}
