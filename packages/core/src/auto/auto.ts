/**
 * `autoCompress(model, { train, test, budget })` → `{ model, report, plan }`:
 * measure each layer's sensitivity and encoded bytes at every level (search.ts,
 * in worker threads), choose the per-layer combination with the smallest
 * predicted accuracy loss under the budget (planner.ts), apply it, fine-tune at
 * the learning rate a validation slice of `train` prefers (tune.ts), save,
 * reload and measure (apply.ts). A missed budget tightens the plan and
 * tries again, up to `rounds` times; every round is in the report.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlanReport } from '@whittle/report';
import { evaluate } from '../analysis/evaluate.js';
import { latency } from '../analysis/latency.js';
import { checkDataset } from '../data/dataset.js';
import { fail } from '../errors.js';
import { saveModel, type SaveOptions } from '../io/save.js';
import { setStorageFormat } from '../io/storage.js';
import { checkModel } from '../models/check.js';
import { describeChoice, type Choice, type PlanFormat } from './choices.js';
import { buildPlanModel, measureSaved, saveOptionsFor, type PlanChoices } from './apply.js';
import { rankOf } from './factor.js';
import { normalizeAuto, type AutoOptions } from './options.js';
import { planForBytes, planForDrop, smallestPlan, type Planned } from './planner.js';
import { measureSearch, type Search } from './search.js';
import { tunePlan } from './tune.js';

export interface AutoResult {
  /** The chosen round's model (the one reloaded from disk). */
  model: tf.LayersModel;
  report: PlanReport;
  /** Layer name → choice (sparsity, bits, clusters) of the chosen round. */
  plan: PlanChoices;
  /** How to save `model` the way it was measured (`saveModel(result.model, dir, result.save)`). */
  save: SaveOptions;
}

/** Internal hooks for tests. */
export interface AutoInternals {
  crashFirstWorker?: boolean;
  /** Reuse measurements from an earlier `measureSearch` with the same choices and data (benchmarks: one search, many budgets). */
  search?: Search;
}

