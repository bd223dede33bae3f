/**
 * Runs plan tasks in `worker_threads`, each worker with its own tfjs backend,
 * and in this thread beside them. Every thread takes the next task from one
 * shared counter (most expensive tasks first, see search.ts) and writes its
 * result into shared memory by task index, so the output never depends on
 * scheduling and nobody waits on a round trip between tasks.
 * A worker that crashes is reported, its task re-run here, and a new worker
 * started while tasks remain (workers that die before starting fail the run
 * after three tries). `workers` ≤ 1 runs the same code in this thread alone —
 * the serial reference.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Dataset } from '../data/dataset.js';
import { fail } from '../errors.js';
import { captureArtifacts, joinWeightData } from '../io/artifacts.js';
import { cloneModel } from '../models/clone.js';
import { PlanEvaluator, toPlain, type PlanTask } from './evaluate-plans.js';
import type { SharedQueue, WorkerSetup } from './worker.js';

export interface Crash {
  worker: number;
  error: string;
  /** Tasks that were running on it (re-run in the calling thread). */
  tasks: number;
}

export interface PoolOptions {
  /**
   * Threads scoring tasks, this one included: `workers − 1` worker threads are started and this thread works
   * beside them (it would otherwise only wait). 0 or 1: this thread alone, the serial reference.
   */
  workers: number;
  onDone?: (done: number, total: number) => void;
  /** Test hook: the first task a worker thread takes makes it throw. */
  crashFirstWorker?: boolean;
  /** Test hook: `workers` worker threads take every task; this thread only re-runs a crashed worker's task. */
  workersOnly?: boolean;
  /** tfjs backend of the workers. Default: this thread's. */
  backend?: string;
}

/** The compiled worker: beside this file in dist/, or dist/ when running from src/ (tests). */
function workerScript(): string {
  const beside = fileURLToPath(new URL('./worker.js', import.meta.url));
  if (existsSync(beside)) return beside;
  const built = fileURLToPath(new URL('../../dist/auto/worker.js', import.meta.url));
  if (existsSync(built)) return built;
  return fail('autoCompress', `worker script not found (${beside}); build @whittle/core first (npm run build)`);
}

const sharedInts = (n: number, fill = 0) => new Int32Array(new SharedArrayBuffer(4 * n)).fill(fill);
/** Lets worker messages in between two of this thread's tasks. */
const yieldToEvents = () => new Promise<void>((r) => setImmediate(r));

export async function runPlans(
  model: tf.LayersModel,
  datasets: Record<PlanTask['data'], Dataset>,
  tasks: PlanTask[],
  options: PoolOptions,
): Promise<{ results: number[]; crashes: Crash[] }> {
  const n = tasks.length;
  const spawnCount = options.workersOnly ? Math.max(1, options.workers) : Math.min(options.workers, n) - 1;
  const queue: SharedQueue = {
    next: sharedInts(2),
    results: new Float64Array(new SharedArrayBuffer(8 * n)),
    done: sharedInts(n),
  };
  if (options.crashFirstWorker) queue.next[1] = 1;
  const crashes: Crash[] = [];
  const retry: number[] = [];
  const live = new Set<Worker>();
  let failure: Error | undefined;
  let startFailures = 0;
  let spawned = 0;
  // Resolved by any worker event, so this thread wakes when it has nothing to run and waits for the others.
  let wake = () => {};
  const event = () => wake();

  const spawn = (setup: Omit<WorkerSetup, 'running'>) => {
    const id = spawned++;
    const running = sharedInts(1, -1);
    const worker = new Worker(workerScript(), { workerData: { ...setup, running } satisfies WorkerSetup });
    live.add(worker);
    let ready = false;
    const crashed = (error: string) => {
      if (!live.delete(worker)) return; // already ended (terminated, or 'exit' after 'error')
      const i = Atomics.load(running, 0);
      const lost = i >= 0 && !Atomics.load(queue.done, i);
      if (lost) retry.push(i);
      crashes.push({ worker: id, error, tasks: lost ? 1 : 0 });
      // Workers that die before taking any task (no backend, no model) would be respawned forever.
      if (!ready && ++startFailures >= 3)
        failure ??= new Error(`autoCompress: ${startFailures} worker threads failed to start (last: ${error})`);
      else if (Atomics.load(queue.next, 0) < n) spawn(setup);
      event();
    };
    worker.on('message', (msg: { ready?: boolean }) => {
      if (msg.ready) ready = true;
      event();
    });
    worker.on('error', (err) => crashed(String(err?.message ?? err).split('\n')[0]!));
    worker.on('exit', (code) => (code === 0 ? live.delete(worker) && event() : crashed(`exited with code ${code}`)));
  };

  // Workers first: their start-up (a tfjs and wasm backend each) overlaps this thread's first tasks.
  if (spawnCount > 0) {
    const artifacts = await captureArtifacts(model);
    const setup = {
      backend: options.backend ?? tf.getBackend(),
      modelTopology: artifacts.modelTopology as object,
      weightSpecs: artifacts.weightSpecs ?? [],
      weightData: joinWeightData(artifacts.weightData),
      datasets: { calibration: toPlain(datasets.calibration), test: toPlain(datasets.test) },
      tasks,
      queue,
    };
    for (let k = 0; k < spawnCount; k++) spawn(setup);
  }
  const copy = cloneModel(model);
  const evaluator = new PlanEvaluator(copy, datasets);
  const finished = () => {
    let d = 0;
    for (let i = 0; i < n; i++) d += Atomics.load(queue.done, i);
    return d;
  };
  try {
    let reported = 0;
    for (;;) {
      if (failure) throw failure;
      const done = finished();
      if (done > reported) options.onDone?.((reported = done), n); // may throw (an interrupt): the finally stops the workers
      if (done === n) break;
      const i = retry.shift() ?? (options.workersOnly ? undefined : Atomics.add(queue.next, 0, 1));
      if (i === undefined || i >= n) {
        // Every task is taken but some are not done: wait for the workers, or, when none is left, run them here.
        if (!live.size) for (let k = 0; k < n; k++) if (!Atomics.load(queue.done, k)) retry.push(k);
        if (!retry.length) await new Promise<void>((r) => (wake = r));
        continue;
      }
      queue.results[i] = evaluator.run([tasks[i]!])[0]!;
      Atomics.store(queue.done, i, 1);
      await yieldToEvents();
    }
    return { results: Array.from(queue.results), crashes };
  } finally {
    evaluator.dispose();
    copy.dispose();
    for (const w of live) void w.terminate();
    live.clear();
  }
}
