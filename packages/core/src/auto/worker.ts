/**
 * A worker thread for `autoCompress`: its own tfjs and wasm backend (wasm
 * threads don't work in Node, so parallelism comes from one backend per
 * thread). It rebuilds the model and datasets once (the datasets and weights
 * arrive in shared memory, not copied per worker), then takes task after task
 * from the queue it shares with the pool in pool.ts, until none are left.
 */
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../backend/index.js';
import { PlanEvaluator, fromPlain, type PlainDataset, type PlanTask } from './evaluate-plans.js';

/** Memory the pool and its threads share; see pool.ts. */
export interface SharedQueue {
  /** [0]: the next task index to take (Atomics.add); [1]: test hook — 1 makes the next worker task throw. */
  next: Int32Array;
  /** Per task: its result, written by whichever thread ran it. */
  results: Float64Array;
  /** Per task: 1 once its result is written. */
  done: Int32Array;
}

export interface WorkerSetup {
  backend: string;
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
  datasets: Record<PlanTask['data'], PlainDataset>;
  tasks: PlanTask[];
  queue: SharedQueue;
  /** [0]: the task this worker is running, −1 between tasks: what the pool re-runs if the worker dies. */
  running: Int32Array;
}

const setup = workerData as WorkerSetup;
const port = parentPort!;

async function main() {
  await initBackend(setup.backend);
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: setup.modelTopology, weightSpecs: setup.weightSpecs, weightData: setup.weightData }),
  );
  const datasets = { calibration: fromPlain(setup.datasets.calibration), test: fromPlain(setup.datasets.test) };
  const evaluator = new PlanEvaluator(model, datasets);
  const { tasks, queue, running } = setup;
  port.postMessage({ ready: true });
  // One task at a time from the shared counter: no round trip to the pool between tasks, and the last tasks
  // spread over every thread. The prefix activations carry over from task to task (they come in layer order).
  for (let i = Atomics.add(queue.next, 0, 1); i < tasks.length; i = Atomics.add(queue.next, 0, 1)) {
    Atomics.store(running, 0, i);
    // test hook: the pool marks one task to exercise its crash recovery
    if (Atomics.compareExchange(queue.next, 1, 1, 0) === 1) throw new Error('injected worker crash (test hook)');
    queue.results[i] = evaluator.run([tasks[i]!])[0]!;
    Atomics.store(queue.done, i, 1);
    Atomics.store(running, 0, -1);
    port.postMessage({ done: i });
  }
  evaluator.dispose();
  port.postMessage({ idle: true });
}

main().catch((err: unknown) => {
  // Surfaces as the worker's 'error' event in the pool.
  setImmediate(() => {
    throw err;
  });
});
