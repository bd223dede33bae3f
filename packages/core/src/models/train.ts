/**
 * `npm run train-models [-- NAME…]`: trains the reference models reproducibly
 * (seed 0, Adam 1e-3, batch 64, the fixed MNIST train split) and writes their
 * weights to packages/core/pretrained/NAME/ with a training.json record.
 */
import * as tf from '@tensorflow/tfjs';
import { rmSync, writeFileSync } from 'node:fs';
import { initBackend } from '../backend/index.js';
import { mnist } from '../data/mnist.js';
import { fit } from '../train/fit.js';
import { evaluate } from '../analysis/evaluate.js';
import { saveModel } from '../io/save.js';
import { REFERENCE_MODELS, REFERENCE_NAMES, isReferenceName, pretrainedDir } from './reference.js';

const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const n of names)
  if (!isReferenceName(n)) throw new Error(`train-models: unknown model '${n}'; choose from ${REFERENCE_NAMES.join(', ')}`);
const backend = await initBackend();
console.log(`backend: ${backend.name} (${backend.reason})`);

for (const name of names.length ? names.filter(isReferenceName) : REFERENCE_NAMES) {
  const spec = REFERENCE_MODELS[name];
  const { train, test } = mnist({ layout: spec.layout, shuffle: 0 });
  const model = spec.build(0);
  const history = await fit(model, train, {
    epochs: spec.epochs,
    seed: 0,
    onProgress: (p) =>
      process.stdout.write(`\r${name} epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batches} loss ${p.loss.toFixed(4)}   `),
  });
  const result = evaluate(model, test);
  console.log(
    `\n${name}: test accuracy ${(result.accuracy * 100).toFixed(2)}% after ${spec.epochs} epochs, ${history.seconds.toFixed(1)} s`,
  );
  rmSync(`${pretrainedDir(name)}training.json`, { force: true }); // saveModel replaces only pure model folders
  const saved = await saveModel(model, pretrainedDir(name));
  writeFileSync(
    `${saved.dir}/training.json`,
    JSON.stringify(
      {
        model: name,
        command: `npm run train-models -- ${name}`,
        backend: backend.name,
        epochs: spec.epochs,
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
