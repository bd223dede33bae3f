/**
 * Fine-tuning a plan at the learning rate a held-out slice of the training split prefers.
 *
 * One rate does not suit every plan. A mild plan sits next to a good solution and large steps knock it away
 * (LeNet-5 at 1/8 of its bytes: 96.5 % after 2 epochs at Adam 1e-3, 97.1 % at 1e-4); a harsh plan needs the large
 * steps to recover at all (at 1/32: 94.3 % at 1e-3, 35 % at 1e-4). So each candidate rate fine-tunes the plan on the
 * training split minus a stratified validation slice, and the one most accurate on that slice is kept: the choice
 * never looks at the test split. The slice is held out of fine-tuning, but a model pretrained on the same split has
 * seen it, which flatters rates that change the model least; the held-out test split is what the report measures.
 */
import type * as tf from '@tensorflow/tfjs';
import { evaluate } from '../analysis/evaluate.js';
import type { Dataset } from '../data/dataset.js';
import { splitData } from '../data/split.js';
import { realizePlan, type FineTuneSettings, type PlanChoices } from './apply.js';

export interface RateTrial {
  learningRate: number;
  /** Accuracy and mean loss on the validation slice after fine-tuning at this rate. */
  accuracy: number;
  loss: number;
}

export interface TunedPlan {
  model: tf.LayersModel;
  learningRate: number;
  /** Every candidate rate, in the order given; empty when only one rate was given (no validation slice). */
  trials: RateTrial[];
  validationSamples: number;
}

export interface TuneSettings extends Omit<FineTuneSettings, 'learningRate'> {
  /** Candidate Adam learning rates; one rate fine-tunes on the whole training split without a validation slice. */
  learningRates: number[];
  /** Share of the training split held out (stratified, seeded) to choose the rate on. */
  validationFraction: number;
  /** Called before each candidate's fine-tuning. */
  onRate?: (learningRate: number, index: number, count: number) => void;
}

/**
 * Applies the plan and fine-tunes it at each candidate rate; keeps the most accurate on the validation slice
 * (equal accuracy: the lower validation loss). The other candidates' models are disposed.
 */
export async function tunePlan(model: tf.LayersModel, plan: PlanChoices, train: Dataset, s: TuneSettings): Promise<TunedPlan> {
  const { learningRates, validationFraction, onRate, ...ft } = s;
  if (learningRates.length === 1 || ft.epochs === 0) {
    onRate?.(learningRates[0]!, 0, 1);
    const tuned = await realizePlan(model, plan, train, { ...ft, learningRate: learningRates[0]! });
    return { model: tuned, learningRate: learningRates[0]!, trials: [], validationSamples: 0 };
  }
  const split = splitData(train, { testFraction: validationFraction, seed: ft.seed });
  const trials: RateTrial[] = [];
  let best: { model: tf.LayersModel; trial: RateTrial } | undefined;
  try {
    for (const [i, learningRate] of learningRates.entries()) {
      onRate?.(learningRate, i, learningRates.length);
      const tuned = await realizePlan(model, plan, split.train, { ...ft, learningRate });
      const { accuracy, loss } = evaluate(tuned, split.test);
      const trial = { learningRate, accuracy, loss };
      trials.push(trial);
      const better = !best || accuracy > best.trial.accuracy || (accuracy === best.trial.accuracy && loss < best.trial.loss);
      if (better) {
        best?.model.dispose();
        best = { model: tuned, trial };
      } else tuned.dispose();
    }
  } catch (err) {
    best?.model.dispose();
    throw err;
  } finally {
    split.train.dispose();
    split.test.dispose();
  }
  return { model: best!.model, learningRate: best!.trial.learningRate, trials, validationSamples: split.test.size };
}
