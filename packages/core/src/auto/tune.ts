/**
 * Fine-tuning a plan at the learning rate a held-out slice of the training split prefers.
 *
 * One rate does not suit every plan. A mild plan sits next to a good solution and large steps knock it away
 * (LeNet-5 at 1/8 of its bytes: 96.5 % after 2 epochs at Adam 1e-3, 97.1 % at 1e-4); a harsh plan needs the large
 * steps to recover at all (at 1/32: 94.3 % at 1e-3, 35 % at 1e-4). So each candidate rate fine-tunes the plan on the
 * training split minus a stratified validation slice, and the rate most accurate on that slice fine-tunes the plan
 * on the whole training split: the choice never looks at the test split. The slice is held out of fine-tuning, but a model pretrained on the same split has
 * seen it, which flatters rates that change the model least: given a `validation` set the model never saw, the rates
 * are scored on that instead and fine-tune on all of `train`. The report measures on the test split either way.
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
  /** Data to choose the rate on instead of a slice of `train` (then every rate fine-tunes on all of `train`). */
  validation?: Dataset;
  /** Called before each fine-tuning: a candidate scored on the validation data, or the one that is kept. */
  onRate?: (learningRate: number, stage: 'trial' | 'final') => void;
}

const better = (a: RateTrial, b: RateTrial) => a.accuracy > b.accuracy || (a.accuracy === b.accuracy && a.loss < b.loss);

/**
 * Applies the plan and fine-tunes it at each candidate rate, scored on the validation data (equal accuracy: the
 * lower loss wins). Cut from `train`, the slice is given back: the chosen rate fine-tunes once more on all of
 * `train` (as a grid search refits), so the returned model has seen every training sample. Given `validation`,
 * the candidates already trained on all of `train` and the best is returned as it is.
 */
export async function tunePlan(model: tf.LayersModel, plan: PlanChoices, train: Dataset, s: TuneSettings): Promise<TunedPlan> {
  const { learningRates, validationFraction, validation, onRate, ...ft } = s;
  const fit = (data: Dataset, learningRate: number) => realizePlan(model, plan, data, { ...ft, learningRate });
  if (learningRates.length === 1 || ft.epochs === 0) {
    onRate?.(learningRates[0]!, 'final');
    return { model: await fit(train, learningRates[0]!), learningRate: learningRates[0]!, trials: [], validationSamples: 0 };
  }
  const split = validation ? { train, test: validation } : splitData(train, { testFraction: validationFraction, seed: ft.seed });
  const trials: RateTrial[] = [];
  let best: RateTrial | undefined;
  let kept: tf.LayersModel | undefined;
  try {
    for (const learningRate of learningRates) {
      onRate?.(learningRate, 'trial');
      const tuned = await fit(split.train, learningRate);
      const { accuracy, loss } = evaluate(tuned, split.test);
      const trial = { learningRate, accuracy, loss };
      trials.push(trial);
      const wins = !best || better(trial, best);
      if (wins) best = trial;
      if (validation && wins) {
        kept?.dispose();
        kept = tuned;
      } else tuned.dispose();
    }
  } catch (err) {
    kept?.dispose();
    throw err;
  } finally {
    if (!validation) {
      split.train.dispose();
      split.test.dispose();
    }
  }
  if (!kept) {
    onRate?.(best!.learningRate, 'final');
    kept = await fit(train, best!.learningRate);
  }
  return { model: kept, learningRate: best!.learningRate, trials, validationSamples: split.test.size };
}
