/**
 * `npm run train-models [-- NAME…]`: trains the reference models reproducibly
 * (seed 0, Adam 1e-3, batch 64, the fixed MNIST train split; spam-mlp on the
 * fixed spam() train split) and writes their weights to
 * packages/core/pretrained/NAME/ with a training.json record.
 */
import * as tf from '@tensorflow/tfjs';
import { rmSync, writeFileSync } from 'node:fs';
import { initBackend } from '../backend/index.js';
import type { Dataset } from '../data/dataset.js';
import { mnist } from '../data/mnist.js';
import { spam } from '../data/spam.js';
import { fit } from '../train/fit.js';
import { evaluate } from '../analysis/evaluate.js';
import { saveModel } from '../io/save.js';
import { REFERENCE_MODELS, REFERENCE_NAMES, isReferenceName, pretrainedDir } from './reference.js';
import { buildSpamMlp, SPAM_MLP } from './spam-mlp.js';

type Name = (typeof REFERENCE_NAMES)[number] | 'spam-mlp';
const ALL: Name[] = [...REFERENCE_NAMES, 'spam-mlp'];
const isName = (n: string): n is Name => isReferenceName(n) || n === 'spam-mlp';

const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const n of names) if (!isName(n)) throw new Error(`train-models: unknown model '${n}'; choose from ${ALL.join(', ')}`);
const backend = await initBackend();
console.log(`backend: ${backend.name} (${backend.reason})`);

/** The untrained model, its data and epochs. */
function setup(name: Name): { model: tf.LayersModel; train: Dataset; test: Dataset; epochs: number } {
  if (name === 'spam-mlp') return { model: buildSpamMlp(0), ...spam({ words: SPAM_MLP.words, shuffle: 0 }), epochs: SPAM_MLP.epochs };
  const spec = REFERENCE_MODELS[name];
  return { model: spec.build(0), ...mnist({ layout: spec.layout, shuffle: 0 }), epochs: spec.epochs };
}

for (const name of names.length ? names.filter(isName) : ALL) {
  const { model, train, test, epochs } = setup(name);
  const history = await fit(model, train, {
    epochs,
    seed: 0,
    onProgress: (p) =>
      process.stdout.write(`\r${name} epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batches} loss ${p.loss.toFixed(4)}   `),
  });
  const result = evaluate(model, test);
  console.log(`\n${name}: test accuracy ${(result.accuracy * 100).toFixed(2)}% after ${epochs} epochs, ${history.seconds.toFixed(1)} s`);
  rmSync(`${pretrainedDir(name)}training.json`, { force: true }); // saveModel replaces only pure model folders
  const saved = await saveModel(model, pretrainedDir(name));
  writeFileSync(
    `${saved.dir}/training.json`,
    JSON.stringify(
      {
        model: name,
        command: `npm run train-models -- ${name}`,
        backend: backend.name,
        epochs,
        batchSize: 64,
        optimizer: 'adam 1e-3',
        seed: 0,
        trainSamples: train.size,
        testSamples: test.size,
        testAccuracy: result.accuracy,
        testLoss: result.loss,
        lossPerEpoch: history.loss,
        trainSeconds: history.seconds,
      },
      null,
      2,
    ) + '\n',
  );
  tf.dispose([train.x, train.y, test.x, test.y]);
  model.dispose();
}
