/**
 * `pruneInputs(model, data, options) → { model, report, kept }`: rank the
 * model's input features, keep the best, and return a model that takes only
 * those. With `steps > 1` this is recursive feature elimination: remove a
 * slice, retrain, re-rank the rest with the retrained model, repeat.
 */
import type * as tf from '@tensorflow/tfjs';
import { evaluate } from '../analysis/evaluate.js';
import type { Dataset } from '../data/dataset.js';
import { gather } from '../data/dataset.js';
import { permutation } from '../data/random.js';
import { fail } from '../errors.js';
import { checkModel } from '../models/check.js';
import { cloneModel } from '../models/clone.js';
import { fit } from '../train/fit.js';
import { CRITERIA, CRITERION_LABEL } from './criteria.js';
import { dropInputs, inputReader, selectFeatures } from './inputs.js';
import { normalize, type PruneInputsOptions } from './options.js';
import type { FeaturesReport } from '@whittle/report';

export interface PruneInputsResult {
  model: tf.LayersModel;
  report: FeaturesReport;
  /** Indices of the kept features in the original input, ascending; `selectFeatures(data, kept)` feeds the new model. */
  kept: number[];
}

/** Names of the features on the input's last axis, when the data has one per feature. */
const namesOf = (data: Dataset, features: number) => (data.featureNames?.length === features ? data.featureNames : undefined);

/** Rows × cols of a picture of the features: given, read from pixel names 'r3c5', or a square when unnamed. */
function imageOf(names: readonly string[] | undefined, features: number, given?: [number, number]): [number, number] | undefined {
  if (given) return given;
  if (names?.every((n) => /^r\d+c\d+$/.test(n))) {
    const [r, c] = names.at(-1)!.slice(1).split('c').map(Number) as [number, number];
    return (r + 1) * (c + 1) === features ? [r + 1, c + 1] : undefined;
  }
  const side = Math.round(Math.sqrt(features));
  return !names && side * side === features ? [side, side] : undefined;
}

/** Accuracy and loss of `model` on `data` restricted to `kept`. */
function measure(model: tf.LayersModel, data: Dataset, kept: number[]) {
  const projected = selectFeatures(data, kept);
  const { accuracy, loss } = evaluate(model, projected);
  projected.dispose();
  return { accuracy, loss };
}

export async function pruneInputs(model: tf.LayersModel, data: Dataset, options: PruneInputsOptions): Promise<PruneInputsResult> {
  checkModel('pruneInputs', model);
  const { features } = inputReader(model);
  const got = data?.x?.shape.slice(1).join('×');
  if (got !== model.inputs[0]!.shape.slice(1).join('×'))
    fail('pruneInputs', `data has samples of shape [${got}] but '${model.name}' takes [${model.inputs[0]!.shape.slice(1).join('×')}]`);
  const o = normalize(options, features);
  const validation = options.validation ?? data;
  const all = Array.from({ length: features }, (_, i) => i);
  // a seeded subset when the data has more samples than ranking needs; otherwise all of it, in order
  const subset = o.method !== 'weight' && o.samples < data.size;
  const rankingSet = subset ? gather(data, permutation(data.size, o.seed).subarray(0, o.samples)) : undefined;
  const rankingData = o.method === 'weight' ? undefined : (rankingSet ?? data);
  const lastScore = new Float64Array(features);
  const rounds: FeaturesReport['rounds'] = [{ round: 0, features, ...measure(model, validation, all) }];
  let current = cloneModel(model);
  let kept = all;
  try {
    for (let round = 1; round <= o.steps; round++) {
      options.onProgress?.({ round, rounds: o.steps, phase: 'rank' });
      const target = Math.round(features - ((features - o.count) * round) / o.steps);
      const sub = rankingData ? selectFeatures(rankingData, kept) : undefined;
      const scores = CRITERIA[o.method](current, sub!, o.seed + round);
      sub?.dispose();
      kept.forEach((f, i) => (lastScore[f] = scores[i]!));
      // best first; a stable sort keeps lower indices first among ties
      const local = kept.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
      const keepLocal = local.slice(0, target).sort((a, b) => a - b);
      const next = dropInputs(current, keepLocal);
      current.dispose();
      current = next;
      kept = keepLocal.map((i) => kept[i]!);
      if (o.epochs > 0) {
        const train = selectFeatures(data, kept);
        await fit(current, train, {
          epochs: o.epochs,
          seed: o.seed + round,
          batchSize: options.batchSize,
          learningRate: options.learningRate,
          onProgress: (p) => options.onProgress?.({ round, rounds: o.steps, phase: 'train', train: p }),
        }).finally(() => train.dispose());
      }
      rounds.push({ round, features: kept.length, ...measure(current, validation, kept) });
    }
  } catch (err) {
    current.dispose();
    throw err;
  } finally {
    rankingSet?.dispose();
  }
  const report = featuresReport(model, current, data, options, o.method, kept, lastScore, rounds);
  return { model: current, report, kept };
}

function featuresReport(
  before: tf.LayersModel,
  after: tf.LayersModel,
  data: Dataset,
  options: PruneInputsOptions,
  method: ReturnType<typeof normalize>['method'],
  kept: number[],
  scores: Float64Array,
  rounds: FeaturesReport['rounds'],
): FeaturesReport {
  const features = scores.length;
  const names = namesOf(data, features);
  const image = before.inputs[0]!.shape.length === 2 ? imageOf(names, features, options.image) : undefined;
  let mask: FeaturesReport['mask'] = null;
  if (image) {
    const values = new Array<number>(features).fill(0);
    for (const k of kept) values[k] = 1;
    mask = { rows: image[0], cols: image[1], values };
  }
  const top = [...kept]
    .sort((a, b) => scores[b]! - scores[a]!)
    .slice(0, 30)
    .map((index) => ({ index, name: names?.[index] ?? null, score: scores[index]! }));
  const steps = rounds.length - 1;
  return {
    kind: 'features',
    version: 1,
    title: `${method} input pruning of ${before.name}: ${kept.length} of ${features} features kept${steps > 1 ? ` (RFE, ${steps} rounds)` : ''}`,
    model: before.name,
    method,
    criterion: CRITERION_LABEL[method],
    featuresBefore: features,
    featuresAfter: kept.length,
    paramsBefore: before.countParams(),
    paramsAfter: after.countParams(),
    kept,
    mask,
    top,
    rounds,
    evaluatedOn: options.validation ? 'validation data' : 'training data',
  };
}
