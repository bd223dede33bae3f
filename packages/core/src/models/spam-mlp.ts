/**
 * spam-mlp: a bag-of-words classifier for the SpamAssassin corpus (`spam()`,
 * 1,000 words → 32 ReLU → ham/spam). Its inputs are words, so input pruning
 * shows which words matter. Kept beside the MNIST reference models rather than
 * in REFERENCE_MODELS, whose users all feed MNIST.
 */
import * as tf from '@tensorflow/tfjs';
import { TorchInit } from './init.js';
import { loadCommittedWeights, pretrainedDir, type ReferenceOptions } from './reference.js';

export const SPAM_MLP = {
  /** Input words: spam({ words }) must use the same number. */
  words: 1000,
  hidden: 32,
  /** Epochs `npm run train-models -- spam-mlp` trains it for. */
  epochs: 5,
  description: 'spam-mlp: 1,000 words → 32 ReLU → 2 (SpamAssassin bag of words)',
} as const;

/** 1000-32-2 fully connected, ReLU, softmax. 32,098 parameters. */
export function buildSpamMlp(seed = 0): tf.Sequential {
  const init = new TorchInit(seed);
  const model = tf.sequential({ name: 'spam-mlp' });
  model.add(
    tf.layers.dense({
      name: 'fc1',
      inputShape: [SPAM_MLP.words],
      units: SPAM_MLP.hidden,
      activation: 'relu',
      ...init.layer(SPAM_MLP.words),
    }),
  );
  model.add(tf.layers.dense({ name: 'fc2', units: 2, activation: 'softmax', ...init.layer(SPAM_MLP.hidden) }));
  return model;
}

/** spam-mlp, with `pretrained` its committed weights (trained on spam()'s train split). */
export function spamMlp(options: ReferenceOptions = {}): tf.Sequential {
  const model = buildSpamMlp(options.seed ?? 0);
  if (options.pretrained) loadCommittedWeights(model, pretrainedDir('spam-mlp'));
  return model;
}
