/**
 * A worker thread for `autoCompress`: its own tfjs and wasm backend (wasm
 * threads don't work in Node, so parallelism comes from one backend per
 * thread). It rebuilds the model and datasets once (the datasets and weights
 * arrive in shared memory, not copied per worker or per task), then scores
 * batches of plan tasks posted by the pool in pool.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../backend/index.js';
import { PlanEvaluator, fromPlain, type PlainDataset, type PlanTask } from './evaluate-plans.js';

export interface WorkerSetup {
  backend: string;
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
  datasets: Record<PlanTask['data'], PlainDataset>;
}

const setup = workerData as WorkerSetup;
const port = parentPort!;

async function main() {
  await initBackend(setup.backend);
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: setup.modelTopology, weightSpecs: setup.weightSpecs, weightData: setup.weightData }),
  );
  const datasets = { calibration: fromPlain(setup.datasets.calibration), test: fromPlain(setup.datasets.test) };
  // One evaluator for the worker's life: its prefix activations carry over from batch to batch.
  const evaluator = new PlanEvaluator(model, datasets);
  port.on('message', (msg: { id: number; tasks: PlanTask[]; crash?: boolean }) => {
    // test hook: the pool marks one batch to exercise its crash recovery
    if (msg.crash) throw new Error('injected worker crash (test hook)');
    port.postMessage({ id: msg.id, results: evaluator.run(msg.tasks) });
  });
  port.postMessage({ ready: true });
}

main().catch((err: unknown) => {
  // Surfaces as the worker's 'error' event in the pool.
  setImmediate(() => {
    throw err;
  });
});