async function savedBytes(model: tf.LayersModel, plan: PlanChoices, size: 'bytes' | 'gzip', format: PlanFormat): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-auto-size-'));
  try {
    const saved = await saveModel(model, join(dir, 'm'), saveOptionsFor(plan, format));
    return size === 'gzip' ? saved.gzipBytes : saved.bytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const toChoices = (search: Search, choice: number[]): PlanChoices =>
  Object.fromEntries(search.layers.map((l, i) => [l.name, search.choices[choice[i]!]!]));

export async function autoCompress(model: tf.LayersModel, options: AutoOptions, internals: AutoInternals = {}): Promise<AutoResult> {
  checkModel('autoCompress', model);
  const o = normalizeAuto(options);
  const { train, test } = options;
  if (!train || !test) fail('autoCompress', 'train and test datasets are required');
  checkDataset('autoCompress', 'train', train);
  checkDataset('autoCompress', 'test', test);
  if (options.validation !== undefined) checkDataset('autoCompress', 'validation', options.validation);
  const progress = options.onProgress;
  const b = o.budget;
  if (b.bytes === undefined && b.ratio === undefined && b.maxAccuracyDrop === undefined)
    fail(
      'autoCompress',
      'budget.latencyMs alone cannot be planned: pruning and quantization leave wasm latency unchanged; add bytes, ratio or maxAccuracyDrop',
    );

  // The original, measured the way everything else is.
  progress?.({ stage: 'measure', round: 0, done: 0, total: 1, message: 'measuring the original model' });
  const originalBytes = await savedBytes(model, {}, o.size, o.format);
  const originalAccuracy = evaluate(model, test).accuracy;
  const input = tf.slice(test.x, 0, 1);
  const originalLatency = latency(model, input, { runs: 20 }).medianMs;
  input.dispose();
  const byteBudget = Math.min(b.bytes ?? Infinity, b.ratio !== undefined ? originalBytes / b.ratio : Infinity);

  const search =
    internals.search ??
    (await measureSearch(model, train, test, {
      choices: o.choices,
      size: o.size,
      format: o.format,
      workers: o.workers,
      calibrationSamples: o.calibrationSamples,
      seed: o.seed,
      baselines: o.baselines,
      crashFirstWorker: internals.crashFirstWorker,
      onDone: (done, total) => progress?.({ stage: 'search', round: 0, done, total, message: `sensitivity ${done}/${total}` }),
    }));

  // The fixed part of the file (model.json, biases, gzip framing): the smallest plan as saved, minus its kernels.
  const cheapest = smallestPlan(search);
  const cheapestModel = buildPlanModel(model, toChoices(search, cheapest)).model;
  const smallestBytes = await savedBytes(cheapestModel, toChoices(search, cheapest), o.size, o.format);
  cheapestModel.dispose();
  const fixedBytes = smallestBytes - search.layers.reduce((s, l, i) => s + l.bytes[cheapest[i]!]!, 0);
  if (byteBudget < smallestBytes) {
    const labels = new Set(cheapest.map((c) => describeChoice(search.choices[c]!)));
    const how = labels.size === 1 ? `every layer at ${[...labels][0]}` : 'every layer at its smallest choice';
    fail(
      'autoCompress',
      `budget of ${Math.floor(byteBudget)} B is below the smallest reachable size, ${smallestBytes} B (${how}; ${o.size === 'gzip' ? 'gzip ' : ''}bytes)`,
    );
  }

  const rounds: PlanReport['rounds'] = [];
  let capacity = Number.isFinite(byteBudget) ? byteBudget : undefined;
  let dropCap = b.maxAccuracyDrop;
  let best: { model: tf.LayersModel; planned: Planned; plan: PlanChoices; round: number; met: boolean } | undefined;
  for (let round = 1; round <= o.rounds; round++) {
    // Per-layer gzip sizes don't add up exactly (one stream compresses across layers): check the applied plan's
    // real file before spending fine-tuning on it, and shrink the capacity by any overshoot (cheap: no training).
    let planned: Planned | undefined;
    let plan: PlanChoices = {};
    let accuracyBeforeFineTune = 0;
    for (let fit = 0; fit < 6; fit++) {
      planned = capacity !== undefined ? planForBytes(search, capacity, fixedBytes) : planForDrop(search, dropCap!, fixedBytes);
      if (!planned) break;
      plan = toChoices(
        search,
        planned.layers.map((l) => l.choice),
      );
      const applied = buildPlanModel(model, plan).model;
      const bytes = await savedBytes(applied, plan, o.size, o.format);
      accuracyBeforeFineTune = evaluate(applied, test).accuracy;
      applied.dispose();
      if (capacity === undefined || bytes <= byteBudget) break;
      capacity -= bytes - byteBudget;
    }
    if (!planned) break;
    let trying = '';
    const tuned = await tunePlan(model, plan, train, {
      epochs: o.epochs,
      batchSize: o.batchSize,
      learningRates: o.learningRates,
      validationFraction: o.validationFraction,
      validation: options.validation,
      seed: o.seed,
      format: o.format,
      onRate: (r, stage) => (trying = stage === 'trial' ? `trying Adam ${r} on a validation split` : `fine-tuning at Adam ${r}`),
      onProgress: (p) =>
        progress?.({
          stage: 'fine-tune',
          round,
          done: p.epoch - 1,
          total: p.epochs,
          message: `round ${round}: ${trying}, loss ${p.loss.toFixed(4)}`,
        }),
    });
    progress?.({ stage: 'verify', round, done: 0, total: 1, message: `round ${round}: saving, reloading, measuring` });
    const m = await measureSaved(tuned.model, plan, test, o.size, undefined, o.format);
    tuned.model.dispose();
    const missed: string[] = [];
    if (m.bytes > byteBudget) missed.push(`${m.bytes} B > ${Math.floor(byteBudget)} B`);
    const drop = originalAccuracy - m.accuracy;
    if (b.maxAccuracyDrop !== undefined && drop > b.maxAccuracyDrop)
      missed.push(`accuracy drop ${(drop * 100).toFixed(2)} pp > ${(b.maxAccuracyDrop * 100).toFixed(2)} pp`);
    if (b.latencyMs !== undefined && m.latencyMs > b.latencyMs) missed.push(`${m.latencyMs.toFixed(3)} ms > ${b.latencyMs} ms`);
    const met = missed.length === 0;
    rounds.push({
      round,
      capacityBytes: capacity ?? null,
      predictedBytes: Math.round(planned.predictedBytes),
      predictedAccuracy: originalAccuracy - planned.predictedDrop,
      accuracyBeforeFineTune,
      bytes: m.bytes,
      accuracy: m.accuracy,
      latencyMs: m.latencyMs,
      ...(o.epochs > 0 ? { learningRate: tuned.learningRate } : {}),
      ...(tuned.trials.length ? { validation: { samples: tuned.validationSamples, rates: tuned.trials } } : {}),
      met,
      missed,
    });
    // Keep the best round so far: a met one, else the latest.
    if (!best || met || !best.met) {
      best?.model.dispose();
      best = { model: m.model, planned, plan, round, met };
    } else m.model.dispose();
    if (met) break;
    // Tighten what was missed; a miss nothing here can fix (latency, or accuracy under a byte budget) ends the search.
    if (m.bytes > byteBudget && capacity !== undefined) capacity -= m.bytes - byteBudget + 0.005 * byteBudget;
    else if (capacity === undefined && dropCap !== undefined && drop > dropCap)
      dropCap = dropCap * Math.max(0.25, Math.min(0.75, dropCap / drop));
    else break;
  }
  if (!best) fail('autoCompress', `no plan fits ${Math.floor(byteBudget)} B after tightening (smallest reachable: ${smallestBytes} B)`);

  const chosen = best;
  const report: PlanReport = {
    kind: 'plan',
    version: 1,
    title: `Compression plan for ${model.name}`,
    model: model.name,
    size: o.size,
    techniques: o.techniques,
    budget: { ...b },
    original: { bytes: originalBytes, accuracy: originalAccuracy, latencyMs: originalLatency },
    layers: chosen.planned.layers.map((l, i) => {
      const layer = search.layers[i]!;
      const c: Choice = search.choices[l.choice]!;
      return {
        name: l.name,
        params: layer.params,
        sparsity: c.sparsity,
        bits: c.bits,
        ...(c.clusters ? { clusters: c.clusters } : {}),
        ...(c.rankFraction ? { rank: rankOf(c.rankFraction, layer.shape) } : {}),
        bytes: layer.bytes[l.choice]!,
        predictedDrop: layer.drop[l.choice]!,
      };
    }),
    rounds,
    chosenRound: chosen.round,
    baselines: search.uniformAccuracy.map((accuracy, c) => ({
      label: `every layer ${describeChoice(search.choices[c]!)}`,
      bytes: Math.round(fixedBytes + search.layers.reduce((s, l) => s + l.bytes[c]!, 0)),
      accuracy,
    })),
    search: {
      points: search.points,
      seconds: search.seconds,
      workers: search.workers,
      calibrationSamples: search.calibrationSamples,
      crashes: search.crashes,
    },
    epochs: o.epochs,
  };
  const save = saveOptionsFor(chosen.plan, o.format);
  return { model: setStorageFormat(chosen.model, save), report, plan: chosen.plan, save };
}
