/**
 * Runs plan tasks in `worker_threads`, each worker with its own tfjs backend.
 * Tasks go out in shrinking batches to whichever worker is free; results are
 * stored by task index, so the output order never depends on scheduling.
 * A worker that crashes is reported, replaced, and its batch re-run (a batch
 * that crashes three workers fails the run: it is the batch, not the worker).
 * `workers: 0` runs the same code in this thread — the serial reference.
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
import type { WorkerSetup } from './worker.js';

export interface Crash {
  worker: number;
  error: string;
  /** Tasks that were running on it, re-run elsewhere. */
  tasks: number;
}

export interface PoolOptions {
  workers: number;
  /** Tasks per message. Default: guided (a third of a worker's share of the tasks left, 1…16). */
  batch?: number;
  onDone?: (done: number, total: number) => void;
  /** Test hook: the worker that receives the first batch throws on it (whichever worker starts first). */
  crashFirstWorker?: boolean;
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

export async function runPlans(
  model: tf.LayersModel,
  datasets: Record<PlanTask['data'], Dataset>,
  tasks: PlanTask[],
  options: PoolOptions,
): Promise<{ results: number[]; crashes: Crash[] }> {
  if (options.workers === 0) {
    const copy = cloneModel(model);
    const evaluator = new PlanEvaluator(copy, datasets);
    try {
      const results: number[] = [];
      for (const t of tasks) {
        results.push(...evaluator.run([t]));
        options.onDone?.(results.length, tasks.length);
      }
      return { results, crashes: [] };
    } finally {
      evaluator.dispose();
      copy.dispose();
    }
  }
  const artifacts = await captureArtifacts(model);
  const setup: WorkerSetup = {
    backend: options.backend ?? tf.getBackend(),
    modelTopology: artifacts.modelTopology as object,
    weightSpecs: artifacts.weightSpecs ?? [],
    weightData: joinWeightData(artifacts.weightData),
    datasets: { calibration: toPlain(datasets.calibration), test: toPlain(datasets.test) },
  };
  const n = Math.max(1, Math.min(options.workers, tasks.length));
  // Guided chunks: a third of each worker's share of what is left, at most 16, shrinking to 1 at the end, so no
  // worker sits idle while another finishes a long batch. Re-run batches (after a crash) go first.
  const retry: number[][] = [];
  let nextTask = 0;
  const take = (): number[] | undefined => {
    if (retry.length) return retry.shift();
    if (nextTask >= tasks.length) return undefined;
    const size = options.batch ?? Math.max(1, Math.min(16, Math.ceil((tasks.length - nextTask) / (n * 3))));
    const chunk = Array.from({ length: Math.min(size, tasks.length - nextTask) }, (_, j) => nextTask + j);
    nextTask += chunk.length;
    return chunk;
  };
  const results = new Array<number>(tasks.length);
  const crashes: Crash[] = [];
  const attempts = new Map<number[], number>();
  let done = 0;
  let spawned = 0;
  let startFailures = 0;
  let crashPending = options.crashFirstWorker ?? false;
  const script = workerScript();

  return new Promise((resolvePool, rejectPool) => {
    const live = new Set<Worker>();
    let failed = false;
    const finish = (err?: Error) => {
      if (failed) return;
      if (err) failed = true;
      for (const w of live) void w.terminate();
      live.clear();
      if (err) rejectPool(err);
      else resolvePool({ results, crashes });
    };
    const spawn = () => {
      const id = spawned++;
      const worker = new Worker(script, { workerData: setup });
      live.add(worker);
      let current: number[] | undefined;
      const next = () => {
        current = take();
        if (!current) {
          live.delete(worker);
          void worker.terminate();
          if (done === tasks.length) finish();
          return;
        }
        worker.postMessage({ id: 0, tasks: current.map((i) => tasks[i]), crash: crashPending });
        crashPending = false;
      };
      const crashed = (error: string) => {
        if (!live.has(worker) || failed) return;
        live.delete(worker);
        crashes.push({ worker: id, error, tasks: current?.length ?? 0 });
        if (current) {
          const tries = (attempts.get(current) ?? 0) + 1;
          attempts.set(current, tries);
          if (tries >= 3) return finish(new Error(`autoCompress: tasks ${current[0]}… crashed ${tries} workers (last: ${error})`));
          retry.push(current);
        } else if (++startFailures >= 3) {
          // Workers that die before taking any task (no backend, no model) would be respawned forever.
          return finish(new Error(`autoCompress: ${startFailures} worker threads failed to start (last: ${error})`));
        }
        spawn();
      };
      worker.on('message', (msg: { ready?: boolean; results?: number[] }) => {
        if (msg.ready) return next();
        msg.results!.forEach((r, j) => (results[current![j]!] = r));
        done += current!.length;
        try {
          options.onDone?.(done, tasks.length);
        } catch (err) {
          return finish(err as Error); // e.g. an interrupt raised from a progress callback: stop every worker
        }
        next();
      });
      worker.on('error', (err) => crashed(err.message.split('\n')[0]!));
      worker.on('exit', (code) => {
        if (code !== 0) crashed(`exited with code ${code}`);
      });
    };
    for (let i = 0; i < n; i++) spawn();
  });
}
