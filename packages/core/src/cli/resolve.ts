import { existsSync } from 'node:fs';
import { fail } from '../errors.js';
import { isReferenceName, referenceModel, REFERENCE_NAMES } from '../models/reference.js';
import { loadModel } from '../io/load.js';
import { mnist } from '../data/mnist.js';
import { spam } from '../data/spam.js';
import { SPAM_MLP, spamMlp } from '../models/spam-mlp.js';
import type { Dataset, Layout } from '../data/dataset.js';
import { loadData } from '../data/files.js';
import { modelName, needLayers, type AnyModel } from '../io/graph.js';
import type * as tf from '@tensorflow/tfjs';

/** The models shipped with their weights that `<model>` can name: the MNIST reference models and spam-mlp (SpamAssassin). */
export const MODEL_NAMES: readonly string[] = [...REFERENCE_NAMES, 'spam-mlp'];

/** `<model>` on the command line: a shipped model's name (pretrained) or a path to model.json / its folder. */
export async function resolveModel(spec: string): Promise<AnyModel> {
  if (isReferenceName(spec)) return referenceModel(spec, { pretrained: true });
  if (spec === 'spam-mlp') return spamMlp({ pretrained: true });
  if (existsSync(spec)) return loadModel(spec);
  return fail('whittle', `'${spec}' is neither a file nor a shipped model (${MODEL_NAMES.join(', ')})`);
}

/** spam-mlp (by name and input), whose default data is the SpamAssassin corpus rather than MNIST. */
const isSpamMlp = (model: AnyModel) => modelName(model) === 'spam-mlp' && inputShape(model).join('×') === String(SPAM_MLP.words);
const spamSplits = () => spam({ words: SPAM_MLP.words });

const inputShape = (model: AnyModel) => (model.inputs[0]!.shape ?? []).slice(1) as number[];
const outputUnits = (model: AnyModel) => (model.outputs[0]!.shape ?? []).at(-1) ?? 1;

/** resolveModel for operations that change layers: a one-line error for a GraphModel. */
export async function resolveLayersModel(spec: string, where: string, what: string): Promise<tf.LayersModel> {
  const model = await resolveModel(spec);
  needLayers(where, model, what);
  return model;
}

/** The MNIST layout a model's input takes, or null if it takes neither. */
export function mnistLayout(model: AnyModel): Layout | null {
  const shape = inputShape(model).join('×');
  return shape === '784' ? 'flat' : shape === '28×28×1' ? 'image' : null;
}

/** The MNIST layout a model's input takes, or a one-line error if it takes neither. */
export function layoutFor(model: AnyModel): Layout {
  return (
    mnistLayout(model) ??
    fail('whittle', `model '${modelName(model)}' takes input [${inputShape(model).join('×')}], which is not MNIST (784 or 28×28×1)`)
  );
}

export const DATA_HELP =
  "data: 'mnist' (default for MNIST-shaped models), a folder of images in class sub-folders, x.npy (+ y.npy) or a .json {x, labels}";

export interface CliData {
  /** Fine-tuning and calibration samples. */
  train: Dataset;
  /** Evaluation samples. */
  test: Dataset;
  /** What the data is, for reports. */
  source: string;
  dispose(): void;
}

/**
 * The data for `--data SPEC`: MNIST's splits for 'mnist' (the default for
 * MNIST-shaped models), else the file or folder, used for evaluation,
 * calibration and fine-tuning alike. Null when no data was given for a
 * non-MNIST model: data-free operations go on and say what they could not measure.
 */
export function dataFor(model: AnyModel, spec: string | undefined): CliData | null {
  const layout = mnistLayout(model);
  if (spec === undefined && isSpamMlp(model)) {
    const { train, test } = spamSplits();
    return { train, test, source: 'SpamAssassin', dispose: () => (train.dispose(), test.dispose()) };
  }
  if (spec === undefined && !layout) return null;
  if (spec === undefined || spec === 'mnist') {
    if (!layout)
      fail(
        'whittle',
        `--data mnist: model '${modelName(model)}' takes [${inputShape(model).join('×')}], not MNIST's 784 or 28×28×1; give --data PATH`,
      );
    const { train, test } = mnist({ layout });
    return {
      train,
      test,
      source: 'MNIST',
      dispose: () => {
        train.dispose();
        test.dispose();
      },
    };
  }
  const data = loadData(spec, { inputShape: inputShape(model), classes: outputUnits(model), model: modelName(model) });
  return { train: data, test: data, source: spec, dispose: () => data.dispose() };
}

/** dataFor, for operations that cannot run without data: a one-line error naming the expected input. */
export function requireData(model: AnyModel, spec: string | undefined, what: string): CliData {
  return (
    dataFor(model, spec) ??
    fail(
      'whittle',
      `${what} needs data: model '${modelName(model)}' takes [${inputShape(model).join('×')}], which is not MNIST; give --data PATH (${DATA_HELP})`,
    )
  );
}

/** MNIST splits shaped for `model` (for spam-mlp: the SpamAssassin corpus's). */
export function mnistFor(model: AnyModel, limit?: number): { train: Dataset; test: Dataset } {
  if (isSpamMlp(model) && limit === undefined) return spamSplits();
  return mnist({ layout: layoutFor(model), limit });
}
